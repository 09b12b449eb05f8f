namespace IngressCerts.Engine.Publishing;

/// <summary>
/// The rights the writes of a plan need, for <see cref="WritePreflight"/> to ask before the first one. Only what the
/// publish or undo cannot do without; best-effort work (pruning history, deleting a spare copy after a failure) is
/// left out, so that a user without those rights still publishes, with a warning.
/// </summary>
public static class PlannedAccess
{
    public static IReadOnlyList<RequiredAccess> Of(PublishPlan plan, PublishOptions options)
    {
        var needed = new List<RequiredAccess>();
        string ns = plan.Target.Namespace;
        string secret = plan.Target.SecretName;
        if (plan.SecretToWrite is not null)
        {
            switch (plan.SecretAction)
            {
                case PublishAction.Created:
                    needed.Add(RequiredAccess.OnSecrets("create", ns, null, "create the Secret"));
                    break;
                case PublishAction.Updated:
                    if (options.HistoryLimit > 0)
                    {
                        needed.Add(RequiredAccess.OnSecrets("create", ns, null, "keep the previous certificate in history for Undo"));
                    }

                    needed.Add(RequiredAccess.OnSecrets("update", ns, secret, "replace the certificate"));
                    break;
                default:
                    needed.Add(RequiredAccess.OnSecrets("update", ns, secret, "record the publish for Undo"));
                    break;
            }
        }

        if (plan.IngressToWrite is not null)
        {
            needed.Add(RequiredAccess.OnIngresses("update", ns, plan.Target.IngressName, "wire the Secret into the Ingress"));
        }

        if (plan.GrantToWrite is { } grant)
        {
            needed.Add(grant.Create
                ? RequiredAccess.OnGatewayApi("create", "referencegrants", grant.Namespace, null, "create the ReferenceGrant that lets the Gateway use the Secret")
                : RequiredAccess.OnGatewayApi("update", "referencegrants", grant.Namespace, grant.Name, "extend the ReferenceGrant that lets the Gateway use the Secret"));
            needed.Add(RequiredAccess.OnGatewayApi("get", "referencegrants", grant.Namespace, grant.Name, "read the ReferenceGrant again after a conflict"));
        }

        if (plan.GatewayToWrite is not null)
        {
            needed.Add(RequiredAccess.OnGatewayApi("update", "gateways", plan.Target.GatewayNs, plan.Target.GatewayName, "wire the Secret into the Gateway's listeners"));
            needed.Add(RequiredAccess.OnGatewayApi("get", "gateways", plan.Target.GatewayNs, plan.Target.GatewayName, "read the Gateway again after another listener changed"));
        }

        return needed;
    }

    public static IReadOnlyList<RequiredAccess> Of(UndoPlan plan)
    {
        var needed = new List<RequiredAccess>();
        string ns = plan.Namespace;
        if (plan.Unwiring is { } unwiring)
        {
            needed.Add(RequiredAccess.OnIngresses("update", ns, unwiring.Ingress.Metadata.Name, "remove the wiring the publish added"));
        }

        if (plan.GatewayUnwiring is { } gateway)
        {
            needed.Add(RequiredAccess.OnGatewayApi("update", "gateways", GatewayWiring.Str(gateway.Gateway["metadata"], "namespace")!, GatewayWiring.Str(gateway.Gateway["metadata"], "name"), "remove the wiring the publish added"));
        }

        if (plan.GrantRemoval is { } grant)
        {
            needed.Add(RequiredAccess.OnGatewayApi(grant.Delete ? "delete" : "update", "referencegrants", grant.Namespace, grant.Name, "remove what the publish added to the ReferenceGrant"));
        }

        if (plan.DeletesSecret)
        {
            needed.Add(RequiredAccess.OnSecrets("delete", ns, plan.SecretName, "delete the Secret the publish created"));
        }
        else if (plan.Restoring is { } entry)
        {
            needed.Add(RequiredAccess.OnSecrets("create", ns, null, "keep the certificate being replaced in history"));
            needed.Add(RequiredAccess.OnSecrets("update", ns, plan.SecretName, "restore the previous certificate"));
            needed.Add(RequiredAccess.OnSecrets("delete", ns, entry.Metadata.Name, "remove the restored history entry"));
        }
        else if (plan.SecretToWrite is not null)
        {
            needed.Add(RequiredAccess.OnSecrets("update", ns, plan.SecretName, "remove the record of the publish"));
        }

        return needed;
    }
}

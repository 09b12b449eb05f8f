using System.Text.Json;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory.Kinds;

/// <summary>
/// Contour HTTPProxies (projectcontour.io/v1): a root proxy's spec.virtualhost.fqdn is its host and
/// spec.virtualhost.tls.secretName its Secret, "name" in the proxy's namespace or "namespace/name" in another one,
/// which a <see cref="TlsCertificateDelegationIndex">TLSCertificateDelegation</see> in the Secret's namespace must
/// allow (as a ReferenceGrant does for a Gateway). A proxy without a virtualhost is included by another one and
/// serves no certificate of its own; tls.passthrough hands TLS to the backend (Envoy holds no certificate); a
/// tls.clientValidation.caSecret is noted, not checked. A tls with neither secretName nor passthrough, or with both, is
/// invalid to Contour (internal/dag/httpproxy_processor.go: a TLSError "TLSConfigNotValid" on the Valid condition, and the
/// proxy is not programmed at all): such a proxy serves nothing for its fqdn (<see cref="FindingIds.TlsConfigNotValid"/>).
/// </summary>
public static class ContourProxies
{
    public const string Kind = "HTTPProxy";

    public static IEnumerable<TlsReference> From(JsonElement proxy, string source, TlsCertificateDelegationIndex delegations)
    {
        string ns = RawObject.Namespace(proxy) ?? "default";
        string name = RawObject.Name(proxy) ?? string.Empty;
        if (RawObject.Path(proxy, "spec", "virtualhost", "tls") is not { ValueKind: JsonValueKind.Object })
        {
            yield break; // no virtualhost (an included proxy) or plain HTTP
        }

        string? fqdn = RawObject.String(proxy, "spec", "virtualhost", "fqdn");
        var hosts = string.IsNullOrWhiteSpace(fqdn) ? Array.Empty<string>() : new[] { fqdn };
        string? secret = RawObject.String(proxy, "spec", "virtualhost", "tls", "secretName");
        bool passthrough = RawObject.Path(proxy, "spec", "virtualhost", "tls", "passthrough") is { ValueKind: JsonValueKind.True };
        if (passthrough != string.IsNullOrWhiteSpace(secret))
        {
            // Contour checks this before it looks at the Secret, and gives up on the whole proxy.
            string which = passthrough ? "both Passthrough and SecretName were specified" : "neither Passthrough nor SecretName were specified";
            string what = passthrough ? "both secretName and passthrough" : "neither secretName nor passthrough";
            string served = hosts.Length == 0 ? "its fqdn" : fqdn!;
            yield return new TlsReference(source, Kind, ns, name, null, null, null, hosts,
                new(FindingIds.TlsConfigNotValid, CertificateStatus.SecretNotFound,
                    $"HTTPProxy {ns}/{name} has spec.virtualhost.tls with {what}: Contour marks it invalid (TLSConfigNotValid: \"Spec.VirtualHost.TLS: {which}\") "
                    + $"and serves nothing for {served}, over TLS or plain HTTP"));
            yield break;
        }

        if (passthrough)
        {
            yield return new TlsReference(source, Kind, ns, name, null, null, null, hosts, Notes:
            [
                new(FindingIds.Passthrough, CertificateStatus.Valid,
                    $"HTTPProxy {ns}/{name} passes TLS through to its backend (tls.passthrough): Envoy holds no certificate for it; the backend's certificate is not checked"),
            ]);
            yield break;
        }

        var notes = new List<CertificateFinding>();
        string? ca = RawObject.String(proxy, "spec", "virtualhost", "tls", "clientValidation", "caSecret");
        if (!string.IsNullOrEmpty(ca))
        {
            var (caNs, caName) = Split(ca, ns);
            notes.Add(new(FindingIds.ClientValidation, CertificateStatus.Valid,
                $"HTTPProxy {ns}/{name} asks clients for certificates and validates them against the CA in Secret {caNs}/{caName} (not checked)"));
        }

        var (secretNs, secretName) = Split(secret!, ns);
        CertificateFinding? issue = secretNs != ns && !delegations.Allows(ns, secretNs, secretName)
            ? new(FindingIds.ReferenceNotPermitted, CertificateStatus.ReferenceNotPermitted,
                $"HTTPProxy {ns}/{name} refers to Secret {secretNs}/{secretName} in another namespace, and no TLSCertificateDelegation in '{secretNs}' delegates it to '{ns}' "
                + $"(one is needed in '{secretNs}' with secretName '{secretName}' and targetNamespaces '{ns}' or '*'): Contour does not use the Secret, whatever it holds")
            : null;
        yield return new TlsReference(source, Kind, ns, name, null, secretNs, secretName, hosts, issue, Notes: notes.Count == 0 ? null : notes);
    }

    /// <summary>The namespaces other than their own that the proxies' Secrets are in: where their delegations must be.</summary>
    public static IEnumerable<string> DelegatingNamespaces(IEnumerable<JsonElement> proxies) =>
        proxies.Select(p => (Own: RawObject.Namespace(p) ?? "default", Secret: RawObject.String(p, "spec", "virtualhost", "tls", "secretName")))
            .Where(p => !string.IsNullOrWhiteSpace(p.Secret))
            .Select(p => Split(p.Secret!, p.Own).Namespace is var target && target != p.Own ? target : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);

    /// <summary>"namespace/name", or a bare name in <paramref name="ownNamespace"/>.</summary>
    private static (string Namespace, string Name) Split(string reference, string ownNamespace)
    {
        int slash = reference.IndexOf('/');
        return slash < 0 ? (ownNamespace, reference) : (reference[..slash], reference[(slash + 1)..]);
    }
}

/// <summary>
/// TLSCertificateDelegations (projectcontour.io/v1), keyed by the namespace that holds them (the Secrets'):
/// spec.delegations[].secretName may be used by proxies in its targetNamespaces, "*" meaning every namespace.
/// </summary>
public sealed class TlsCertificateDelegationIndex
{
    private readonly Dictionary<string, List<(string SecretName, string TargetNamespace)>> _delegations = new(StringComparer.Ordinal);

    public void Add(JsonElement delegation)
    {
        string ns = RawObject.Namespace(delegation) ?? "default";
        foreach (var entry in RawObject.Array(delegation, "spec", "delegations"))
        {
            string? secret = RawObject.String(entry, "secretName");
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            if (!_delegations.TryGetValue(ns, out var list))
            {
                _delegations[ns] = list = new();
            }

            list.AddRange(RawObject.Array(entry, "targetNamespaces")
                .Where(t => t.ValueKind == JsonValueKind.String)
                .Select(t => (secret, t.GetString()!)));
        }
    }

    public bool Allows(string proxyNamespace, string secretNamespace, string secretName) =>
        _delegations.TryGetValue(secretNamespace, out var list)
        && list.Any(d => d.SecretName == secretName && (d.TargetNamespace == "*" || d.TargetNamespace == proxyNamespace));
}

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// One right a write needs, in RBAC terms, and why it is needed (for the refusal a user reads). <see cref="Namespace"/>
/// is empty for cluster-scoped resources; <see cref="Name"/> is null for collection verbs (create, list).
/// </summary>
/// <param name="Verb">get, list, create, update, patch or delete.</param>
/// <param name="Group">The API group: "" for core (secrets), "networking.k8s.io" for ingresses.</param>
/// <param name="Resource">The plural resource name ("secrets").</param>
/// <param name="Why">What the right is needed for, as the end of "needed to ...": "replace the certificate".</param>
public sealed record RequiredAccess(string Verb, string Group, string Resource, string Namespace, string? Name, string Why)
{
    /// <summary>A right on Secrets.</summary>
    public static RequiredAccess OnSecrets(string verb, string @namespace, string? name, string why) =>
        new(verb, string.Empty, "secrets", @namespace, name, why);

    /// <summary>A right on networking.k8s.io Ingresses.</summary>
    public static RequiredAccess OnIngresses(string verb, string @namespace, string? name, string why) =>
        new(verb, "networking.k8s.io", "ingresses", @namespace, name, why);

    /// <summary>A right on a gateway.networking.k8s.io resource (gateways, referencegrants).</summary>
    public static RequiredAccess OnGatewayApi(string verb, string resource, string @namespace, string? name, string why) =>
        new(verb, "gateway.networking.k8s.io", resource, @namespace, name, why);

    /// <summary>A subresource ("status": update certificates/status), or null for the resource itself.</summary>
    public string? Subresource { get; init; }

    /// <summary>The access itself, without the reason: two entries with equal keys ask the same question.</summary>
    internal (string Verb, string Group, string Resource, string Namespace, string? Name) Key =>
        (Verb, Group, Subresource is null ? Resource : $"{Resource}/{Subresource}", Namespace, Name);

    /// <summary>"update secret 'shop-tls' in namespace 'shop'", "list secrets in namespace 'shop'".</summary>
    public string Describe()
    {
        string resource = (Group.Length == 0 ? Resource : $"{Resource}.{Group}") + (Subresource is null ? string.Empty : "/" + Subresource);
        string what = Name is null ? $"{Verb} {resource}" : $"{Verb} {resource} '{Name}'";
        return Namespace.Length == 0 ? $"{what} at the cluster scope" : $"{what} in namespace '{Namespace}'";
    }

    public override string ToString() => $"{Describe()} (needed to {Why})";
}

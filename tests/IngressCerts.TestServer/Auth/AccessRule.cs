namespace IngressCerts.TestServer.Auth;

/// <summary>
/// What a user may do, in RBAC terms: verbs × resources × namespaces, "*" meaning any.
/// A rule naming namespaces works like a RoleBinding (namespaced requests there only);
/// "*" namespaces work like a ClusterRoleBinding and also cover cluster-scoped requests
/// (all-namespace lists, namespaces themselves).
/// </summary>
public sealed record AccessRule(IReadOnlyList<string> Verbs, IReadOnlyList<string> Resources, IReadOnlyList<string> Namespaces)
{
    /// <summary>Every verb on every resource everywhere.</summary>
    public static AccessRule Everything { get; } = new(["*"], ["*"], ["*"]);

    /// <summary>Comma-separated convenience form: <c>Allow("get,list", "secrets", "team-a")</c>.</summary>
    public static AccessRule Allow(string verbs, string resources, string namespaces = "*") =>
        new(Split(verbs), Split(resources), Split(namespaces));

    /// <summary>
    /// Like RBAC's resourceNames: when set, only requests for these names match (so a user may GET named
    /// Secrets without being allowed to list them). Collection requests (list, create) never match a named rule.
    /// </summary>
    public IReadOnlyList<string>? ResourceNames { get; init; }

    /// <summary>Whether the rule covers a request; <paramref name="namespace"/> is empty at the cluster scope.</summary>
    public bool Permits(string verb, string resource, string @namespace, string name = "")
    {
        if (ResourceNames is { Count: > 0 } && !ResourceNames.Contains(name)) return false;
        if (!Verbs.Contains("*") && !Verbs.Contains(verb)) return false;
        if (!Resources.Contains("*") && !Resources.Contains(resource)) return false;
        if (Namespaces.Contains("*")) return true;
        return @namespace.Length > 0 && Namespaces.Contains(@namespace);
    }

    private static string[] Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

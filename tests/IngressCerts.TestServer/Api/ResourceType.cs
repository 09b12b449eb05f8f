namespace IngressCerts.TestServer.Api;

/// <summary>
/// Everything the server needs to know about one resource: its REST names, how the real server
/// serialises it, which fields it owns, and the strategy (defaults and validation) for writes.
/// </summary>
internal sealed class ResourceType
{
    public required string Group { get; init; }

    public required string Version { get; init; }

    /// <summary>Plural, lower-case REST name ("secrets").</summary>
    public required string Resource { get; init; }

    public required string Kind { get; init; }

    public required bool Namespaced { get; init; }

    public required IResourceStrategy Strategy { get; init; }

    /// <summary>
    /// The group the server's internal type is registered under, used in Invalid and precondition
    /// errors: Ingress validation errors say "Ingress.extensions" on a 1.24 server (reference 41).
    /// </summary>
    public string KindGroup { get; init; } = "";

    /// <summary>CRD-backed: unstructured JSON (keys sorted, list items keep kind/apiVersion), no strategic merge patch.</summary>
    public bool IsCustomResource { get; init; }

    /// <summary>metadata.generation is set and bumped when the spec changes.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>Top-level fields a write to the main resource cannot set (status subresource, namespace spec): not tracked in managedFields.</summary>
    public IReadOnlySet<string> ResetFields { get; init; } = new HashSet<string>();

    /// <summary>
    /// A CRD with <c>subresources.status</c>: the main resource ignores status (<see cref="ResetFields"/>), and
    /// <c>.../{name}/status</c> answers get, update and patch, which change only status.
    /// </summary>
    public bool HasStatusSubresource => IsCustomResource && ResetFields.Contains("status");

    /// <summary>Dotted paths of string maps: managedFields gives them a "." marker on Update.</summary>
    public IReadOnlySet<string> MapPaths { get; init; } = new HashSet<string>();

    /// <summary>Order of top-level fields after kind, apiVersion and metadata (Go struct order).</summary>
    public IReadOnlyList<string> TopLevelOrder { get; init; } = [];

    /// <summary>Field selector labels this resource supports besides metadata.name/namespace.</summary>
    public IReadOnlySet<string> ExtraSelectableFields { get; init; } = new HashSet<string>();

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public string SingularName { get; init; } = "";

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>"secrets" or "ingresses.networking.k8s.io": how messages name the resource.</summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";

    public bool IsMapPath(string path) =>
        path is "metadata.labels" or "metadata.annotations" || MapPaths.Contains(path);

    public override string ToString() => QualifiedResource;
}

using IngressCerts.TestServer.Api.Strategies;

namespace IngressCerts.TestServer.Api;

/// <summary>The resources this server stores, and which of them a given server instance serves.</summary>
internal sealed class ResourceCatalog
{
    public const string GatewayGroup = "gateway.networking.k8s.io";

    public static readonly ResourceType Namespaces = new()
    {
        Group = "", Version = "v1", Resource = "namespaces", Kind = "Namespace", Namespaced = false,
        Strategy = new NamespaceStrategy(),
        ResetFields = new HashSet<string> { "spec", "status" },
        TopLevelOrder = ["spec", "status"],
        ExtraSelectableFields = new HashSet<string> { "status.phase" },
    };

    public static readonly ResourceType Secrets = new()
    {
        Group = "", Version = "v1", Resource = "secrets", Kind = "Secret", Namespaced = true,
        Strategy = new SecretStrategy(),
        MapPaths = new HashSet<string> { "data", "stringData" },
        TopLevelOrder = ["immutable", "data", "stringData", "type"],
        ExtraSelectableFields = new HashSet<string> { "type" },
    };

    public static readonly ResourceType ConfigMaps = new()
    {
        Group = "", Version = "v1", Resource = "configmaps", Kind = "ConfigMap", Namespaced = true,
        Strategy = new ConfigMapStrategy(),
        MapPaths = new HashSet<string> { "data", "binaryData" },
        TopLevelOrder = ["immutable", "data", "binaryData"],
    };

    public static readonly ResourceType Ingresses = new()
    {
        Group = "networking.k8s.io", Version = "v1", Resource = "ingresses", Kind = "Ingress", Namespaced = true,
        KindGroup = "extensions",
        Strategy = new IngressStrategy(),
        TracksGeneration = true,
        ResetFields = new HashSet<string> { "status" },
        TopLevelOrder = ["spec", "status"],
        ShortNames = ["ing"],
    };

    public static readonly ResourceType Gateways = new()
    {
        Group = GatewayGroup, Version = "v1", Resource = "gateways", Kind = "Gateway", Namespaced = true,
        KindGroup = GatewayGroup,
        Strategy = new CustomResourceStrategy("spec", "spec.gatewayClassName", "spec.listeners"),
        IsCustomResource = true,
        TracksGeneration = true,
        ResetFields = new HashSet<string> { "status" },
        MapPaths = new HashSet<string> { "spec.infrastructure.labels", "spec.infrastructure.annotations" },
        ShortNames = ["gtw"],
        Categories = ["gateway-api"],
        SingularName = "gateway",
    };

    public static readonly ResourceType ReferenceGrants = new()
    {
        Group = GatewayGroup, Version = "v1beta1", Resource = "referencegrants", Kind = "ReferenceGrant", Namespaced = true,
        KindGroup = GatewayGroup,
        Strategy = new CustomResourceStrategy("spec", "spec.from", "spec.to"),
        IsCustomResource = true,
        TracksGeneration = true,
        ShortNames = ["refgrant"],
        Categories = ["gateway-api"],
        SingularName = "referencegrant",
    };

    public static readonly ResourceType Leases = new()
    {
        Group = "coordination.k8s.io", Version = "v1", Resource = "leases", Kind = "Lease", Namespaced = true,
        KindGroup = "coordination.k8s.io",
        Strategy = new LeaseStrategy(),
        TopLevelOrder = ["spec"],
    };

    private readonly List<ResourceType> _served;

    public ResourceCatalog(bool serveGatewayApi)
    {
        ServesGatewayApi = serveGatewayApi;
        _served = [Namespaces, Secrets, ConfigMaps, Ingresses, Leases];
        if (serveGatewayApi) _served.AddRange([Gateways, ReferenceGrants]);
    }

    public bool ServesGatewayApi { get; }

    /// <summary>Every kind the store holds, served or not (seeding a gateway on a server without the CRDs is refused).</summary>
    public static IReadOnlyList<ResourceType> All { get; } = [Namespaces, Secrets, ConfigMaps, Ingresses, Leases, Gateways, ReferenceGrants];

    public IReadOnlyList<ResourceType> Served => _served;

    public ResourceType? Find(string group, string version, string resource) =>
        _served.FirstOrDefault(t => t.Group == group && t.Version == version && t.Resource == resource);

    public ResourceType? FindByKind(string apiVersion, string kind) =>
        _served.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);

    public bool ServesGroupVersion(string group, string version) =>
        _served.Any(t => t.Group == group && t.Version == version);
}

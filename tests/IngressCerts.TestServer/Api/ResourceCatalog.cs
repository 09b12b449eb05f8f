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

    // Other controllers' kinds that keep certificates, each reduced to the fields its CRD requires (README lists how
    // they differ from the real ones). Namespaced, with a status the main resource does not write.
    private static ResourceType OtherKind(string group, string version, string resource, string kind, string singular, string[] shortNames, params string[] required) => new()
    {
        Group = group, Version = version, Resource = resource, Kind = kind, Namespaced = true,
        KindGroup = group,
        Strategy = new CustomResourceStrategy(required),
        IsCustomResource = true,
        TracksGeneration = true,
        ResetFields = new HashSet<string> { "status" },
        ShortNames = shortNames,
        SingularName = singular,
    };

    public static readonly ResourceType OpenShiftRoutes = OtherKind("route.openshift.io", "v1", "routes", "Route", "route", [], "spec", "spec.to");

    public static readonly ResourceType TraefikIngressRoutes = OtherKind("traefik.io", "v1alpha1", "ingressroutes", "IngressRoute", "ingressroute", [], "spec", "spec.routes");

    public static readonly ResourceType TraefikLegacyIngressRoutes = OtherKind("traefik.containo.us", "v1alpha1", "ingressroutes", "IngressRoute", "ingressroute", [], "spec", "spec.routes");

    public static readonly ResourceType IstioGateways = OtherKind("networking.istio.io", "v1", "gateways", "Gateway", "gateway", ["gw"], "spec");

    // The older versions of Istio's Gateway, each stored apart here (a real CRD serves one set of objects at every version).
    public static readonly ResourceType IstioGatewaysV1beta1 = OtherKind("networking.istio.io", "v1beta1", "gateways", "Gateway", "gateway", ["gw"], "spec");

    public static readonly ResourceType IstioGatewaysV1alpha3 = OtherKind("networking.istio.io", "v1alpha3", "gateways", "Gateway", "gateway", ["gw"], "spec");

    public static readonly ResourceType ContourHttpProxies = OtherKind("projectcontour.io", "v1", "httpproxies", "HTTPProxy", "httpproxy", ["proxy", "proxies"], "spec");

    public static readonly ResourceType ContourDelegations = OtherKind("projectcontour.io", "v1", "tlscertificatedelegations", "TLSCertificateDelegation", "tlscertificatedelegation", ["tlscerts"], "spec", "spec.delegations");

    // cert-manager's Certificate, with its status subresource (a write to /status changes only status; the main
    // resource ignores status): what cert-manager's controllers and cmctl renew write.
    public static readonly ResourceType CertManagerCertificates = new()
    {
        Group = "cert-manager.io", Version = "v1", Resource = "certificates", Kind = "Certificate", Namespaced = true,
        KindGroup = "cert-manager.io",
        Strategy = new CustomResourceStrategy("spec", "spec.secretName", "spec.issuerRef", "spec.issuerRef.name"),
        IsCustomResource = true,
        TracksGeneration = true,
        ResetFields = new HashSet<string> { "status" },
        ShortNames = ["cert", "certs"],
        Categories = ["cert-manager"],
        SingularName = "certificate",
    };

    /// <summary>The kinds <see cref="KubeApiServerOptions.ServeOtherKinds"/> serves (Istio's Gateway at the versions <see cref="KubeApiServerOptions.IstioGatewayVersions"/> names).</summary>
    public static IReadOnlyList<ResourceType> OtherKinds { get; } =
        [OpenShiftRoutes, TraefikIngressRoutes, TraefikLegacyIngressRoutes, IstioGateways, IstioGatewaysV1beta1, IstioGatewaysV1alpha3, ContourHttpProxies, ContourDelegations, CertManagerCertificates];

    private readonly List<ResourceType> _served;

    public ResourceCatalog(bool serveGatewayApi, bool serveOtherKinds = true, IReadOnlyCollection<string>? istioGatewayVersions = null)
    {
        ServesGatewayApi = serveGatewayApi;
        _served = [Namespaces, Secrets, ConfigMaps, Ingresses, Leases];
        if (serveGatewayApi) _served.AddRange([Gateways, ReferenceGrants]);
        istioGatewayVersions ??= ["v1"];
        if (serveOtherKinds) _served.AddRange(OtherKinds.Where(t => t.Group != IstioGateways.Group || istioGatewayVersions.Contains(t.Version)));
    }

    public bool ServesGatewayApi { get; }

    /// <summary>Every kind the store holds, served or not (seeding a gateway on a server without the CRDs is refused).</summary>
    public static IReadOnlyList<ResourceType> All { get; } = [Namespaces, Secrets, ConfigMaps, Ingresses, Leases, Gateways, ReferenceGrants, .. OtherKinds];

    public IReadOnlyList<ResourceType> Served => _served;

    public ResourceType? Find(string group, string version, string resource) =>
        _served.FirstOrDefault(t => t.Group == group && t.Version == version && t.Resource == resource);

    public ResourceType? FindByKind(string apiVersion, string kind) =>
        _served.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);

    public bool ServesGroupVersion(string group, string version) =>
        _served.Any(t => t.Group == group && t.Version == version);
}

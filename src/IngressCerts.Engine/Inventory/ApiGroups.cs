namespace IngressCerts.Engine.Inventory;

/// <summary>
/// The API group of each kind a reference comes from. A kind alone is ambiguous: Istio's networking.istio.io Gateway
/// and the Gateway API's gateway.networking.k8s.io Gateway are both "Gateway", and only the latter is delivered to.
/// </summary>
public static class ApiGroups
{
    public const string Ingress = "networking.k8s.io";
    public const string GatewayApi = "gateway.networking.k8s.io";
    public const string Istio = "networking.istio.io";
    public const string OpenShiftRoute = "route.openshift.io";
    public const string Traefik = "traefik.io";
    public const string TraefikLegacy = "traefik.containo.us";
    public const string Contour = "projectcontour.io";

    /// <summary>The group a kind has when nothing else says (Gateway: the Gateway API's); the core group ("") for a Secret.</summary>
    public static string DefaultFor(string? kind) => kind switch
    {
        "Ingress" => Ingress,
        "Gateway" => GatewayApi,
        "Route" => OpenShiftRoute,
        "IngressRoute" => Traefik,
        "HTTPProxy" => Contour,
        _ => string.Empty,
    };

    /// <summary>True for a Gateway API Gateway (gateway.networking.k8s.io): the only Gateway whose listeners the module wires.</summary>
    public static bool IsGatewayApi(string? kind, string? group) =>
        kind == "Gateway" && (string.IsNullOrEmpty(group) || group == GatewayApi);

    /// <summary>The kind as messages name it: "Istio Gateway" for networking.istio.io's, else the kind itself.</summary>
    public static string Describe(string kind, string? group) => IsIstioGateway(kind, group) ? "Istio Gateway" : kind;

    /// <summary>True for an Istio Gateway (networking.istio.io): seen and tested, never delivered to.</summary>
    public static bool IsIstioGateway(string? kind, string? group) => kind == "Gateway" && group == Istio;
}

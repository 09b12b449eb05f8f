using System.Text.Json;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory.Kinds;

/// <summary>An API that a kind beyond Ingress and the Gateway API is listed from.</summary>
public sealed record KindApi(string Group, string Version, string Plural, string Kind);

/// <summary>
/// The objects of the other controllers' kinds that keep certificates (OpenShift Routes, Traefik IngressRoutes, ...),
/// gathered from a cluster or from manifests, and the <see cref="TlsReference"/>s they make. Each kind is listed only
/// where its API is served: <see cref="ClusterReader.ListCustomObjectPagesAsync"/> makes an absent API an empty list.
/// </summary>
public sealed class OtherKinds
{
    public static readonly KindApi OpenShiftRoute = new("route.openshift.io", "v1", "routes", "Route");
    public static readonly KindApi TraefikIngressRoute = new("traefik.io", "v1alpha1", "ingressroutes", "IngressRoute");
    public static readonly KindApi TraefikLegacyIngressRoute = new("traefik.containo.us", "v1alpha1", "ingressroutes", "IngressRoute");

    public static readonly KindApi IstioGateway = new("networking.istio.io", "v1", "gateways", "Gateway");

    /// <summary>Every API listed, in the order their references are reported.</summary>
    public static IReadOnlyList<KindApi> Apis { get; } = [OpenShiftRoute, TraefikIngressRoute, TraefikLegacyIngressRoute, IstioGateway];

    private readonly List<(KindApi Api, JsonElement Object, string Source)> _objects = new();

    /// <summary>The API of a manifest object's group and kind (any version), or null when it is none of these kinds.</summary>
    public static KindApi? Find(string group, string? kind) => Apis.FirstOrDefault(a => a.Group == group && a.Kind == kind);

    /// <summary>The object's namespace ("default" when unset) and name, and its spec.tls when that is an object.</summary>
    internal static (string Namespace, string Name, JsonElement? Tls) Identify(JsonElement obj) =>
        (RawObject.Namespace(obj) ?? "default", RawObject.Name(obj) ?? string.Empty,
         RawObject.Path(obj, "spec", "tls") is { ValueKind: JsonValueKind.Object } tls ? tls : null);

    public void Add(KindApi api, JsonElement obj, string source) => _objects.Add((api, obj, source));

    /// <summary>Lists every kind in <paramref name="scope"/> (null: all namespaces) from a cluster.</summary>
    public async Task ListAsync(ClusterReader reader, string? scope, Action? pageRead, CancellationToken cancellationToken)
    {
        foreach (var api in Apis)
        {
            await foreach (var page in reader.ListCustomObjectPagesAsync(api.Group, api.Version, api.Plural, scope, cancellationToken).ConfigureAwait(false))
            {
                pageRead?.Invoke();
                foreach (var obj in page)
                {
                    Add(api, obj, reader.Connection.ContextName);
                }
            }
        }
    }

    /// <summary>The TLS references of every object added.</summary>
    public IEnumerable<TlsReference> References()
    {
        foreach (var (api, obj, source) in _objects)
        {
            var references = api.Kind switch
            {
                "Route" => OpenShiftRoutes.From(obj, source),
                "IngressRoute" => TraefikIngressRoutes.From(obj, source),
                "Gateway" => IstioGateways.From(obj, source),
                _ => Enumerable.Empty<TlsReference>(),
            };
            foreach (var reference in references)
            {
                yield return reference;
            }
        }
    }
}

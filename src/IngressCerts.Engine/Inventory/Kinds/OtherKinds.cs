using System.Text.Json;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Inventory.Kinds;

/// <summary>
/// An API that a kind beyond Ingress and the Gateway API is listed from: its served versions, newest first (a cluster
/// serving several versions of one CRD is read at the newest only: the same objects, counted once).
/// </summary>
public sealed record KindApi(string Group, IReadOnlyList<string> Versions, string Plural, string Kind)
{
    public KindApi(string group, string version, string plural, string kind) : this(group, [version], plural, kind)
    {
    }

    public string Version => Versions[0];
}

/// <summary>
/// The objects of the other controllers' kinds that keep certificates (OpenShift Routes, Traefik IngressRoutes, ...),
/// gathered from a cluster or from manifests, and the <see cref="TlsReference"/>s they make. Each kind is listed only
/// where its API is served: one discovery request (<see cref="ClusterReader.ServedVersionAsync"/>) says which are,
/// and <see cref="ClusterReader.ListCustomObjectPagesAsync"/> makes a forbidden list an empty one.
/// </summary>
public sealed class OtherKinds
{
    public static readonly KindApi OpenShiftRoute = new("route.openshift.io", "v1", "routes", "Route");
    public static readonly KindApi TraefikIngressRoute = new("traefik.io", "v1alpha1", "ingressroutes", "IngressRoute");
    public static readonly KindApi TraefikLegacyIngressRoute = new("traefik.containo.us", "v1alpha1", "ingressroutes", "IngressRoute");

    public static readonly KindApi IstioGateway = new("networking.istio.io", ["v1", "v1beta1", "v1alpha3"], "gateways", "Gateway");

    public static readonly KindApi ContourHttpProxy = new("projectcontour.io", "v1", "httpproxies", "HTTPProxy");

    /// <summary>Not a reference of its own: lets HTTPProxies use Secrets of its namespace (read only where they do).</summary>
    public static readonly KindApi ContourDelegation = new("projectcontour.io", "v1", "tlscertificatedelegations", "TLSCertificateDelegation");

    /// <summary>Every API read, in the order their references are reported.</summary>
    public static IReadOnlyList<KindApi> Apis { get; } = [OpenShiftRoute, TraefikIngressRoute, TraefikLegacyIngressRoute, IstioGateway, ContourHttpProxy, ContourDelegation];

    private readonly List<(KindApi Api, JsonElement Object, string Source)> _objects = new();

    // Routes are made references when read: an inline key is parsed then and wiped, not kept with the object.
    private readonly List<TlsReference> _routes = new();
    private readonly Func<SecretLookup, ParsedSecret> _parse;
    private readonly string? _istioGatewayNamespace;

    /// <param name="parse">Parses inline certificates (<see cref="ReferenceEvaluator.Parse"/>, which wipes the key).</param>
    /// <param name="istioGatewayNamespace">Where Istio's gateway workload runs and reads credentialName Secrets; null: each Gateway's own namespace.</param>
    public OtherKinds(Func<SecretLookup, ParsedSecret> parse, string? istioGatewayNamespace = null)
    {
        _parse = parse;
        _istioGatewayNamespace = istioGatewayNamespace;
    }

    /// <summary>The API of a manifest object's group and kind (any version), or null when it is none of these kinds.</summary>
    public static KindApi? Find(string group, string? kind) => Apis.FirstOrDefault(a => a.Group == group && a.Kind == kind);

    /// <summary>The object's namespace ("default" when unset) and name, and its spec.tls when that is an object.</summary>
    internal static (string Namespace, string Name, JsonElement? Tls) Identify(JsonElement obj) =>
        (RawObject.Namespace(obj) ?? "default", RawObject.Name(obj) ?? string.Empty,
         RawObject.Path(obj, "spec", "tls") is { ValueKind: JsonValueKind.Object } tls ? tls : null);

    public void Add(KindApi api, JsonElement obj, string source)
    {
        if (api == OpenShiftRoute)
        {
            _routes.AddRange(OpenShiftRoutes.From(obj, source, _parse));
        }
        else
        {
            _objects.Add((api, obj, source));
        }
    }

    /// <summary>Lists every kind in <paramref name="scope"/> (null: all namespaces) from a cluster, at its newest served version.</summary>
    public async Task ListAsync(ClusterReader reader, string? scope, Action? pageRead, CancellationToken cancellationToken)
    {
        foreach (var api in Apis.Where(a => a != ContourDelegation))
        {
            await ListAsync(reader, api, scope, pageRead, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the TLSCertificateDelegations where HTTPProxies use Secrets of another namespace (all namespaces when
    /// <paramref name="allNamespaces"/>, else each such namespace once): nothing at all when none does.
    /// </summary>
    public async Task ListDelegationsAsync(ClusterReader reader, bool allNamespaces, Action? pageRead, CancellationToken cancellationToken)
    {
        var targets = ContourProxies.DelegatingNamespaces(_objects.Where(o => o.Api == ContourHttpProxy).Select(o => o.Object)).ToList();
        IEnumerable<string?> scopes = !allNamespaces ? targets : targets.Count == 0 ? [] : new string?[] { null };
        foreach (string? scope in scopes)
        {
            await ListAsync(reader, ContourDelegation, scope, pageRead, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ListAsync(ClusterReader reader, KindApi api, string? scope, Action? pageRead, CancellationToken cancellationToken)
    {
        string? version = await reader.ServedVersionAsync(api.Group, api.Versions, api.Plural, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return;
        }

        await foreach (var page in reader.ListCustomObjectPagesAsync(api.Group, version, api.Plural, scope, cancellationToken).ConfigureAwait(false))
        {
            pageRead?.Invoke();
            foreach (var obj in page)
            {
                Add(api, obj, reader.Connection.ContextName);
            }
        }
    }

    /// <summary>The TLS references of every object added.</summary>
    public IEnumerable<TlsReference> References()
    {
        var delegations = new TlsCertificateDelegationIndex();
        foreach (var (_, obj, _) in _objects.Where(o => o.Api == ContourDelegation))
        {
            delegations.Add(obj);
        }

        foreach (var route in _routes)
        {
            yield return route;
        }

        foreach (var (api, obj, source) in _objects)
        {
            var references = api.Kind switch
            {
                "IngressRoute" => TraefikIngressRoutes.From(obj, source),
                "Gateway" => IstioGateways.From(obj, source, _istioGatewayNamespace),
                "HTTPProxy" => ContourProxies.From(obj, source, delegations),
                _ => Enumerable.Empty<TlsReference>(),
            };
            foreach (var reference in references)
            {
                // The kind alone may not say which API it is (Istio's Gateway; Traefik's older group).
                yield return reference with { Group = api.Group };
            }
        }
    }
}

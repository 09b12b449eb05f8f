using System.Text.Json;
using IngressCerts.Engine.Inventory.Kinds;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Inventory;

/// <summary>One object read by name: the TLS references Get-IngressCertificate reports for it, and the addresses its status gives to probe.</summary>
/// <param name="Addresses">What a controller wrote in the object's status for clients to reach it (a load balancer's IP or
/// name, a Gateway's addresses, an OpenShift router's canonical host name), first one first; empty when it says none.</param>
public sealed record FoundObject(IReadOnlyList<TlsReference> References, IReadOnlyList<string> Addresses);

/// <summary>Thrown when none of the APIs a kind may be read from is served by the cluster (its CRDs are not installed).</summary>
public sealed class KindNotServedException : Exception
{
    public KindNotServedException(string kind, IReadOnlyList<KindApi> apis, string context, string @namespace, string name)
        : base($"Cluster '{context}' does not serve {string.Join(" or ", apis.Select(a => $"{a.Group}/{string.Join(", ", a.Versions)} {a.Plural}"))}: "
            + $"{kind} {@namespace}/{name} cannot be read there (are the CRDs installed?).")
    {
        Kind = kind;
        Namespace = @namespace;
        Name = name;
    }

    public string Kind { get; }

    public string Namespace { get; }

    public string Name { get; }

    /// <summary>"Route shop/web": the object the error is about.</summary>
    public string Object => $"{Kind} {Namespace}/{Name}";
}

/// <summary>Thrown when the user may not list the kind where the object would be: it may exist, but cannot be read.</summary>
public sealed class ObjectForbiddenException : Exception
{
    public ObjectForbiddenException(string @object, string why)
        : base($"{@object} cannot be read: {why}")
    {
    }
}

/// <summary>
/// Reads one object of any kind Get-IngressCertificate reports (Ingress, Gateway API or Istio Gateway, Route,
/// IngressRoute, HTTPProxy) by name, and makes its references with the same readers the inventory uses, so that a
/// test judges exactly what Get reports. Custom kinds are read at the newest version the cluster serves.
/// </summary>
public sealed class ObjectLookup
{
    public static readonly KindApi Ingress = new(ApiGroups.Ingress, "v1", "ingresses", "Ingress");
    public static readonly KindApi GatewayApiGateway = new(ApiGroups.GatewayApi, "v1", "gateways", "Gateway");

    /// <summary>Every kind that can be read by name, in the order a kind given without its group is looked for.</summary>
    public static IReadOnlyList<KindApi> Apis { get; } =
        [Ingress, GatewayApiGateway, .. OtherKinds.Apis.Where(a => a != OtherKinds.ContourDelegation)];

    private readonly ClusterReader _reader;
    private readonly ReferenceGrantReader _grants;
    private readonly Func<SecretLookup, ParsedSecret> _parse;

    /// <param name="grants">Shared by every lookup of a run, so that each namespace's ReferenceGrants are read once.</param>
    /// <param name="parse">Parses an inline certificate (a Route's spec.tls) as a Secret's would be.</param>
    public ObjectLookup(ClusterReader reader, ReferenceGrantReader grants, Func<SecretLookup, ParsedSecret> parse)
    {
        _reader = reader;
        _grants = grants;
        _parse = parse;
    }

    /// <summary>
    /// The APIs an object of <paramref name="kind"/> may be read from: the one of <paramref name="group"/>, or, with no
    /// group, every API of the kind (the Gateway API's Gateway before Istio's, traefik.io before traefik.containo.us).
    /// Empty when the pair is none of the kinds Get reports.
    /// </summary>
    public static IReadOnlyList<KindApi> Candidates(string kind, string? group) =>
        Apis.Where(a => string.Equals(a.Kind, kind, StringComparison.OrdinalIgnoreCase)
            && (string.IsNullOrEmpty(group) || string.Equals(a.Group, group, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>
    /// Why <paramref name="group"/> cannot name an API of <paramref name="kind"/> (naming the groups that can); null when
    /// it can, or when no group is given.
    /// </summary>
    public static string? KindGroupProblem(string kind, string? group) =>
        Candidates(kind, group).Count > 0
            ? null
            : $"-ApiGroup '{group}' is not a group of kind {kind}: use {string.Join(" or ", Apis.Where(a => string.Equals(a.Kind, kind, StringComparison.OrdinalIgnoreCase)).Select(a => a.Group))}.";

    /// <summary>
    /// Reads the object from the candidate APIs the cluster serves, in turn, until one has it: null when none has.
    /// </summary>
    /// <param name="istioGatewayNamespace">Where Istio's gateway workload reads credentialName Secrets; null: the Gateway's own namespace.</param>
    /// <exception cref="KindNotServedException">No candidate API is served.</exception>
    public async Task<FoundObject?> ReadAsync(string kind, string? group, string ns, string name, string? istioGatewayNamespace, CancellationToken cancellationToken)
    {
        var candidates = Candidates(kind, group);
        string context = _reader.Connection.ContextName;
        if (candidates.Contains(Ingress))
        {
            // Always served: read typed, with no discovery request.
            var ingress = await new ClusterWriter(_reader.Connection).GetIngressAsync(ns, name, cancellationToken).ConfigureAwait(false);
            return ingress is null ? null : new FoundObject(ReferenceExtractor.FromIngress(ingress, context).ToList(), Addresses(ingress));
        }

        bool served = false;
        string? refused = null;
        foreach (var api in candidates)
        {
            if (await _reader.ServedVersionAsync(api.Group, api.Versions, api.Plural, cancellationToken).ConfigureAwait(false) is not { } version)
            {
                continue;
            }

            served = true;
            if (await FindAsync(api, version, ns, name, why => refused ??= why, cancellationToken).ConfigureAwait(false) is { } obj)
            {
                return new FoundObject(await ReferencesAsync(api, obj, istioGatewayNamespace, cancellationToken).ConfigureAwait(false), Addresses(obj));
            }
        }

        if (refused is not null)
        {
            // Not "does not exist": the user may not look.
            throw new ObjectForbiddenException($"{Describe(kind, candidates)} {ns}/{name}", refused);
        }

        if (served)
        {
            return null;
        }

        throw new KindNotServedException(Describe(kind, candidates), candidates, context, ns, name);
    }

    private static string Describe(string kind, IReadOnlyList<KindApi> candidates) =>
        candidates.Count > 0 && ApiGroups.IsIstioGateway(candidates[0].Kind, candidates[0].Group) ? "Istio Gateway" : kind;

    /// <summary>
    /// The object, found by a list of its namespace narrowed to its name (every API server filters custom resources on
    /// metadata.name): the rights the inventory needs (list) are all a test needs, and a list the caller may not read
    /// is a warning, as for Get, and no object (<paramref name="refused"/> is told why).
    /// </summary>
    private async Task<JsonElement?> FindAsync(KindApi api, string version, string ns, string name, Action<string> refused, CancellationToken cancellationToken)
    {
        await foreach (var page in _reader.ListCustomObjectPagesAsync(api.Group, version, api.Plural, ns, cancellationToken,
            fieldSelector: "metadata.name=" + EscapeSelectorValue(name), refused: refused).ConfigureAwait(false))
        {
            foreach (var obj in page)
            {
                if (RawObject.Name(obj) == name)
                {
                    return obj;
                }
            }
        }

        return null;
    }

    /// <summary>A field selector value as the API server reads it back: backslash, comma and equals escaped with a backslash.</summary>
    private static string EscapeSelectorValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);

    private async Task<IReadOnlyList<TlsReference>> ReferencesAsync(KindApi api, JsonElement obj, string? istioGatewayNamespace, CancellationToken cancellationToken)
    {
        string context = _reader.Connection.ContextName;
        if (api == GatewayApiGateway)
        {
            await _grants.ReadForAsync([obj], cancellationToken).ConfigureAwait(false);
            return ReferenceExtractor.FromGateway(obj, context, _grants.Grants).ToList();
        }

        var others = new OtherKinds(_parse, istioGatewayNamespace);
        others.Add(api, obj, context);
        await others.ListDelegationsAsync(_reader, allNamespaces: false, null, cancellationToken).ConfigureAwait(false);
        return others.References().ToList();
    }

    private static IReadOnlyList<string> Addresses(V1Ingress ingress) =>
        (ingress.Status?.LoadBalancer?.Ingress ?? Enumerable.Empty<V1IngressLoadBalancerIngress>())
            .Select(a => a.Ip ?? a.Hostname).Where(a => !string.IsNullOrEmpty(a)).ToList();

    /// <summary>
    /// The addresses in a custom object's status, whichever of the shapes controllers write: a Gateway's
    /// status.addresses[].value, status.loadBalancer.ingress[].ip or hostname (Contour's HTTPProxy, as an Ingress), an
    /// OpenShift Route's status.ingress[].routerCanonicalHostname. Traefik and Istio write none: the host itself, or
    /// -Endpoint, is probed.
    /// </summary>
    public static IReadOnlyList<string> Addresses(JsonElement obj) =>
        RawObject.Array(obj, "status", "addresses").Select(a => RawObject.String(a, "value"))
            .Concat(RawObject.Array(obj, "status", "loadBalancer", "ingress").Select(a => RawObject.String(a, "ip") ?? RawObject.String(a, "hostname")))
            .Concat(RawObject.Array(obj, "status", "ingress").Select(a => RawObject.String(a, "routerCanonicalHostname")))
            .Where(a => !string.IsNullOrEmpty(a)).Select(a => a!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}

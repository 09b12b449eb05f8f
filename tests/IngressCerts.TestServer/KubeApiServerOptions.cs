namespace IngressCerts.TestServer;

/// <summary>How a <see cref="KubeApiServer"/> starts.</summary>
public sealed record KubeApiServerOptions
{
    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Serve gateway.networking.k8s.io (gateways v1, referencegrants v1beta1). When false the group is
    /// absent from /apis and its paths answer 404, as on a cluster without the Gateway API CRDs.
    /// </summary>
    public bool ServeGatewayApi { get; init; } = true;

    /// <summary>
    /// Serve the other controllers' kinds that keep certificates (OpenShift routes, Traefik ingressroutes in both
    /// groups, Istio gateways, Contour httpproxies and tlscertificatedelegations, cert-manager certificates with their status subresource), each its own group as its CRDs would be. When false they are absent from /apis and answer 404.
    /// </summary>
    public bool ServeOtherKinds { get; init; } = true;

    /// <summary>
    /// The versions of networking.istio.io gateways served with the other kinds (v1, v1beta1, v1alpha3): v1 alone by
    /// default, as Istio 1.22 and later serve it first. Each version is stored apart (see the README).
    /// </summary>
    public IReadOnlyList<string> IstioGatewayVersions { get; init; } = ["v1"];

    /// <summary>Admin (system:masters) bearer token; random when null.</summary>
    public string? AdminToken { get; init; }

    /// <summary>
    /// How long a deleted namespace stays Terminating before its content and itself are removed.
    /// Zero (default) finalises it during the DELETE, so tests need not wait.
    /// </summary>
    public TimeSpan NamespaceFinalizationDelay { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Periodic compaction like the apiserver's (every 5 minutes by default, compacting to the revision
    /// of the previous run); bounds memory in long runs. Null turns it off.
    /// </summary>
    public TimeSpan? CompactionInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Clock for timestamps and certificate validity.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Serve authorization.k8s.io SelfSubjectAccessReviews. When false the group is absent from /apis and the
    /// review answers 404, as behind a proxy or on an API server that does not serve it.
    /// </summary>
    public bool ServeAccessReviews { get; init; } = true;

    /// <summary>
    /// The default system:basic-user ClusterRoleBinding, which lets every authenticated user create
    /// SelfSubjectAccessReviews. False models a hardened cluster that removed it: a review then needs a rule
    /// (<c>AccessRule.Allow("create", "selfsubjectaccessreviews")</c>) and is otherwise 403.
    /// </summary>
    public bool BindBasicUserRole { get; init; } = true;

    /// <summary>
    /// Model what a real cluster's controllers put into every namespace: a <c>kube-root-ca.crt</c> ConfigMap and, as
    /// before v1.24, a <c>default-token-xxxxx</c> Secret of type kubernetes.io/service-account-token (data ca.crt,
    /// namespace, token). Off by default; tests that list a namespace must compare only the objects they made.
    /// </summary>
    public bool ModelNamespaceDefaults { get; init; }
}

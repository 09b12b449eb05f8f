using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Http;

namespace IngressCerts.TestServer.Auth;

/// <summary>
/// RBAC stand-in: system:masters may do anything, others need a matching rule. The refusal text
/// is the one RBAC writes (references 37, 38, 39). Requests and SelfSubjectAccessReviews are decided
/// by the same <see cref="Decide"/>, so a review never answers other than the request would be.
/// </summary>
internal sealed class Authorizer(UserRegistry users, bool basicUserBound = true)
{
    /// <summary>
    /// What the default system:basic-user ClusterRole grants every authenticated user (bound to the group
    /// system:authenticated): asking about its own rights. A cluster may unbind it (<c>basicUserBound</c> false).
    /// </summary>
    private static readonly string[] BasicUserResources = ["selfsubjectaccessreviews", "selfsubjectrulesreviews"];

    /// <summary>The non-resource paths system:discovery lets every authenticated user GET.</summary>
    private static readonly string[] DiscoveryPaths = ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"];

    public void Authorize(KubeUser user, RequestInfo request) =>
        Authorize(user, request.Verb, request.Type.Group, request.AuthorizationResource, request.Namespace, request.Name);

    /// <summary>403 with RBAC's text unless <see cref="Decide"/> allows.</summary>
    public void Authorize(KubeUser user, string verb, string group, string resource, string scope, string name)
    {
        if (Decide(user, verb, group, resource, scope, name).Allowed) return;
        var where = scope.Length == 0 ? "at the cluster scope" : $"in the namespace {GoQuote.Quote(scope)}";
        var why = $"User {GoQuote.Quote(user.Name)} cannot {verb} resource {GoQuote.Quote(resource)} in API group {GoQuote.Quote(group)} {where}";
        // A subresource is refused under its resource's name: certificates.cert-manager.io "x" is forbidden: ... "certificates/status".
        var plain = resource.Split('/')[0];
        var qualified = group.Length == 0 ? plain : $"{plain}.{group}";
        throw Status.Forbidden(qualified, group, plain, name, why);
    }

    /// <summary>
    /// The union authorizer's decision and reason: the privileged-group authorizer allows system:masters with no
    /// reason; RBAC names the binding that allowed, and says nothing when none did (it has no opinion, never denies).
    /// A user's rules stand for a Role and RoleBinding (or ClusterRole and ClusterRoleBinding for "*" namespaces)
    /// named after the user. <paramref name="resource"/> is "resource/subresource" for a subresource.
    /// </summary>
    public (bool Allowed, string Reason) Decide(KubeUser user, string verb, string group, string resource, string @namespace, string name)
    {
        if (user.IsAdmin) return (true, "");
        if (basicUserBound && group == "authorization.k8s.io" && verb == "create" && BasicUserResources.Contains(resource))
        {
            return (true, ClusterBinding("system:basic-user"));
        }
        var rule = users.RulesOf(user.Name).FirstOrDefault(r => r.Permits(verb, resource, @namespace, name));
        if (rule is null) return (false, "");
        var subject = $"User {GoQuote.Quote(user.Name)}";
        return rule.Namespaces.Contains("*")
            ? (true, $"RBAC: allowed by ClusterRoleBinding {GoQuote.Quote(user.Name)} of ClusterRole {GoQuote.Quote(user.Name)} to {subject}")
            : (true, $"RBAC: allowed by RoleBinding {GoQuote.Quote(user.Name + "/" + @namespace)} of Role {GoQuote.Quote(user.Name)} to {subject}");
    }

    /// <summary>A non-resource request (a URL path): discovery paths are open to every authenticated user.</summary>
    public (bool Allowed, string Reason) DecidePath(KubeUser user, string verb, string path)
    {
        if (user.IsAdmin) return (true, "");
        var open = verb == "get" && DiscoveryPaths.Any(p => p.EndsWith('*') ? path.StartsWith(p[..^1], StringComparison.Ordinal) : path == p);
        return open ? (true, ClusterBinding("system:discovery")) : (false, "");
    }

    private static string ClusterBinding(string role) =>
        $"RBAC: allowed by ClusterRoleBinding {GoQuote.Quote(role)} of ClusterRole {GoQuote.Quote(role)} to Group \"system:authenticated\"";
}

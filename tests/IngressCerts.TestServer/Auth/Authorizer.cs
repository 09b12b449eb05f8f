using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Http;

namespace IngressCerts.TestServer.Auth;

/// <summary>
/// RBAC stand-in: system:masters may do anything, others need a matching rule. The refusal text
/// is the one RBAC writes (references 37, 38, 39).
/// </summary>
internal sealed class Authorizer(UserRegistry users)
{
    public void Authorize(KubeUser user, RequestInfo request)
    {
        if (user.IsAdmin) return;
        var scope = request.Namespace;
        if (users.RulesOf(user.Name).Any(r => r.Permits(request.Verb, request.Type.Resource, scope, request.Name))) return;
        var where = scope.Length == 0 ? "at the cluster scope" : $"in the namespace {GoQuote.Quote(scope)}";
        var why = $"User {GoQuote.Quote(user.Name)} cannot {request.Verb} resource {GoQuote.Quote(request.Type.Resource)} in API group {GoQuote.Quote(request.Type.Group)} {where}";
        throw Status.Forbidden(request.Type.QualifiedResource, request.Type.Group, request.Type.Resource, request.Name, why);
    }
}

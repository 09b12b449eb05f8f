using Microsoft.AspNetCore.Http;
using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Http;

/// <summary>
/// What a resource request addresses, as the apiserver's RequestInfoResolver sees it.
/// <see cref="Namespace"/> is the object namespace ("" for cluster-scoped kinds and all-namespace
/// lists); <see cref="AuthorizationNamespace"/> follows RBAC, where a namespace object is "in" itself.
/// </summary>
internal sealed record RequestInfo(string Verb, ResourceType Type, string Namespace, string Name, string Subresource = "")
{
    public bool IsCollection => Name.Length == 0;

    /// <summary>What RBAC matches: "resource", or "resource/subresource" for a subresource ("certificates/status").</summary>
    public string AuthorizationResource => Subresource.Length == 0 ? Type.Resource : $"{Type.Resource}/{Subresource}";

    public string AuthorizationNamespace => Type.Resource == "namespaces" ? Name : Namespace;

    /// <summary>Parses /api/v1/... and /apis/{group}/{version}/...; null when the path is not a served resource.</summary>
    public static RequestInfo? Parse(string method, string path, IQueryCollection query, ResourceCatalog catalog)
    {
        var parts = path.Trim('/').Split('/');
        string group, version;
        int rest;
        if (parts.Length >= 3 && parts[0] == "api" && parts[1] == "v1")
        {
            (group, version, rest) = ("", "v1", 2);
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            (group, version, rest) = (parts[1], parts[2], 3);
        }
        else
        {
            return null;
        }
        var segments = parts[rest..];
        if (segments.Any(s => s.Length == 0)) return null;
        string @namespace = "", resource, name = "";
        if (segments[0] == "namespaces" && segments.Length >= 3)
        {
            // /namespaces/{ns}/{resource}[/{name}[/status]]
            @namespace = segments[1];
            resource = segments[2];
            var subresource = "";
            if (segments.Length >= 4) name = segments[3];
            if (segments.Length == 5) subresource = segments[4];
            else if (segments.Length > 5) return null;
            var namespaced = catalog.Find(group, version, resource);
            if (namespaced is null || !namespaced.Namespaced) return null;
            if (subresource.Length > 0 && !(subresource == "status" && namespaced.HasStatusSubresource)) return null;
            return new RequestInfo(VerbOf(method, name, query), namespaced, @namespace, name, subresource);
        }
        resource = segments[0];
        if (segments.Length == 2) name = segments[1];
        else if (segments.Length > 2) return null;
        var type = catalog.Find(group, version, resource);
        if (type is null) return null;
        // A named request for a namespaced kind needs its namespace in the path.
        if (type.Namespaced && name.Length > 0) return null;
        return new RequestInfo(VerbOf(method, name, query), type, "", name);
    }

    private static string VerbOf(string method, string name, IQueryCollection query)
    {
        var watch = query["watch"].ToString();
        return method switch
        {
            "GET" or "HEAD" when watch is "true" or "1" => "watch",
            "GET" or "HEAD" => name.Length == 0 ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name.Length == 0 ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
    }
}

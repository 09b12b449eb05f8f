using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Http;

/// <summary>
/// Discovery documents: the built-in ones are the v1.24 server's own (recorded); the Gateway API
/// group is added the way a CRD group appears, after the built-in groups, only when it is served.
/// Groups listed but not stored here answer an empty resource list so discovery clients see no errors.
/// </summary>
internal sealed class Discovery
{
    private readonly ResourceCatalog _catalog;
    private readonly JsonObject _apiVersions;
    private readonly JsonObject _groups;
    private readonly Dictionary<string, byte[]> _groupVersions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _groupDocuments = new(StringComparer.Ordinal);

    public Discovery(ResourceCatalog catalog, string serverAddress, DateTimeOffset started, bool servesAccessReviews = true)
    {
        _catalog = catalog;
        _apiVersions = Load("api.json");
        foreach (var entry in _apiVersions["serverAddressByClientCIDRs"]!.AsArray())
        {
            entry!["serverAddress"] = serverAddress;
        }
        _groups = Load("apis.json");
        if (catalog.ServesGatewayApi) _groups["groups"]!.AsArray().Add(GatewayGroup());
        foreach (var group in ResourceCatalog.OtherKinds.Where(catalog.Served.Contains).GroupBy(t => t.Group))
        {
            _groups["groups"]!.AsArray().Add(CustomGroup(group.Key, group.Select(t => t.Version).Distinct().ToArray()));
        }
        if (!servesAccessReviews)
        {
            var groups = _groups["groups"]!.AsArray();
            groups.Remove(groups.First(g => g!["name"]!.GetValue<string>() == Auth.SelfSubjectAccessReviews.Group));
        }
        foreach (var group in _groups["groups"]!.AsArray().OfType<JsonObject>())
        {
            var name = group["name"]!.GetValue<string>();
            var document = new JsonObject { ["kind"] = "APIGroup", ["apiVersion"] = "v1" };
            foreach (var (key, value) in group) document[key] = value?.DeepClone();
            _groupDocuments[name] = ObjectCodec.Serialize(document);
            foreach (var version in group["versions"]!.AsArray())
            {
                var groupVersion = version!["groupVersion"]!.GetValue<string>();
                _groupVersions[groupVersion] = ObjectCodec.Serialize(ResourceList(groupVersion));
            }
        }
        Version = ObjectCodec.Serialize(new JsonObject
        {
            ["major"] = "1",
            ["minor"] = "24+",
            ["gitVersion"] = "v1.24.0-alpha.1+private",
            ["gitCommit"] = "$Format:%H$",
            ["gitTreeState"] = "clean",
            ["buildDate"] = Operations.SystemClock.Format(started),
            ["goVersion"] = "go1.19.8",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        });
        ApiVersions = ObjectCodec.Serialize(_apiVersions);
        Groups = ObjectCodec.Serialize(_groups);
        CoreV1 = ObjectCodec.Serialize(Load("api-v1.json"));
    }

    public byte[] Version { get; }

    public byte[] ApiVersions { get; }

    public byte[] Groups { get; }

    public byte[] CoreV1 { get; }

    public byte[]? Group(string name) => _groupDocuments.GetValueOrDefault(name);

    public byte[]? GroupVersion(string group, string version) => _groupVersions.GetValueOrDefault($"{group}/{version}");

    private JsonObject ResourceList(string groupVersion)
    {
        if (groupVersion is "networking.k8s.io/v1" or "authorization.k8s.io/v1" or "coordination.k8s.io/v1") return Load($"apis-{groupVersion.Replace('/', '-')}.json");
        var resources = new JsonArray();
        foreach (var type in _catalog.Served.Where(t => t.ApiVersion == groupVersion && t.IsCustomResource))
        {
            resources.Add(CustomResource(type));
            if (type.ResetFields.Contains("status"))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Resource + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = groupVersion,
            ["resources"] = resources,
        };
    }

    /// <summary>A CRD resource entry as the apiextensions server lists it (verb order included).</summary>
    private static JsonObject CustomResource(ResourceType type)
    {
        var entry = new JsonObject
        {
            ["name"] = type.Resource,
            ["singularName"] = type.SingularName,
            ["namespaced"] = type.Namespaced,
            ["kind"] = type.Kind,
            ["verbs"] = new JsonArray("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"),
        };
        if (type.ShortNames.Count > 0) entry["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode)s).ToArray());
        if (type.Categories.Count > 0) entry["categories"] = new JsonArray(type.Categories.Select(s => (JsonNode)s).ToArray());
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{type.Group}/{type.Version}/{type.Kind}"));
        entry["storageVersionHash"] = Convert.ToBase64String(hash, 0, 8);
        return entry;
    }

    private static JsonObject GatewayGroup() => CustomGroup(ResourceCatalog.GatewayGroup, ["v1", "v1beta1"]);

    /// <summary>A CRD group as /apis lists it: its versions, the first preferred.</summary>
    private static JsonObject CustomGroup(string group, string[] versions)
    {
        JsonObject Version(string version) => new()
        {
            ["groupVersion"] = $"{group}/{version}",
            ["version"] = version,
        };
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    private static JsonObject Load(string name)
    {
        using var stream = typeof(Discovery).Assembly.GetManifestResourceStream("discovery/" + name)
            ?? throw new InvalidOperationException($"missing embedded discovery document {name}");
        return (JsonObject)JsonNode.Parse(stream)!;
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Fields;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Operations;

/// <summary>
/// What the controllers put into every new namespace of a real cluster, when
/// <see cref="KubeApiServerOptions.ModelNamespaceDefaults"/> is on: the root-ca-cert-publisher's kube-root-ca.crt
/// ConfigMap (every version since 1.20), and the service-account token controller's default-token-xxxxx Secret
/// (before 1.24). Written at once, under the store lock, by the "kube-controller-manager" manager; a real cluster
/// writes them a moment after the namespace.
/// </summary>
internal sealed class NamespaceDefaults(ObjectStore store, SystemClock clock, string caCertificatePem)
{
    public const string RootCaConfigMap = "kube-root-ca.crt";
    public const string TokenSecretPrefix = "default-token-";
    private const string Manager = "kube-controller-manager";

    /// <summary>Adds both objects to the namespace; call under the store lock, after the namespace is stored.</summary>
    public void Populate(string @namespace)
    {
        var now = clock.Now();
        Put(ResourceCatalog.ConfigMaps, new JsonObject
        {
            ["metadata"] = Metadata(RootCaConfigMap, @namespace, now, annotations: null),
            ["data"] = new JsonObject { ["ca.crt"] = caCertificatePem },
        });
        string name;
        do name = SystemClock.GenerateName(TokenSecretPrefix);
        while (store.Get(ResourceCatalog.Secrets, @namespace, name) is not null);
        var annotations = new JsonObject
        {
            ["kubernetes.io/service-account.name"] = "default",
            ["kubernetes.io/service-account.uid"] = SystemClock.NewUid(),
        };
        Put(ResourceCatalog.Secrets, new JsonObject
        {
            ["metadata"] = Metadata(name, @namespace, now, annotations),
            ["data"] = new JsonObject
            {
                ["ca.crt"] = Base64(caCertificatePem),
                ["namespace"] = Base64(@namespace),
                ["token"] = Base64(Token(@namespace, name, annotations["kubernetes.io/service-account.uid"]!.GetValue<string>())),
            },
            ["type"] = "kubernetes.io/service-account-token",
        });
    }

    private void Put(ResourceType type, JsonObject obj)
    {
        var full = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion };
        foreach (var (key, value) in obj.ToList())
        {
            obj.Remove(key);
            full[key] = value;
        }
        var metadata = full.Metadata();
        metadata["managedFields"] = new ManagedFieldsUpdater(type).Update(null, null, full, Manager, metadata.GetString("creationTimestamp")!);
        metadata["resourceVersion"] = store.NextRevision().ToString(CultureInfo.InvariantCulture);
        store.Put(type, ObjectCodec.Store(type, full));
    }

    private static JsonObject Metadata(string name, string @namespace, string now, JsonObject? annotations)
    {
        var metadata = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = @namespace,
            ["uid"] = SystemClock.NewUid(),
            ["creationTimestamp"] = now,
        };
        if (annotations is not null) metadata["annotations"] = annotations;
        return metadata;
    }

    /// <summary>A legacy service-account token: an RS256 JWT with the claims the token controller writes, signed by no one.</summary>
    private static string Token(string @namespace, string secretName, string serviceAccountUid)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = Base64Url(RandomNumberGenerator.GetBytes(32)) };
        var claims = new JsonObject
        {
            ["iss"] = "kubernetes/serviceaccount",
            ["kubernetes.io/serviceaccount/namespace"] = @namespace,
            ["kubernetes.io/serviceaccount/secret.name"] = secretName,
            ["kubernetes.io/serviceaccount/service-account.name"] = "default",
            ["kubernetes.io/serviceaccount/service-account.uid"] = serviceAccountUid,
            ["sub"] = $"system:serviceaccount:{@namespace}:default",
        };
        return $"{Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString()))}.{Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()))}.{Base64Url(RandomNumberGenerator.GetBytes(256))}";
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

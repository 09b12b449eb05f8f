using System.Text.Json.Nodes;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>The other controllers' kinds, as a test writes them to a cluster (the test server or a real one with their CRDs).</summary>
internal static class OtherKindObjects
{
    internal static JsonObject Route(string ns, string name, string host, JsonObject? tls)
    {
        var route = new JsonObject
        {
            ["apiVersion"] = "route.openshift.io/v1",
            ["kind"] = "Route",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["host"] = host, ["to"] = new JsonObject { ["kind"] = "Service", ["name"] = "web" } },
        };
        if (tls is not null)
        {
            route["spec"]!["tls"] = tls;
        }

        return route;
    }

    internal static JsonObject Inline(TestCertificates.Issued cert, TestCertificates.Issued? keyOf = null) =>
        new() { ["termination"] = "edge", ["certificate"] = cert.CertificatePem, ["key"] = (keyOf ?? cert).KeyPem };

    internal static JsonObject IngressRoute(string ns, string name, string match, JsonObject tls, string group = "traefik.io") => new()
    {
        ["apiVersion"] = $"{group}/v1alpha1",
        ["kind"] = "IngressRoute",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["routes"] = new JsonArray(new JsonObject { ["match"] = match, ["kind"] = "Rule", ["services"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 80 }) }),
            ["tls"] = tls,
        },
    };

    internal static JsonObject IstioServer(string port, string host, JsonObject tls) => new()
    {
        ["port"] = new JsonObject { ["number"] = 443, ["name"] = port, ["protocol"] = "HTTPS" },
        ["hosts"] = new JsonArray(host),
        ["tls"] = tls,
    };

    internal static JsonObject IstioGateway(string ns, string version, params JsonNode[] servers) => new()
    {
        ["apiVersion"] = $"networking.istio.io/{version}",
        ["kind"] = "Gateway",
        ["metadata"] = new JsonObject { ["name"] = "edge", ["namespace"] = ns },
        ["spec"] = new JsonObject { ["servers"] = new JsonArray(servers) },
    };

    internal static JsonObject Proxy(string ns, string name, string fqdn, JsonObject? tls)
    {
        var virtualhost = new JsonObject { ["fqdn"] = fqdn };
        if (tls is not null)
        {
            virtualhost["tls"] = tls;
        }

        return new JsonObject
        {
            ["apiVersion"] = "projectcontour.io/v1",
            ["kind"] = "HTTPProxy",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["virtualhost"] = virtualhost,
                ["routes"] = new JsonArray(new JsonObject { ["services"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 80 }) }),
            },
        };
    }

    internal static JsonObject Delegation(string ns, string secret, params string[] targets) => new()
    {
        ["apiVersion"] = "projectcontour.io/v1",
        ["kind"] = "TLSCertificateDelegation",
        ["metadata"] = new JsonObject { ["name"] = "d-" + secret, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["delegations"] = new JsonArray(new JsonObject { ["secretName"] = secret, ["targetNamespaces"] = new JsonArray(targets.Select(t => (JsonNode)t!).ToArray()) }),
        },
    };

    /// <summary>An Opaque Secret with the given data (Istio also reads cert, key and cacert).</summary>
    internal static JsonObject GenericSecret(string ns, string name, params (string Key, byte[] Value)[] data)
    {
        var values = new JsonObject();
        foreach (var (key, value) in data)
        {
            values[key] = Convert.ToBase64String(value);
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["type"] = "Opaque",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["data"] = values,
        };
    }
}

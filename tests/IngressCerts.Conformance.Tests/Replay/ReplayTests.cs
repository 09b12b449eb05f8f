using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;
using Xunit.Abstractions;

namespace IngressCerts.Conformance.Tests.Replay;

/// <summary>
/// Replays the 50 recorded requests, in order, against the test server and compares every answer
/// with the real kube-apiserver's: status, content type and body (see <see cref="ReplayComparer"/>).
/// </summary>
public sealed partial class ReplayTests(ITestOutputHelper output)
{
    /// <summary>The recorded client was Python's urllib: the server names the field manager after it.</summary>
    private const string RecordedUserAgent = "Python-urllib/3.11";

    [GeneratedRegex("continue=([^&]+)")]
    private static partial Regex ContinueParameter();

    [ServerOnlyFact]
    public async Task Every_recorded_answer_is_reproduced()
    {
        var cases = ReferenceFiles.LoadAll();
        Assert.Equal(50, cases.Count);
        // The recording was made on a cluster without the Gateway API CRDs (reference 03 and 06), nor any other CRDs.
        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { ServeGatewayApi = false, ServeOtherKinds = false });
        SeedWhatTheClusterAlreadyHad(server, cases);
        var limitedToken = "limited-" + Guid.NewGuid().ToString("N");
        server.AddUser("limited", limitedToken);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.kubeconfig");
        server.WriteKubeconfig(kubeconfig);
        var config = Kubeconfig.Load(kubeconfig);
        File.Delete(kubeconfig);
        using var admin = KubeHttp.Create(config);
        using var limited = KubeHttp.Create(config, limitedToken);
        using var stranger = KubeHttp.Create(config, "not-a-token-" + Guid.NewGuid().ToString("N"));
        foreach (var client in new[] { admin, limited, stranger }) client.UserAgent = RecordedUserAgent;

        var comparer = new ReplayComparer();
        foreach (var reference in cases)
        {
            if (reference.File.StartsWith("49-", StringComparison.Ordinal))
            {
                // The recording waited for etcd to compact past the token; here compaction is on demand.
                server.CompactHistory();
            }
            var client = reference.Auth switch
            {
                "invalid token" => stranger,
                var auth when auth.StartsWith("limited", StringComparison.Ordinal) => limited,
                _ => admin,
            };
            var path = RewritePath(reference, comparer);
            var body = RewriteBody(reference.Body, comparer);
            var response = body is JsonValue text && text.TryGetValue<string>(out var raw)
                ? await client.SendAsync(new HttpMethod(reference.Method), path, raw, reference.ContentType)
                : await client.SendAsync(new HttpMethod(reference.Method), path, body, reference.ContentType);
            if (response.StatusCode != reference.ExpectedStatus)
            {
                comparer.Mismatches.Add($"{reference.File}: status: expected {reference.ExpectedStatus}, got {response.StatusCode}: {response.Body}");
            }
            if (response.ContentType != reference.ExpectedContentType)
            {
                comparer.Mismatches.Add($"{reference.File}: content type: expected {reference.ExpectedContentType}, got {response.ContentType}");
            }
            if (reference.ExpectedBody is JsonValue expectedText && expectedText.TryGetValue<string>(out var expectedRaw))
            {
                if (response.Body != expectedRaw) comparer.Mismatches.Add($"{reference.File}: body: expected {expectedRaw}, got {response.Body}");
            }
            else
            {
                comparer.Compare(reference.File, reference.ExpectedBody, response.Json);
            }
        }
        foreach (var mismatch in comparer.Mismatches) output.WriteLine(mismatch);
        Assert.True(comparer.Mismatches.Count == 0, $"{comparer.Mismatches.Count} mismatches:\n{string.Join("\n", comparer.Mismatches)}");
    }

    /// <summary>
    /// The recorded cluster already held namespace "demo" with a TLS secret and an ingress (they show
    /// up in the all-namespace lists 24 and 44); put the same objects in first.
    /// </summary>
    private static void SeedWhatTheClusterAlreadyHad(KubeApiServer server, IReadOnlyList<ReferenceCase> cases)
    {
        var seeds = new List<JsonObject>();
        foreach (var (file, apiVersion, kind) in new[] { ("24-", "v1", "Secret"), ("44-", "networking.k8s.io/v1", "Ingress") })
        {
            var list = cases.Single(c => c.File.StartsWith(file, StringComparison.Ordinal)).ExpectedBody!.AsObject();
            foreach (var item in list["items"]!.AsArray().OfType<JsonObject>())
            {
                if (item["metadata"]!["namespace"]!.GetValue<string>() == "ref") continue;
                var seed = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
                foreach (var (key, value) in item) seed[key] = value?.DeepClone();
                seeds.Add(seed);
            }
        }
        Assert.Equal(2, server.Seed(seeds));
    }

    /// <summary>Continue tokens in recorded paths become the tokens our server handed out for them.</summary>
    private static string RewritePath(ReferenceCase reference, ReplayComparer comparer) =>
        ContinueParameter().Replace(reference.Path, match =>
            "continue=" + (comparer.MapContinue(match.Groups[1].Value) ?? match.Groups[1].Value));

    /// <summary>uids and resourceVersions the recording sent back are replaced by ours (unknown ones stay, e.g. deliberately stale ones).</summary>
    private static JsonNode? RewriteBody(JsonNode? body, ReplayComparer comparer)
    {
        var copy = body?.DeepClone();
        Rewrite(copy);
        return copy;

        void Rewrite(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj.ToList())
                    {
                        if (value is JsonValue v && v.TryGetValue<string>(out var text))
                        {
                            var mapped = key switch
                            {
                                "uid" => comparer.MapUid(text),
                                "resourceVersion" => comparer.MapVersion(text),
                                _ => null,
                            };
                            if (mapped is not null) obj[key] = mapped;
                        }
                        else
                        {
                            Rewrite(value);
                        }
                    }
                    break;
                case JsonArray array:
                    foreach (var item in array) Rewrite(item);
                    break;
            }
        }
    }
}

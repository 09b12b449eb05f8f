using System.Diagnostics;
using System.Text.RegularExpressions;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>Each fault kind, its count, and its filters.</summary>
public sealed class FaultInjectionTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [ServerOnlyFact]
    public async Task TooManyRequests_answers_429_with_Retry_After_for_count_requests()
    {
        var server = fixture.Cluster.RequireServer();
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        server.Faults.Add(new Fault { PathPrefix = Manifests.Secrets(ns), Count = 2, Kind = FaultKind.TooManyRequests(3) });
        for (var i = 0; i < 2; i++)
        {
            var limited = await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns));
            Assert.Equal(429, limited.StatusCode);
            Assert.Equal("TooManyRequests", limited.Reason);
            Assert.Equal(3, limited.Object["details"]!["retryAfterSeconds"]!.GetValue<int>());
        }
        Assert.Equal(200, (await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns))).StatusCode);
        // Only this test's fault: the class's tests share a server, and a fault another one left is not this one's.
        Assert.DoesNotContain(server.Faults.Pending, f => f.PathPrefix == Manifests.Secrets(ns));
    }

    [ServerOnlyFact]
    public async Task The_Retry_After_header_is_sent()
    {
        var server = fixture.Cluster.RequireServer();
        server.Faults.Add(new Fault { PathPrefix = "/api/v1/namespaces", Kind = FaultKind.TooManyRequests(7) });
        using var client = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", server.AdminToken);
        using var response = await client.GetAsync("api/v1/namespaces");
        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [ServerOnlyFact]
    public async Task InternalError_and_ServiceUnavailable_answer_Status_bodies()
    {
        var server = fixture.Cluster.RequireServer();
        var ns = await fixture.Cluster.CreateNamespaceAsync();
        server.Faults.Add(new Fault { Method = "POST", PathPrefix = Manifests.Secrets(ns), Kind = FaultKind.InternalError("etcd timed out") });
        server.Faults.Add(new Fault { Verb = "list", PathPrefix = Manifests.Secrets(ns), Kind = FaultKind.ServiceUnavailable() });

        var list = await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns));
        Assert.Equal(503, list.StatusCode);
        Assert.Equal("ServiceUnavailable", list.Reason);

        var create = await fixture.Cluster.Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("x"));
        Assert.Equal(500, create.StatusCode);
        Assert.Equal("InternalError", create.Reason);
        Assert.Equal("Internal error occurred: etcd timed out", create.Message);
        // The failed create did not happen.
        Assert.Equal(404, (await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns, "x"))).StatusCode);
    }

    [ServerOnlyFact]
    public async Task DropConnection_fails_the_request_without_an_answer()
    {
        var server = fixture.Cluster.RequireServer();
        server.Faults.Add(new Fault { PathRegex = new Regex("^/api/v1/namespaces\\?limit=1$"), Kind = FaultKind.DropConnection() });
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => fixture.Cluster.Http.GetAsync("/api/v1/namespaces?limit=1"));
        Assert.Equal(200, (await fixture.Cluster.Http.GetAsync("/api/v1/namespaces?limit=1")).StatusCode);
    }

    [ServerOnlyFact]
    public async Task Stall_delays_the_answer()
    {
        var server = fixture.Cluster.RequireServer();
        server.Faults.Add(new Fault { PathPrefix = "/version", Kind = FaultKind.Stall(TimeSpan.FromMilliseconds(600)) });
        var watch = Stopwatch.StartNew();
        var response = await fixture.Cluster.Http.GetAsync("/version");
        Assert.Equal(200, response.StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(550), $"answered after {watch.Elapsed}");
    }

    [ServerOnlyFact]
    public async Task Stall_longer_than_the_client_timeout_times_the_client_out()
    {
        var server = fixture.Cluster.RequireServer();
        server.Faults.Add(new Fault { PathPrefix = "/version", Kind = FaultKind.Stall(TimeSpan.FromSeconds(30)) });
        using var impatient = KubeHttp.FromKubeconfig(fixture.Cluster.KubeconfigPath, timeout: TimeSpan.FromMilliseconds(300));
        try
        {
            await Assert.ThrowsAnyAsync<TaskCanceledException>(() => impatient.GetAsync("/version"));
        }
        finally
        {
            // On a loaded machine the client may give up before its request reaches the fault: it must not stall the
            // next test's request to /version.
            server.Faults.Clear();
        }
    }
}

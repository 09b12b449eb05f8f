using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>Deleting a namespace answers it Terminating and removes everything in it.</summary>
public sealed class NamespaceLifecycleTests
{
    [ServerOnlyFact]
    public async Task Deleting_a_namespace_removes_its_content()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("s"));
        await cluster.Http.PostAsync(Manifests.Ingresses(ns), Manifests.Ingress("i", "i.example.com"));

        var deleted = await cluster.Http.DeleteAsync($"/api/v1/namespaces/{ns}");
        Assert.Equal(200, deleted.StatusCode);
        Assert.Equal("Namespace", deleted.Object["kind"]!.GetValue<string>());
        Assert.Equal("Terminating", deleted.Object["status"]!["phase"]!.GetValue<string>());
        Assert.NotNull(deleted.Object["metadata"]!["deletionTimestamp"]);

        Assert.Equal(404, (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}")).StatusCode);
        Assert.Equal(404, (await cluster.Http.GetAsync(Manifests.Secrets(ns, "s"))).StatusCode);
        Assert.Equal(404, (await cluster.Http.GetAsync(Manifests.Ingresses(ns, "i"))).StatusCode);
        var forbidden = await cluster.Http.DeleteAsync("/api/v1/namespaces/default");
        Assert.Equal(403, forbidden.StatusCode);
        Assert.Equal("namespaces \"default\" is forbidden: this namespace may not be deleted", forbidden.Message);
    }

    [ServerOnlyFact]
    public async Task A_terminating_namespace_refuses_new_content()
    {
        await using var cluster = await TestCluster.StartAsync(new KubeApiServerOptions { NamespaceFinalizationDelay = TimeSpan.FromSeconds(30) });
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Http.DeleteAsync($"/api/v1/namespaces/{ns}");
        var create = await cluster.Http.PostAsync(Manifests.Secrets(ns), Manifests.TlsSecret("late"));
        Assert.Equal(403, create.StatusCode);
        Assert.Equal($"secrets \"late\" is forbidden: unable to create new content in namespace {ns} because it is being terminated", create.Message);
        Assert.Equal("Terminating", (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}")).Object["status"]!["phase"]!.GetValue<string>());
    }
}

using System.Net;
using System.Text;
using IngressCerts.TestServer.Testing;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>The .NET KubernetesClient (what the engine uses) works against the cluster with the kubeconfig it is given.</summary>
public sealed class KubernetesClientTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task KubernetesClient_creates_pages_conflicts_patches_and_deletes()
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Cluster.KubeconfigPath, fixture.Cluster.Context);
        using var client = new Kubernetes(config);
        var ns = await fixture.Cluster.CreateNamespaceAsync("kclient-");

        for (var i = 0; i < 3; i++)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = $"s{i}", Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Type = "kubernetes.io/tls",
                Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.ASCII.GetBytes("c"), ["tls.key"] = Encoding.ASCII.GetBytes("k") },
            }, ns);
        }

        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await client.CoreV1.ListNamespacedSecretAsync(ns, limit: 2, continueParameter: token, labelSelector: "app=web");
            names.AddRange(page.Items.Select(s => s.Metadata.Name));
            token = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(token));
        Assert.Equal(["s0", "s1", "s2"], names);

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("s0", ns);
        var stale = secret.Metadata.ResourceVersion;
        secret.Data["tls.crt"] = Encoding.ASCII.GetBytes("c2");
        await client.CoreV1.ReplaceNamespacedSecretAsync(secret, "s0", ns);
        secret.Metadata.ResourceVersion = stale;
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedSecretAsync(secret, "s0", ns));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);

        var patched = await client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"metadata":{"annotations":{"ingresscerts.io/renewed":"true"}}}""", V1Patch.PatchType.MergePatch), "s0", ns);
        Assert.Equal("true", patched.Metadata.Annotations["ingresscerts.io/renewed"]);

        var ingress = await client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1IngressSpec
            {
                Tls = [new V1IngressTLS { Hosts = ["web.example.com"], SecretName = "s0" }],
                Rules = [new V1IngressRule { Host = "web.example.com" }],
            },
        }, ns);
        Assert.Equal(1, ingress.Metadata.Generation);
        var all = await client.NetworkingV1.ListIngressForAllNamespacesAsync(fieldSelector: $"metadata.namespace={ns}");
        Assert.Equal("web", Assert.Single(all.Items).Metadata.Name);

        await client.CoreV1.DeleteNamespacedSecretAsync("s0", ns);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedSecretAsync("s0", ns));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [ServerOnlyFact]
    public async Task KubernetesClient_authenticates_with_a_client_certificate_kubeconfig()
    {
        var server = fixture.Cluster.RequireServer();
        var path = Path.Combine(Path.GetTempPath(), $"kclient-{Guid.NewGuid():N}.kubeconfig");
        server.WriteKubeconfig(path, server.IssueClientCertificate("kclient", "system:masters"));
        try
        {
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            var namespaces = await client.CoreV1.ListNamespaceAsync();
            Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
            Assert.Equal("kclient", server.RequestLog.Last().User);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using IngressCerts.TestServer;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests;

/// <summary>One <see cref="TestCluster"/> per test class; each test still makes its own namespace.</summary>
public class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>How the in-process server starts (a real cluster is what it is).</summary>
    protected virtual KubeApiServerOptions? Options => null;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(Options);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// A server whose new namespaces start with what a real cluster's controllers put there (a default-token Secret,
/// the kube-root-ca.crt ConfigMap), to hold tests to comparing only the objects they made.
/// </summary>
public sealed class NamespaceDefaultsClusterFixture : ClusterFixture
{
    protected override KubeApiServerOptions Options => new() { ModelNamespaceDefaults = true };
}

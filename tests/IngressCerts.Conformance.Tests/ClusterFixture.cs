using IngressCerts.TestServer.Testing;

namespace IngressCerts.Conformance.Tests;

/// <summary>One <see cref="TestCluster"/> per test class; each test still makes its own namespace.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

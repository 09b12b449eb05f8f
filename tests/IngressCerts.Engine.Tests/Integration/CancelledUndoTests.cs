using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>
/// Ctrl+C while an undo's restore is in flight: the server has put the history entry's certificate back into the
/// Secret, and the reply never comes. The restored entry is then a spare copy of a key (the Secret holds the same), so
/// it must go as it does when the undo is not interrupted, or be named in a warning.
/// </summary>
public sealed class CancelledUndoTests
{
    private static PublishPayload Payload(TestCertificates.Issued cert) =>
        new(cert.Certificate, cert.CertificatePem, Encoding.ASCII.GetBytes(cert.KeyPem));

    private static async Task PublishAsync(ClusterConnection connection, string ns, TestCertificates.Issued cert)
    {
        using var payload = Payload(cert);
        var operation = new PublishOperation(new Publisher(new ClusterWriter(connection), new PublishOptions(HistoryLimit: 3)));
        var plan = await operation.PlanAsync(new PublishTarget(ns, "shop-tls"), payload, CancellationToken.None);
        await operation.RunAsync(plan, payload, verify: null, callbacks: null, CancellationToken.None);
    }

    [ServerOnlyTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_undo_cancelled_after_its_restore_landed_leaves_no_spare_copy_of_the_restored_key(bool byThumbprint)
    {
        await using var cluster = await TestCluster.StartAsync();
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("undo-cancel-");
        var connection = cluster.Connect();
        var first = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var second = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        var third = TestCertificates.Create("CN=shop.example", new[] { "shop.example" });
        foreach (var cert in new[] { first, second, third })
        {
            await PublishAsync(connection, ns, cert);
        }

        // Undo puts back the second certificate; -Thumbprint the first.
        string restored = (byThumbprint ? first : second).Certificate.Thumbprint;
        string secretPath = $"/api/v1/namespaces/{ns}/secrets/shop-tls";
        server.Faults.Add(new Fault
        {
            Method = "PUT",
            PathRegex = new Regex($"^{Regex.Escape(secretPath)}(\\?|$)"),
            Kind = FaultKind.AppliedThen(LostReply.NoAnswer),
        });

        var publisher = new Publisher(new ClusterWriter(connection), new PublishOptions());
        var plan = await publisher.PlanUndoAsync(ns, "shop-tls", force: false, CancellationToken.None, byThumbprint ? restored : null);
        var warnings = new List<string>();
        using var ctrlC = new CancellationTokenSource();
        var undo = publisher.ApplyUndoAsync(plan, force: false, ctrlC.Token, warnings.Add);

        // Ctrl+C once the server holds the restored certificate and is sitting on the reply.
        while (server.Faults.Pending.Count > 0 || WriteFaultMatrixTests.ThumbprintOf((await cluster.Http.GetAsync(secretPath)).Object) != restored)
        {
            Assert.False(undo.IsCompleted, "the undo ended before the restore was in flight");
            await Task.Delay(20);
        }

        ctrlC.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => undo);

        Assert.Equal(restored, WriteFaultMatrixTests.ThumbprintOf((await cluster.Http.GetAsync(secretPath)).Object));
        string said = string.Join(" | ", warnings);
        Assert.Contains("the reply was lost", said, StringComparison.Ordinal);
        var list = (await cluster.Http.GetAsync($"/api/v1/namespaces/{ns}/secrets?labelSelector={SecretAnnotations.HistoryOf}%3Dshop-tls")).Object;
        var held = list["items"]!.AsArray().Select(e => (Name: e!["metadata"]!["name"]!.GetValue<string>(), Thumbprint: WriteFaultMatrixTests.ThumbprintOf(e.AsObject()))).ToList();
        Assert.All(held.Where(e => e.Thumbprint == restored), e => Assert.Contains(e.Name, said, StringComparison.Ordinal));

        // The certificate the undo replaced is in history, so the undo itself can be taken back.
        Assert.Contains(held, e => e.Thumbprint == third.Certificate.Thumbprint);
    }
}

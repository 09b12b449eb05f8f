using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Testing;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Integration;

/// <summary>What a write that lost to another writer does with the history copy it made, when history changes meanwhile.</summary>
public sealed class SecretHistoryRaceTests
{
    private const string Secret = "shop-tls";

    private static V1Secret Tls(string ns, TestCertificates.Issued cert) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = SecretAnnotations.TlsType,
        Metadata = new V1ObjectMeta { Name = Secret, NamespaceProperty = ns },
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = cert.CertificateBytes, ["tls.key"] = cert.KeyBytes },
    };

    /// <summary>What <paramref name="previous"/> becomes when <paramref name="cert"/> replaces it, with a publish record (that names the entry).</summary>
    private static Func<V1Secret, V1Secret> Replacing(V1Secret previous, TestCertificates.Issued cert, string id) => entry =>
    {
        var data = new Dictionary<string, byte[]> { ["tls.crt"] = cert.CertificateBytes, ["tls.key"] = cert.KeyBytes };
        var toWrite = PublishPlanner.InPlaceUpdate(previous, data, cert.Certificate.Thumbprint, cert.Certificate.NotAfter.ToUniversalTime(), DateTimeOffset.UtcNow);
        toWrite.Metadata.Annotations[SecretAnnotations.LastPublish] = PublishRecord.For(id, PublishAction.Updated, cert.Certificate.Thumbprint, toWrite.Data, null).ToJson();
        return PublishRecord.NamingArchive(toWrite, entry.Metadata.Name);
    };

    /// <summary>
    /// Two writers read the Secret holding A; the winner archives A into its entry, writes C and names the entry; the
    /// loser's write meets the Conflict, and while the delete of its own copy of A is on its way, <paramref name="meanwhile"/>
    /// runs (given the winner's entry). Returns the history afterwards, and A.
    /// </summary>
    private static async Task<(IReadOnlyList<V1Secret> History, TestCertificates.Issued A, ClusterWriter Writer, string Ns)> LoseWhileAsync(
        TestCluster cluster, Func<ClusterWriter, string, V1Secret, TestCertificates.Issued, Task> meanwhile)
    {
        var server = cluster.RequireServer();
        string ns = await cluster.CreateNamespaceAsync("history-race-");
        var writer = new ClusterWriter(cluster.Connect());
        var a = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var b = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        var c = TestCertificates.Create("CN=shop.example", ["shop.example"]);
        await writer.CreateSecretAsync(Tls(ns, a), CancellationToken.None);
        var history = new SecretHistory(writer, () => DateTimeOffset.UtcNow);

        var seenByLoser = (await writer.GetSecretAsync(ns, Secret, CancellationToken.None))!;
        var seenByWinner = (await writer.GetSecretAsync(ns, Secret, CancellationToken.None))!;
        var (theirs, _) = await history.ReplaceArchivingAsync(seenByWinner, Replacing(seenByWinner, c, "winner"), null, CancellationToken.None);

        server.Faults.Add(new Fault { Verb = "delete", PathPrefix = $"/api/v1/namespaces/{ns}/secrets/{Secret}-prev-", Kind = FaultKind.Stall(TimeSpan.FromSeconds(2)) });
        var losing = history.ReplaceArchivingAsync(seenByLoser, Replacing(seenByLoser, b, "loser"), null, CancellationToken.None);
        for (int i = 0; i < 200 && server.Faults.Pending.Count > 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Empty(server.Faults.Pending);
        await meanwhile(writer, ns, theirs, a);
        await Assert.ThrowsAsync<KubeApiException>(() => losing);
        return (await history.ListAsync(ns, Secret, CancellationToken.None), a, writer, ns);
    }

    [ServerOnlyFact]
    public async Task A_losing_write_keeps_a_copy_when_the_winners_entry_goes_before_its_own_copy_is_deleted()
    {
        await using var cluster = await TestCluster.StartAsync();

        // The winner's entry goes (another publish's prune, a person) while the loser's copy is being deleted: that copy
        // was then the only one of A, and A must still be in history, once.
        var (entries, a, _, _) = await LoseWhileAsync(cluster, async (writer, ns, theirs, _) =>
            await writer.DeleteSecretAsync(ns, theirs.Metadata.Name, theirs.Metadata.ResourceVersion!, CancellationToken.None));

        var kept = Assert.Single(entries);
        Assert.Equal(a.Certificate.Thumbprint, PublishPlanner.ReadCurrentCertificate(kept).Thumbprint, ignoreCase: true);
    }

    [ServerOnlyFact]
    public async Task A_losing_write_makes_no_copy_again_when_the_certificate_was_put_back_into_the_secret()
    {
        await using var cluster = await TestCluster.StartAsync();

        // An undo of the winner puts A back into the Secret and deletes the winner's entry: A is served, and a copy of
        // its key in history would be a spare one.
        var (entries, a, writer, ns) = await LoseWhileAsync(cluster, async (writer, ns, theirs, a) =>
        {
            var now = (await writer.GetSecretAsync(ns, Secret, CancellationToken.None))!;
            now.Data["tls.crt"] = a.CertificateBytes;
            now.Data["tls.key"] = a.KeyBytes;
            await writer.ReplaceSecretAsync(now, CancellationToken.None);
            await writer.DeleteSecretAsync(ns, theirs.Metadata.Name, theirs.Metadata.ResourceVersion!, CancellationToken.None);
        });

        Assert.Empty(entries);
        var secret = (await writer.GetSecretAsync(ns, Secret, CancellationToken.None))!;
        Assert.Equal(a.Certificate.Thumbprint, PublishPlanner.ReadCurrentCertificate(secret).Thumbprint, ignoreCase: true);
    }
}

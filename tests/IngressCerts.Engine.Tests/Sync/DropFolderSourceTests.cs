using IngressCerts.Engine.Sync;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Sync;

/// <summary>The drop folder is read once per run, holding no key; only the file taken for a target has its key read, at use.</summary>
public sealed class DropFolderSourceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ic-drop-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static SyncTarget Due(string host) =>
        new(new IngressCertificate { Context = "ctx", Namespace = "shop", Kind = "Ingress", Name = host, SecretName = host + "-tls", Hosts = new[] { host }, Status = "Expiring" },
            new SyncDecision(SyncAction.Renewed, "due"), [host]);

    [Fact]
    public async Task Each_file_is_parsed_once_per_run_and_only_the_chosen_files_key_is_loaded_when_used()
    {
        string[] hosts = ["a.contoso.example", "b.contoso.example", "c.contoso.example"];
        foreach (string host in hosts)
        {
            var issued = TestCertificates.Create("CN=" + host, [host], validDays: 90, daysAgo: 1);
            await File.WriteAllTextAsync(Path.Combine(_folder, host + ".pem"), issued.CertificatePem + "\n" + issued.KeyPem);
        }

        var keyless = TestCertificates.Create("CN=keyless", ["a.contoso.example"], validDays: 300, daysAgo: 0);
        await File.WriteAllTextAsync(Path.Combine(_folder, "keyless.crt"), keyless.CertificatePem);
        var warnings = new List<string>();
        var source = new DropFolderSource(_folder, [], includeRoot: false, warnings.Add);

        foreach (string host in hosts)
        {
            using var answer = await source.ObtainAsync(Due(host), CancellationToken.None);
            var bundle = Assert.IsType<Engine.Certificates.CertificateBundle>(answer.Bundle);
            Assert.True(bundle.Leaf.MatchesHostname(host));
            Assert.True(bundle.HasPrivateKey);
        }

        // Four files read once each, and the three taken once more for their keys; not four per target.
        Assert.Equal(4 + 3, source.Reads);
        Assert.Equal(4, source.Candidates.Count);
        Assert.All(source.Candidates, c => Assert.False(c.Leaf.HasPrivateKey));
        Assert.Contains(source.Candidates, c => c.Path.EndsWith("keyless.crt", StringComparison.Ordinal) && c.KeyProblems.Count == 1);
        Assert.Empty(warnings);
    }

    [Fact]
    public async Task A_pipe_or_a_file_too_large_for_a_certificate_is_a_warning_and_the_folder_is_still_read()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const string host = "a.contoso.example";
        var issued = TestCertificates.Create("CN=" + host, [host], validDays: 90, daysAgo: 1);
        await File.WriteAllTextAsync(Path.Combine(_folder, "a.pem"), issued.CertificatePem + "\n" + issued.KeyPem);
        string fifo = Path.Combine(_folder, "fifo.pem");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        string huge = Path.Combine(_folder, "huge.pfx");
        using (var stream = File.Create(huge))
        {
            stream.SetLength(64L << 20); // sparse: no disk, and no certificate file is near this size
        }

        var warnings = new List<string>();
        var source = new DropFolderSource(_folder, [], includeRoot: false, w => { lock (warnings) { warnings.Add(w); } });
        var read = Task.Run(() => source.Candidates);
        try
        {
            // Opening a pipe blocks until something writes to it: the folder read (and -WhatIf's preview) must not.
            var candidates = await read.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(Path.Combine(_folder, "a.pem"), Assert.Single(candidates).Path);
        }
        finally
        {
            if (!read.IsCompleted)
            {
                // Unblock the reader so that it does not outlive the test.
                await using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            }
        }

        Assert.Contains(warnings, w => w.Contains("'" + fifo + "'", StringComparison.Ordinal) && w.Contains("not a regular file", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'" + huge + "'", StringComparison.Ordinal) && w.Contains("larger than", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_replaced_after_the_folder_was_read_is_not_taken()
    {
        const string host = "a.contoso.example";
        var issued = TestCertificates.Create("CN=" + host, [host], validDays: 90, daysAgo: 1);
        string file = Path.Combine(_folder, "a.pem");
        await File.WriteAllTextAsync(file, issued.CertificatePem + "\n" + issued.KeyPem);
        var source = new DropFolderSource(_folder, [], includeRoot: false, null);
        Assert.Single(source.Candidates);

        var other = TestCertificates.Create("CN=" + host, [host], validDays: 90, daysAgo: 1);
        await File.WriteAllTextAsync(file, other.CertificatePem + "\n" + other.KeyPem);
        using var answer = await source.ObtainAsync(Due(host), CancellationToken.None);
        Assert.Null(answer.Bundle);
        Assert.Contains("changed or went away", answer.Nothing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_preview_names_the_file_a_run_would_take_without_its_key()
    {
        const string host = "a.contoso.example";
        var older = TestCertificates.Create("CN=" + host, [host], validDays: 90, daysAgo: 3);
        var newest = TestCertificates.Create("CN=" + host, [host], validDays: 90, daysAgo: 1);
        await File.WriteAllTextAsync(Path.Combine(_folder, "older.pem"), older.CertificatePem + "\n" + older.KeyPem);
        await File.WriteAllTextAsync(Path.Combine(_folder, "newest.pem"), newest.CertificatePem + "\n" + newest.KeyPem);
        var source = new DropFolderSource(_folder, [], includeRoot: false, null);

        string preview = source.Preview(Due(host));
        Assert.Contains($"'{Path.Combine(_folder, "newest.pem")}'", preview, StringComparison.Ordinal);
        Assert.Contains(newest.Certificate.Thumbprint, preview, StringComparison.Ordinal);
        Assert.Contains($"expires {newest.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", preview, StringComparison.Ordinal);
        Assert.Equal(2, source.Reads);

        // The run takes the same file.
        using var answer = await source.ObtainAsync(Due(host), CancellationToken.None);
        Assert.Equal(newest.Certificate.Thumbprint, answer.Bundle!.Leaf.Thumbprint);
    }

    [Fact]
    public async Task The_preview_says_nothing_fits_when_no_file_covers_the_hosts_or_is_newer_than_the_secret()
    {
        const string host = "a.contoso.example";
        var other = TestCertificates.Create("CN=other", ["other.contoso.example"], validDays: 90, daysAgo: 1);
        var same = TestCertificates.Create("CN=" + host, [host], validDays: 90, daysAgo: 1);
        await File.WriteAllTextAsync(Path.Combine(_folder, "other.pem"), other.CertificatePem + "\n" + other.KeyPem);
        await File.WriteAllTextAsync(Path.Combine(_folder, "same.pem"), same.CertificatePem + "\n" + same.KeyPem);
        var source = new DropFolderSource(_folder, [], includeRoot: false, null);

        // The inventory saw the Secret holding a certificate that expires no earlier than the one in the folder.
        var due = Due(host);
        due.Reference.NotAfter = DateTime.SpecifyKind(same.Certificate.NotAfter.ToUniversalTime(), DateTimeKind.Unspecified);
        string preview = source.Preview(due);
        Assert.Contains("No certificate in", preview, StringComparison.Ordinal);
        Assert.Contains("NoCertificateAvailable", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("It would take", preview, StringComparison.Ordinal);

        // With no Secret yet (Created), the covering file fits.
        var created = due with { Decision = new SyncDecision(SyncAction.Created, "missing") };
        Assert.Contains("same.pem", source.Preview(created), StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.TestServer.Testing;
using Xunit.Abstractions;

namespace IngressCerts.Conformance.Tests.ServerOnly;

/// <summary>
/// kubectl against the cluster: discovery, server-printed lists, create (kubectl sends protobuf),
/// client-side apply (create, then a strategic merge patch), server-side apply and delete.
/// Runs on a real cluster too. --validate=false because the server does not serve OpenAPI.
/// </summary>
public sealed class KubectlTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kubectl-test-").FullName;

    [KubectlFact]
    public async Task Kubectl_gets_creates_applies_and_deletes()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("kubectl-");
        var (certificate, key) = WriteCertificateFiles();

        var created = RunKubectl("create", "secret", "tls", "site-tls", "-n", ns, "--cert", certificate, "--key", key);
        Assert.Contains("secret/site-tls created", created);
        var stored = await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns, "site-tls"));
        Assert.Equal("kubernetes.io/tls", stored.Object["type"]!.GetValue<string>());
        Assert.Equal(File.ReadAllText(certificate), System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(stored.Object["data"]!["tls.crt"]!.GetValue<string>())));

        var manifest = Path.Combine(_directory, "manifest.yaml");
        File.WriteAllText(manifest, Manifest(ns, "web.example.com"));
        var applied = RunKubectl("apply", "--validate=false", "-f", manifest);
        Assert.Contains("ingress.networking.k8s.io/web created", applied);
        Assert.Contains("secret/web-config created", applied);

        var listed = RunKubectl("get", "secrets,ingresses", "-A");
        Assert.Contains("site-tls", listed);
        // Server-side printing: the columns a real server sends (NAME TYPE DATA AGE, ... HOSTS ... PORTS).
        Assert.Matches(@"secret/site-tls\s+kubernetes\.io/tls\s+2\s", listed);
        // CLASS and ADDRESS vary on real clusters (default IngressClass, a running controller).
        Assert.Matches(@"ingress\.networking\.k8s\.io/web\s+\S+\s+web\.example\.com\s+.*80, 443\s", listed);
        Assert.Contains("web-config", listed);
        Assert.Contains(ns, listed);

        File.WriteAllText(manifest, Manifest(ns, "www.example.com"));
        Assert.Contains("ingress.networking.k8s.io/web configured", RunKubectl("apply", "--validate=false", "-f", manifest));
        Assert.Equal("www.example.com", RunKubectl("get", "ingress", "web", "-n", ns, "-o", "jsonpath={.spec.rules[0].host}"));
        var ingress = await fixture.Cluster.Http.GetAsync(Manifests.Ingresses(ns, "web"));
        Assert.Equal(2, ingress.Object["metadata"]!["generation"]!.GetValue<long>());
        Assert.NotNull(ingress.Object["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);

        Assert.Contains("serverside-applied", RunKubectl("apply", "--server-side", "--force-conflicts", "--validate=false", "-f", manifest));

        var deleted = RunKubectl("delete", "-f", manifest);
        Assert.Contains("ingress.networking.k8s.io \"web\" deleted", deleted);
        Assert.Contains("deleted", RunKubectl("delete", "secret", "site-tls", "-n", ns));
        Assert.Equal(404, (await fixture.Cluster.Http.GetAsync(Manifests.Ingresses(ns, "web"))).StatusCode);
        Assert.Equal(404, (await fixture.Cluster.Http.GetAsync(Manifests.Secrets(ns, "site-tls"))).StatusCode);
    }

    [KubectlFact]
    public void Kubectl_reports_a_missing_object_as_NotFound()
    {
        var error = RunKubectlFailing("get", "secret", "does-not-exist", "-n", "default");
        Assert.Contains("Error from server (NotFound): secrets \"does-not-exist\" not found", error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Manifest(string ns, string host) => $"""
        apiVersion: v1
        kind: Secret
        metadata:
          name: web-config
          namespace: {ns}
        stringData:
          mode: production
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          namespace: {ns}
        spec:
          tls:
          - hosts: [{host}]
            secretName: site-tls
          rules:
          - host: {host}
            http:
              paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: web
                    port:
                      number: 80
        """;

    /// <summary>A throwaway certificate and key, made now (no key material lives in the repository).</summary>
    private (string Certificate, string Key) WriteCertificateFiles()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=site.example.com", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(_directory, "tls.crt");
        var keyPath = Path.Combine(_directory, "tls.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return (certificatePath, keyPath);
    }

    [KubectlFact]
    public async Task Kubectl_auth_can_i_asks_with_a_protobuf_self_subject_access_review()
    {
        // kubectl sends the review as protobuf; the kubeconfig's user is an admin, on the test server and a real cluster.
        var ns = await fixture.Cluster.CreateNamespaceAsync("kubectl-");
        Assert.Equal("yes", RunKubectl("auth", "can-i", "update", "secrets", "-n", ns));
        Assert.Equal("yes", RunKubectl("auth", "can-i", "get", "/apis"));
        if (fixture.Cluster.Server is { } server)
        {
            // A user with partial rights gets each answer from its own rules (the last --kubeconfig wins).
            server.AddUser("can-i", "can-i-token", IngressCerts.TestServer.Auth.AccessRule.Allow("create", "secrets", ns));
            var kubeconfig = Path.Combine(_directory, "can-i.kubeconfig");
            server.WriteKubeconfig(kubeconfig, "can-i");
            Assert.Equal("yes", RunKubectl("--kubeconfig", kubeconfig, "auth", "can-i", "create", "secrets", "-n", ns));
            Assert.Equal("no", Run(["--kubeconfig", kubeconfig, "auth", "can-i", "update", "secrets", "-n", ns]).Stdout.Trim());
            Assert.Equal("no", Run(["--kubeconfig", kubeconfig, "auth", "can-i", "create", "secrets", "-n", "default"]).Stdout.Trim());
        }
    }

    private string RunKubectl(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {stderr}{stdout}");
        return stdout.Trim();
    }

    private string RunKubectlFailing(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.True(code != 0, $"kubectl {string.Join(' ', args)} should have failed: {stdout}");
        return stderr;
    }

    private (int Code, string Stdout, string Stderr) Run(string[] args)
    {
        var start = new ProcessStartInfo(Kubectl.Find() ?? throw new InvalidOperationException("kubectl not found"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(fixture.Cluster.KubeconfigPath);
        if (fixture.Cluster.Context is { } context)
        {
            start.ArgumentList.Add("--context");
            start.ArgumentList.Add(context);
        }
        // A private discovery cache: nothing is written to the user's ~/.kube.
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(Path.Combine(_directory, "cache"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["HOME"] = _directory;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish in 60 s");
        }
        output.WriteLine($"$ kubectl {string.Join(' ', args)}\n{stdout.Result}{stderr.Result}");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

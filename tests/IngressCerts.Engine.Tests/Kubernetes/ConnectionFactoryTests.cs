using System.Net;
using System.Net.Sockets;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Tests.Kubernetes;

public sealed class ConnectionFactoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Kubeconfig(string file, string context, string server, string? current = null, string user = "u")
    {
        string path = Path.Combine(_dir, file);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            {(current is null ? string.Empty : "current-context: " + current)}
            clusters:
            - name: {context}-cluster
              cluster:
                server: {server}
            contexts:
            - name: {context}
              context:
                cluster: {context}-cluster
                user: {user}
                namespace: {context}-ns
            users:
            - name: {user}
              user:
                token: t-{context}
            """);
        return path;
    }

    private static ConnectionFactory Factory(string? kubeconfigVariable = null, string? home = null, Dictionary<string, string>? env = null) =>
        new(name => name == "KUBECONFIG" ? kubeconfigVariable : env?.GetValueOrDefault(name), home ?? "/nonexistent-home");

    [Fact]
    public void No_configuration_is_a_clear_error_not_a_fallback_to_localhost()
    {
        var ex = Assert.Throws<KubeConfigurationException>(() => Factory().Connect(new ConnectionOptions()));
        Assert.Equal(KubeErrorKind.KubeConfigNotFound, ex.Kind);
        Assert.Contains("-Server", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_KUBECONFIG_whose_files_do_not_exist_is_named_in_the_error()
    {
        string missing = Path.Combine(_dir, "none");
        string alsoMissing = Path.Combine(_dir, "other.yaml");
        var ex = Assert.Throws<KubeConfigurationException>(() => Factory(missing + Path.PathSeparator + alsoMissing).Connect(new ConnectionOptions()));
        Assert.Equal(KubeErrorKind.KubeConfigNotFound, ex.Kind);
        Assert.Contains($"'{missing}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{alsoMissing}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("KUBECONFIG", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KUBECONFIG_files_are_merged_and_the_first_current_context_wins()
    {
        string a = Kubeconfig("a.yaml", "alpha", "https://alpha.example:6443", current: "alpha");
        string b = Kubeconfig("b.yaml", "beta", "https://beta.example:6443", current: "beta", user: "v");
        var factory = Factory(a + Path.PathSeparator + Path.Combine(_dir, "missing.yaml") + Path.PathSeparator + b);

        Assert.Equal(new[] { "alpha", "beta" }, factory.ListContexts(null));
        var current = factory.Connect(new ConnectionOptions());
        Assert.Equal("alpha", current.ContextName);
        Assert.Equal("alpha-ns", current.DefaultNamespace);
        var beta = factory.Connect(new ConnectionOptions(Context: "beta"));
        Assert.Equal("https://beta.example:6443", beta.Server);
        Assert.Equal("v", beta.UserName);
    }

    [Fact]
    public void An_unknown_context_names_the_context_and_the_files()
    {
        string a = Kubeconfig("a.yaml", "alpha", "https://alpha.example:6443", current: "alpha");
        var ex = Assert.Throws<KubeConfigurationException>(() => Factory().Connect(new ConnectionOptions(new[] { a }, "nope")));
        Assert.Equal(KubeErrorKind.ContextNotFound, ex.Kind);
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(a, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_explicit_kubeconfig_that_does_not_exist_is_an_error() =>
        Assert.Equal(KubeErrorKind.KubeConfigNotFound,
            Assert.Throws<KubeConfigurationException>(() => Factory().Connect(new ConnectionOptions(new[] { Path.Combine(_dir, "no.yaml") }))).Kind);

    [Fact]
    public void The_home_kubeconfig_is_used_when_nothing_else_is_given()
    {
        Directory.CreateDirectory(Path.Combine(_dir, ".kube"));
        File.Copy(Kubeconfig("h.yaml", "home", "https://home.example", current: "home"), Path.Combine(_dir, ".kube", "config"));
        Assert.Equal("home", Factory(home: _dir).Connect(new ConnectionOptions()).ContextName);
    }

    [Fact]
    public void Clients_are_cached_per_configuration_and_context()
    {
        string a = Kubeconfig("a.yaml", "alpha", "https://alpha.example:6443", current: "alpha");
        var factory = Factory();
        Assert.Same(factory.Connect(new ConnectionOptions(new[] { a })), factory.Connect(new ConnectionOptions(new[] { a })));
    }

    [Fact]
    public void Server_mode_needs_no_kubeconfig_and_takes_the_ca_as_pem_text()
    {
        var ca = Support.TestCertificates.Create("CN=ca", Array.Empty<string>(), ca: true);
        var connection = Factory().Connect(new ConnectionOptions(Server: "https://aks.example:443", CertificateAuthority: ca.CertificatePem, Token: "secret-token"));
        Assert.Equal("https://aks.example", connection.Server);
        Assert.DoesNotContain("secret-token", new ConnectionOptions(Server: "https://x", Token: "secret-token").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_ca_that_is_neither_file_nor_pem_is_an_error() =>
        Assert.Equal(KubeErrorKind.KubeConfigInvalid,
            Assert.Throws<KubeConfigurationException>(() => Factory().Connect(new ConnectionOptions(Server: "https://aks.example", CertificateAuthority: "not-a-ca"))).Kind);

    [Fact]
    public void A_kubeconfig_http_server_gets_no_token_as_server_http_with_a_token_gets_none()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        string server = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        string kubeconfig = Kubeconfig("plain.yaml", "plain", server, current: "plain");

        var fromKubeconfig = Assert.Throws<KubeConfigurationException>(() => Factory().Connect(new ConnectionOptions(new[] { kubeconfig })));
        var fromServer = Assert.Throws<KubeConfigurationException>(() => Factory().Connect(new ConnectionOptions(Server: server, Token: "t-plain")));

        Assert.Equal(KubeErrorKind.KubeConfigInvalid, fromKubeconfig.Kind);
        Assert.Equal(KubeErrorKind.KubeConfigInvalid, fromServer.Kind);
        Assert.Equal($"Refusing to send the credentials of kubeconfig user 'u' (context 'plain') to '{server}' over plain http: use the server's https address.", fromKubeconfig.Message);
        Assert.Equal($"Refusing to send a token to '{server}' over plain http: use the server's https address.", fromServer.Message);
        Assert.DoesNotContain("t-plain", fromKubeconfig.ToString(), StringComparison.Ordinal);
        Assert.False(listener.Pending());
    }

    [Fact]
    public void A_kubeconfig_http_server_with_only_a_client_certificate_is_allowed_as_it_sends_nothing_in_clear()
    {
        var client = Support.TestCertificates.Create("CN=client", Array.Empty<string>());
        string path = Path.Combine(_dir, "certificate.yaml");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: plain
            clusters:
            - name: plain
              cluster:
                server: http://127.0.0.1:8080
            contexts:
            - name: plain
              context:
                cluster: plain
                user: cert
            users:
            - name: cert
              user:
                client-certificate-data: {Convert.ToBase64String(client.CertificateBytes)}
                client-key-data: {Convert.ToBase64String(client.KeyBytes)}
            """);
        Assert.Equal("http://127.0.0.1:8080", Factory().Connect(new ConnectionOptions(new[] { path })).Server);
    }
}

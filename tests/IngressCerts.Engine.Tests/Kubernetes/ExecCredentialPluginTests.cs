using System.Diagnostics;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Tests.Support;
using k8s;
using k8s.Exceptions;

namespace IngressCerts.Engine.Tests.Kubernetes;

/// <summary>
/// Running an exec credential plugin and connecting through one, without a cluster: what a failing plugin reports
/// (clearly, and never with the credential or a stack trace), and that its stderr reaches the caller.
/// </summary>
[Collection(ExecPluginCollection.Name)]
public sealed class ExecCredentialPluginTests : IDisposable
{
    private const string Secret = "s3cr3t-t0ken-value";
    private readonly FakeExecPlugin _plugin = new();

    public void Dispose() => _plugin.Dispose();

    private KubeConfigurationException ConnectFails()
    {
        string kubeconfig = _plugin.WriteKubeconfig(new Uri("https://127.0.0.1:1"), insecure: true);
        var ex = Assert.Throws<KubeConfigurationException>(() => new ConnectionFactory(_ => null, "/nonexistent-home").Connect(new ConnectionOptions(new[] { kubeconfig })));
        Assert.Equal(KubeErrorKind.KubeConfigInvalid, ex.Kind);
        Assert.StartsWith("The kubeconfig context 'exec' cannot be used: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    [UnixFact]
    public async Task The_plugin_answer_is_read_with_its_expiry_and_its_stderr_relayed()
    {
        var expires = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
        _plugin.Answer(token: Secret, expires: expires);
        var streams = new Streams();

        ExecCredential credential;
        using (streams.Route())
        {
            credential = await ExecCredentialPlugin.RunAsync(_plugin.Exec, CancellationToken.None);
        }

        Assert.Equal(Secret, credential.Token);
        Assert.Equal(expires, credential.Expires);
        Assert.Equal(new[] { "exec credential plugin: " + FakeExecPlugin.StderrLine }, streams.Debug);
        Assert.Empty(streams.Verbose);
        Assert.Equal(1, _plugin.Runs);
    }

    /// <summary>What reached the verbose and the debug listener.</summary>
    private sealed class Streams
    {
        public List<string> Verbose { get; } = new();

        public List<string> Debug { get; } = new();

        public IDisposable Route() => DiagnosticsRelay.Route(m => { lock (Verbose) { Verbose.Add(m); } }, m => { lock (Debug) { Debug.Add(m); } });
    }

    // A service-account token's shape, and what plugins have been seen to log around it.
    private const string Jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dGVzdCJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

    private static readonly string[] s_tokenLogs =
    {
        "Authorization: Bearer " + Jwt,
        "cached credential {\"kind\":\"ExecCredential\",\"status\":{\"token\": \"" + Jwt + "\"}}",
        "refreshed: " + Jwt,
    };

    [UnixFact]
    public async Task A_plugin_that_logs_its_token_shows_it_redacted_and_only_on_debug()
    {
        _plugin.Answer(token: Jwt);
        _plugin.LogOnStderr(s_tokenLogs);
        var streams = new Streams();

        ExecCredential credential;
        using (streams.Route())
        {
            credential = await ExecCredentialPlugin.RunAsync(_plugin.Exec, CancellationToken.None);
        }

        Assert.Equal(Jwt, credential.Token);
        Assert.Empty(streams.Verbose);
        Assert.Equal(
            new[]
            {
                "exec credential plugin: " + FakeExecPlugin.StderrLine,
                "exec credential plugin: Authorization: Bearer [redacted]",
                "exec credential plugin: cached credential {\"kind\":\"ExecCredential\",\"status\":{\"token\": [redacted]}}",
                "exec credential plugin: refreshed: [redacted]",
            },
            streams.Debug);
    }

    [UnixFact]
    public void A_failing_plugin_that_logs_its_token_leaks_it_to_no_stream_and_no_error()
    {
        _plugin.Answer(token: Jwt);
        _plugin.LogOnStderr(s_tokenLogs);
        _plugin.FailWith(3);
        var streams = new Streams();

        KubeConfigurationException ex;
        using (streams.Route())
        {
            ex = ConnectFails();
        }

        Assert.Contains("in the debug stream (-Debug)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(streams.Debug, m => m.Contains("Bearer [redacted]", StringComparison.Ordinal));
        Assert.Empty(streams.Verbose);
        Assert.DoesNotContain(Jwt, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(streams.Debug, m => m.Contains(Jwt[..20], StringComparison.Ordinal));
    }

    [UnixFact]
    public void A_plugin_is_not_run_for_a_plain_http_server()
    {
        _plugin.Answer(token: Secret);
        string kubeconfig = _plugin.WriteKubeconfig(new Uri("http://127.0.0.1:1"));
        var ex = Assert.Throws<KubeConfigurationException>(() => new ConnectionFactory(_ => null, "/nonexistent-home").Connect(new ConnectionOptions(new[] { kubeconfig })));
        Assert.Equal(KubeErrorKind.KubeConfigInvalid, ex.Kind);
        Assert.Contains("over plain http", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, _plugin.Runs);
    }

    [UnixFact]
    public void A_plugin_that_exits_non_zero_names_the_exit_code()
    {
        _plugin.Answer(token: Secret);
        _plugin.FailWith(3);
        Assert.Contains($"The exec credential plugin '{_plugin.Command}' failed with exit code 3", ConnectFails().Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void A_plugin_that_answers_no_credential_says_what_is_missing()
    {
        _plugin.Answer();
        Assert.Contains("neither a token nor a client certificate", ConnectFails().Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void A_plugin_that_writes_something_else_is_not_quoted()
    {
        _plugin.AnswerRaw("token=" + Secret);
        Assert.Contains("not an ExecCredential", ConnectFails().Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void A_plugin_answering_another_api_version_is_refused()
    {
        _plugin.Answer(token: Secret, apiVersion: "client.authentication.k8s.io/v1");
        Assert.Contains("apiVersion 'client.authentication.k8s.io/v1'", ConnectFails().Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void A_client_certificate_that_is_not_pem_is_a_kubeconfig_error()
    {
        _plugin.Answer(certificatePem: "not a certificate", keyPem: Secret);
        Assert.Contains("PEM", ConnectFails().Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public async Task A_plugin_that_does_not_answer_in_time_is_stopped()
    {
        _plugin.Answer(token: Secret);
        _plugin.SleepFor(60);
        var previous = KubernetesClientConfiguration.ExecTimeout;
        KubernetesClientConfiguration.ExecTimeout = TimeSpan.FromSeconds(1);
        try
        {
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<KubeConfigException>(() => ExecCredentialPlugin.RunAsync(_plugin.Exec, CancellationToken.None));
            Assert.Contains("did not answer within 1 s", ex.Message, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        }
        finally
        {
            KubernetesClientConfiguration.ExecTimeout = previous;
        }
    }

    [UnixFact]
    public async Task Cancelling_stops_a_plugin_that_waits_for_a_sign_in()
    {
        _plugin.Answer(token: Secret);
        _plugin.SleepFor(60);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExecCredentialPlugin.RunAsync(_plugin.Exec, cancel.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void A_plugin_that_is_not_installed_shows_the_install_hint()
    {
        var exec = _plugin.Exec;
        exec.Command = Path.Combine(Path.GetTempPath(), "no-such-plugin-" + Guid.NewGuid().ToString("N"));
        exec.InstallHint = "Install it with: brew install no-such-plugin";
        var ex = Assert.Throws<KubeConfigException>(() => ExecCredentialPlugin.RunAsync(exec, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Contains("could not be started", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("Install it with: brew install no-such-plugin", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>Tests that run exec plugins share <see cref="KubernetesClientConfiguration.ExecTimeout"/>, which one of them changes.</summary>
[CollectionDefinition(Name)]
public sealed class ExecPluginCollection
{
    public const string Name = "Exec credential plugins";
}

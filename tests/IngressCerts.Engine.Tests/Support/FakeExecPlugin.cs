using System.Text;
using System.Text.Json.Nodes;
using k8s.KubeConfigModels;

namespace IngressCerts.Engine.Tests.Support;

/// <summary>
/// A shell-script exec credential plugin, as kubelogin or aws eks get-token are to a real kubeconfig. Each run
/// appends a line to a file, so tests count runs; what it answers, how it fails and how long it takes are files
/// the test writes between requests.
/// </summary>
internal sealed class FakeExecPlugin : IDisposable
{
    public const string ApiVersion = "client.authentication.k8s.io/v1beta1";
    public const string StderrLine = "signing in as test user";

    private readonly string _dir = Directory.CreateTempSubdirectory("ic-exec-").FullName;

    public FakeExecPlugin()
    {
        Command = Path.Combine(_dir, "plugin.sh");
        File.WriteAllText(Command, $"""
            #!/bin/sh
            echo run >> "$PLUGIN_DIR/runs"
            echo '{StderrLine}' >&2
            if [ -f "$PLUGIN_DIR/stderr" ]; then cat "$PLUGIN_DIR/stderr" >&2; fi
            if [ -f "$PLUGIN_DIR/sleep" ]; then sleep "$(cat "$PLUGIN_DIR/sleep")"; fi
            if [ -f "$PLUGIN_DIR/exit" ]; then echo 'sign-in refused' >&2; exit "$(cat "$PLUGIN_DIR/exit")"; fi
            cat "$PLUGIN_DIR/answer.json"

            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Command, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Command { get; }

    /// <summary>How often the plugin has run.</summary>
    public int Runs => File.Exists(Path.Combine(_dir, "runs")) ? File.ReadAllLines(Path.Combine(_dir, "runs")).Length : 0;

    /// <summary>The kubeconfig's exec entry for this plugin.</summary>
    public ExternalExecution Exec => new()
    {
        ApiVersion = ApiVersion,
        Command = Command,
        EnvironmentVariables = new List<Dictionary<string, string>> { new() { ["name"] = "PLUGIN_DIR", ["value"] = _dir } },
    };

    /// <summary>Makes the plugin answer an ExecCredential with a token or a client certificate, expiring or not.</summary>
    public void Answer(string? token = null, string? certificatePem = null, string? keyPem = null, DateTimeOffset? expires = null, string apiVersion = ApiVersion)
    {
        var status = new JsonObject();
        if (token is not null)
        {
            status["token"] = token;
        }

        if (certificatePem is not null)
        {
            status["clientCertificateData"] = certificatePem;
            status["clientKeyData"] = keyPem;
        }

        if (expires is { } at)
        {
            status["expirationTimestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        }

        AnswerRaw(new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = "ExecCredential", ["status"] = status }.ToJsonString());
    }

    /// <summary>Makes the plugin write exactly this to stdout.</summary>
    public void AnswerRaw(string stdout) => Write("answer.json", stdout);

    /// <summary>Makes the plugin exit with this code (after writing to stderr), or succeed again with null.</summary>
    public void FailWith(int? exitCode) => WriteOrDelete("exit", exitCode?.ToString());

    /// <summary>Makes the plugin write these lines to stderr on each run, after <see cref="StderrLine"/>.</summary>
    public void LogOnStderr(params string[] lines) => Write("stderr", string.Join("\n", lines) + "\n");

    /// <summary>Makes the plugin sleep before answering.</summary>
    public void SleepFor(int seconds) => WriteOrDelete("sleep", seconds.ToString());

    /// <summary>A kubeconfig whose only context, "exec", authenticates through this plugin.</summary>
    public string WriteKubeconfig(Uri server, string? caPem = null, bool insecure = false)
    {
        string path = Path.Combine(_dir, "kubeconfig");
        string trust = caPem is not null
            ? "certificate-authority-data: " + Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem))
            : "insecure-skip-tls-verify: " + (insecure ? "true" : "false");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: exec
            clusters:
            - name: exec-cluster
              cluster:
                server: {server.AbsoluteUri.TrimEnd('/')}
                {trust}
            contexts:
            - name: exec
              context:
                cluster: exec-cluster
                user: exec-user
            users:
            - name: exec-user
              user:
                exec:
                  apiVersion: {ApiVersion}
                  command: {Command}
                  env:
                  - name: PLUGIN_DIR
                    value: {_dir}
            """);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string file, string content)
    {
        // Write then rename, so a plugin running concurrently never reads half a file.
        string path = Path.Combine(_dir, file);
        File.WriteAllText(path + ".tmp", content);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private void WriteOrDelete(string file, string? content)
    {
        if (content is null)
        {
            File.Delete(Path.Combine(_dir, file));
        }
        else
        {
            Write(file, content);
        }
    }
}

/// <summary>A fact that runs a shell-script exec plugin: skipped on Windows, and optionally without the in-process server.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute(bool serverOnly = false)
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "runs a shell-script exec credential plugin";
        }
        else if (serverOnly && IngressCerts.TestServer.Testing.TestCluster.RealClusterConfigured)
        {
            Skip = $"needs the in-process test server; {IngressCerts.TestServer.Testing.TestCluster.KubeconfigVariable} points at a real cluster";
        }
    }
}

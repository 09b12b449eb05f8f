using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Json;

namespace IngressCerts.TestServer.Testing;

/// <summary>
/// The connection a kubeconfig context describes: server URL, CA, and credentials (token,
/// token file, client certificate data or files, or an exec plugin's ExecCredential).
/// Enough of the format for kind, k3d, kubeadm and cloud (exec) clusters.
/// </summary>
public sealed class Kubeconfig
{
    private Kubeconfig(Uri server, X509Certificate2Collection authorities, bool insecure, string? token, string? certificatePem, string? keyPem, string context, string? @namespace)
    {
        Server = server;
        CertificateAuthorities = authorities;
        InsecureSkipTlsVerify = insecure;
        Token = token;
        ClientCertificatePem = certificatePem;
        ClientKeyPem = keyPem;
        Context = context;
        Namespace = @namespace;
    }

    public Uri Server { get; }

    public X509Certificate2Collection CertificateAuthorities { get; }

    public bool InsecureSkipTlsVerify { get; }

    public string? Token { get; }

    public string? ClientCertificatePem { get; }

    public string? ClientKeyPem { get; }

    public string Context { get; }

    public string? Namespace { get; }

    public static Kubeconfig Load(string path, string? context = null)
    {
        var root = YamlJson.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"{path} is not a kubeconfig");
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var contextName = context ?? root.GetString("current-context")
            ?? throw new InvalidDataException($"{path} has no current-context; pass a context");
        var contextEntry = Named(root, "contexts", contextName)["context"] as JsonObject
            ?? throw new InvalidDataException($"context {contextName} is empty");
        var cluster = Named(root, "clusters", contextEntry.GetString("cluster") ?? "")["cluster"] as JsonObject
            ?? throw new InvalidDataException($"cluster of context {contextName} is empty");
        var user = Named(root, "users", contextEntry.GetString("user") ?? "")["user"] as JsonObject ?? new JsonObject();

        var authorities = new X509Certificate2Collection();
        var caPem = Material(cluster, "certificate-authority-data", "certificate-authority", directory);
        if (caPem is not null) authorities.ImportFromPem(caPem);
        var insecure = cluster["insecure-skip-tls-verify"]?.GetValue<bool>() == true;

        var token = user.GetString("token");
        if (token is null && user.GetString("tokenFile") is { } tokenFile) token = File.ReadAllText(Resolve(directory, tokenFile)).Trim();
        var certificate = Material(user, "client-certificate-data", "client-certificate", directory);
        var key = Material(user, "client-key-data", "client-key", directory);
        if (user["exec"] is JsonObject exec) (token, certificate, key) = RunExec(exec, token, certificate, key);
        if (user["auth-provider"] is not null)
        {
            throw new NotSupportedException("kubeconfig auth-provider plugins are not supported; use a token, certificate or exec credential");
        }
        var server = new Uri(cluster.GetString("server") ?? throw new InvalidDataException("cluster has no server"));
        return new Kubeconfig(server, authorities, insecure, token, certificate, key, contextName, contextEntry.GetString("namespace"));
    }

    private static JsonObject Named(JsonObject root, string list, string name) =>
        (root[list] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(e => e.GetString("name") == name)
        ?? throw new InvalidDataException($"kubeconfig has no {list} entry named {name}");

    /// <summary>Inline base64 data, or a file path relative to the kubeconfig.</summary>
    private static string? Material(JsonObject section, string dataKey, string fileKey, string directory)
    {
        if (section.GetString(dataKey) is { Length: > 0 } data) return Encoding.UTF8.GetString(Convert.FromBase64String(data));
        if (section.GetString(fileKey) is { Length: > 0 } file) return File.ReadAllText(Resolve(directory, file));
        return null;
    }

    private static string Resolve(string directory, string path) => Path.IsPathRooted(path) ? path : Path.Combine(directory, path);

    /// <summary>client.authentication.k8s.io exec plugin: run it, read ExecCredential.status.</summary>
    private static (string?, string?, string?) RunExec(JsonObject exec, string? token, string? certificate, string? key)
    {
        var start = new ProcessStartInfo(exec.GetString("command") ?? throw new InvalidDataException("exec without command"))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in (exec["args"] as JsonArray ?? []).Select(a => a.AsString() ?? "")) start.ArgumentList.Add(arg);
        foreach (var env in (exec["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            start.Environment[env.GetString("name") ?? ""] = env.GetString("value") ?? "";
        }
        start.Environment["KUBERNETES_EXEC_INFO"] =
            $"{{\"apiVersion\":\"{exec.GetString("apiVersion") ?? "client.authentication.k8s.io/v1beta1"}\",\"kind\":\"ExecCredential\",\"spec\":{{\"interactive\":false}}}}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("exec plugin did not start");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"exec plugin {start.FileName} exited with {process.ExitCode}");
        var status = (JsonNode.Parse(output) as JsonObject)?["status"] as JsonObject;
        return (status.GetString("token") ?? token,
            status.GetString("clientCertificateData") ?? certificate,
            status.GetString("clientKeyData") ?? key);
    }
}

using System.Text;

namespace IngressCerts.TestServer.Pki;

/// <summary>
/// Writes a kubeconfig with embedded CA data and either a token or a client certificate, in the
/// plain form kubectl, client-go and the .NET KubernetesClient all read.
/// </summary>
internal static class KubeconfigWriter
{
    public const string ContextName = "ingresscerts-test";

    public static void Write(string path, Uri server, string caPem, string userName, string? token, ClientCertificate? certificate)
    {
        var builder = new StringBuilder();
        builder.AppendLine("apiVersion: v1");
        builder.AppendLine("kind: Config");
        builder.AppendLine("clusters:");
        builder.AppendLine($"- name: {ContextName}");
        builder.AppendLine("  cluster:");
        builder.AppendLine($"    server: {server.GetLeftPart(UriPartial.Authority)}");
        builder.AppendLine($"    certificate-authority-data: {Base64(caPem)}");
        builder.AppendLine("contexts:");
        builder.AppendLine($"- name: {ContextName}");
        builder.AppendLine("  context:");
        builder.AppendLine($"    cluster: {ContextName}");
        builder.AppendLine($"    user: {Quote(userName)}");
        builder.AppendLine($"current-context: {ContextName}");
        builder.AppendLine("preferences: {}");
        builder.AppendLine("users:");
        builder.AppendLine($"- name: {Quote(userName)}");
        builder.AppendLine("  user:");
        if (certificate is not null)
        {
            builder.AppendLine($"    client-certificate-data: {Base64(certificate.CertificatePem)}");
            builder.AppendLine($"    client-key-data: {Base64(certificate.PrivateKeyPem)}");
        }
        else
        {
            builder.AppendLine($"    token: {Quote(token ?? "")}");
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(path, builder.ToString());
        if (!OperatingSystem.IsWindows())
        {
            // It holds credentials: owner-only, as kubectl itself writes kubeconfigs.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

using System.Text.Json.Nodes;

namespace IngressCerts.Conformance.Tests.Replay;

/// <summary>One recorded request to a real kube-apiserver and its answer (shared/k8s-reference/NN-*.json).</summary>
internal sealed record ReferenceCase(
    string File,
    string Method,
    string Path,
    string? ContentType,
    string Auth,
    JsonNode? Body,
    int ExpectedStatus,
    string ExpectedContentType,
    JsonNode? ExpectedBody)
{
    public static ReferenceCase Load(string path)
    {
        var root = JsonNode.Parse(System.IO.File.ReadAllText(path))!.AsObject();
        var request = root["request"]!.AsObject();
        var response = root["response"]!.AsObject();
        return new ReferenceCase(
            System.IO.Path.GetFileName(path),
            request["method"]!.GetValue<string>(),
            request["path"]!.GetValue<string>(),
            request["contentType"]?.GetValue<string>(),
            request["auth"]!.GetValue<string>(),
            request["body"]?.DeepClone(),
            response["status"]!.GetValue<int>(),
            response["contentType"]!.GetValue<string>(),
            response["body"]?.DeepClone());
    }
}

/// <summary>
/// Finds the recorded answers: INGRESSCERTS_K8S_REFERENCE, else a shared/k8s-reference folder in
/// or above the test's directory (the repository sits beside shared/ in development and CI).
/// They are not copied into the repository: one holds a private key.
/// </summary>
internal static class ReferenceFiles
{
    public const string Variable = "INGRESSCERTS_K8S_REFERENCE";

    public static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(configured)) return configured;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, "shared", "k8s-reference");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"shared/k8s-reference not found above {AppContext.BaseDirectory}; set {Variable}");
    }

    public static IReadOnlyList<ReferenceCase> LoadAll() =>
        Directory.GetFiles(Locate(), "*.json")
            .Where(f => char.IsAsciiDigit(System.IO.Path.GetFileName(f)[0]))
            .Order(StringComparer.Ordinal)
            .Select(ReferenceCase.Load)
            .ToList();
}

using IngressCerts.Engine.Inventory;

namespace IngressCerts.Engine.Tests.Integration;

internal static class ScannerCollect
{
    /// <summary>Every result of a scan, in the order it came.</summary>
    public static async Task<List<IngressCertificate>> CollectAsync(this ClusterScanner scanner, IReadOnlyList<string>? namespaces)
    {
        var results = new List<IngressCertificate>();
        await foreach (var item in scanner.ScanAsync(namespaces, CancellationToken.None))
        {
            results.Add(item);
        }

        return results;
    }
}

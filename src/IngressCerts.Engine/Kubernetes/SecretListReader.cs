using System.Text.Json;
using IngressCerts.Engine.Inventory.Kinds;
using k8s.Models;
using static IngressCerts.Engine.Kubernetes.ListJson;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Reads one page of a Secret list straight from the server's JSON with <see cref="Utf8JsonReader"/>, keeping only
/// what an inventory reads: namespace, name, labels, the cert-manager annotations, type and data. The client library's
/// models would also build every Secret's managedFields, annotations (kubectl's last-applied-configuration holds a
/// second copy of the key there) and timestamps, which cost most of a scan's fetch CPU. The page's bytes stay in a
/// <see cref="WipedBuffer"/>, zeroed once read; the data values are decoded from base64 into arrays of their own.
/// </summary>
internal static class SecretListReader
{
    /// <summary>
    /// The annotations the inventory reads of a listed Secret: cert-manager's, which name the managing Certificate and
    /// its issuer when the Certificate itself cannot be read (see CertManagerCertificates.FromAnnotations).
    /// </summary>
    internal static readonly string[] KeptAnnotations =
    [
        CertManagerCertificates.CertificateNameAnnotation,
        CertManagerCertificates.IssuerNameAnnotation,
        CertManagerCertificates.IssuerKindAnnotation,
        CertManagerCertificates.IssuerGroupAnnotation,
    ];

    /// <summary>GETs <paramref name="relativeUri"/> (a Secret list) and reads it.</summary>
    public static Task<(IList<V1Secret>? Items, string? Continue)> GetAsync(KubeClient client, string relativeUri, CancellationToken cancellationToken) =>
        ListJson.GetAsync(client, relativeUri, ReadSecret, cancellationToken);

    /// <summary>The items and metadata.continue of a SecretList.</summary>
    /// <exception cref="JsonException">The text is not a list object.</exception>
    public static (IList<V1Secret>? Items, string? Continue) Read(ReadOnlySpan<byte> json) => ListJson.Read(json, ReadSecret);

    private static V1Secret ReadSecret(ref Utf8JsonReader reader)
    {
        var secret = new V1Secret { ApiVersion = "v1", Kind = "Secret", Metadata = new V1ObjectMeta() };
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                ReadMetadata(ref reader, secret.Metadata);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                secret.Type = StringValue(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                secret.Data = ReadData(ref reader);
            }
            else
            {
                // stringData is write-only (never in an answer); immutable and the rest are not read by an inventory.
                SkipValue(ref reader);
            }
        }

        return secret;
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, V1ObjectMeta metadata)
    {
        if (!EnterObject(ref reader))
        {
            return;
        }

        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("name"u8))
            {
                metadata.Name = StringValue(ref reader);
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                metadata.NamespaceProperty = StringValue(ref reader);
            }
            else if (reader.ValueTextEquals("labels"u8))
            {
                metadata.Labels = ReadStrings(ref reader, keep: null);
            }
            else if (reader.ValueTextEquals("annotations"u8))
            {
                metadata.Annotations = ReadStrings(ref reader, keep: KeptAnnotations);
            }
            else
            {
                // managedFields, uid, resourceVersion, creationTimestamp, ownerReferences, ...
                SkipValue(ref reader);
            }
        }
    }

    /// <summary>A map of strings; with <paramref name="keep"/>, only those keys (null when none is there).</summary>
    private static Dictionary<string, string>? ReadStrings(ref Utf8JsonReader reader, string[]? keep)
    {
        if (!EnterObject(ref reader))
        {
            return null;
        }

        Dictionary<string, string>? map = keep is null ? new Dictionary<string, string>(StringComparer.Ordinal) : null;
        while (NextProperty(ref reader))
        {
            if (keep is not null && !Kept(ref reader, keep))
            {
                SkipValue(ref reader);
                continue;
            }

            string key = reader.GetString()!;
            map ??= new Dictionary<string, string>(1, StringComparer.Ordinal);
            map[key] = StringValue(ref reader) ?? string.Empty;
        }

        return map;
    }

    private static bool Kept(ref Utf8JsonReader reader, string[] keep)
    {
        foreach (string key in keep)
        {
            if (reader.ValueTextEquals(key))
            {
                return true;
            }
        }

        return false;
    }

    private static Dictionary<string, byte[]>? ReadData(ref Utf8JsonReader reader)
    {
        if (!EnterObject(ref reader))
        {
            return null;
        }

        var data = new Dictionary<string, byte[]>(3, StringComparer.Ordinal);
        while (NextProperty(ref reader))
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                data[key] = null!; // as the library's model holds a null value
                continue;
            }

            Require(ref reader, JsonTokenType.String);
            data[key] = reader.TryGetBytesFromBase64(out var value) ? value : throw new JsonException($"The value of '{key}' in the Secret list is not base64.");
        }

        return data;
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using IngressCerts.Engine.Certificates;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// What the last publish did to a Secret, kept on the Secret (<see cref="SecretAnnotations.LastPublish"/>) so that
/// Undo-IngressCertificate undoes exactly that publish and no other. Holds no key material: the thumbprint, a hash
/// of tls.crt (public data) and the data keys are enough to tell whether the Secret still holds what was written.
/// </summary>
/// <param name="Id">Names the publish; the Ingress wiring record of the same publish carries the same id.</param>
/// <param name="SecretAction">Created, Updated (the previous certificate went to history) or Unchanged (only the Ingress changed).</param>
/// <param name="IngressName">The Ingress whose spec.tls this publish changed, if any.</param>
/// <param name="ArchiveName">The history entry this publish made of the certificate it replaced: the one Undo
/// restores. Null for a publish that archived nothing (or recorded before archives were named).</param>
/// <param name="Undo">The write was an undo's: the publish before it is spent, and a further undo has nothing to do.</param>
public sealed record PublishRecord(
    string Id,
    PublishAction SecretAction,
    string Thumbprint,
    string TlsCrtSha256,
    IReadOnlyList<string> DataKeys,
    string? IngressName,
    string? ArchiveName = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Undo = false)
{
    /// <summary>The Gateway ("namespace/name") whose listeners this publish wired, if any.</summary>
    public string? Gateway { get; init; }

    /// <summary>The ReferenceGrant ("namespace/name") this publish created or extended, if any.</summary>
    public string? Grant { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The record of the Secret's last publish; null when it has none (or one nobody can read).</summary>
    public static PublishRecord? Read(V1Secret secret)
    {
        if (secret.Metadata?.Annotations?.TryGetValue(SecretAnnotations.LastPublish, out string? text) != true || string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize<PublishRecord>(text, Json);
            return record is { Id.Length: > 0, Thumbprint.Length: > 0, TlsCrtSha256.Length: > 0, DataKeys: not null } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The record for a publish that leaves <paramref name="data"/> in the Secret.</summary>
    internal static PublishRecord For(string id, PublishAction action, string thumbprint, IDictionary<string, byte[]> data, string? ingressName) =>
        new(id, action, thumbprint, Sha256(data.TryGetValue(TlsSecretParser.CertificateDataKey, out var crt) ? crt : Array.Empty<byte>()),
            data.Keys.Order(StringComparer.Ordinal).ToList(), ingressName);

    /// <summary>The record an undo leaves on the Secret it writes: it says the last publish is undone.</summary>
    internal static PublishRecord ForUndo(PublishAction action, string? thumbprint, IDictionary<string, byte[]> data, DateTimeOffset now) =>
        For(PublishPlanner.PublishId(now, thumbprint ?? "none"), action, thumbprint ?? "(none)", data, ingressName: null) with { Undo = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A copy of <paramref name="secret"/> (about to be written) whose record names <paramref name="archiveName"/>.</summary>
    internal static V1Secret NamingArchive(V1Secret secret, string archiveName)
    {
        var record = Read(secret);
        if (record is null)
        {
            return secret;
        }

        return PublishPlanner.Shaped(secret, secret, annotations: new Dictionary<string, string>(secret.Metadata.Annotations!, StringComparer.Ordinal)
        {
            [SecretAnnotations.LastPublish] = (record with { ArchiveName = archiveName }).ToJson(),
        });
    }

    /// <summary>
    /// How the Secret differs from what the publish wrote, in words (no key material); null when it still holds
    /// exactly that certificate, chain and key and no other data.
    /// </summary>
    public string? ChangeSince(V1Secret secret)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        using var parsed = TlsSecretParser.Parse(data);
        string? thumbprint = parsed.Leaf?.Thumbprint.ToUpperInvariant();
        if (!string.Equals(thumbprint, Thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            return $"it holds certificate {thumbprint ?? "(none)"}, not {Thumbprint} that the publish wrote";
        }

        if (!data.TryGetValue(TlsSecretParser.CertificateDataKey, out var crt) || !string.Equals(Sha256(crt), TlsCrtSha256, StringComparison.OrdinalIgnoreCase))
        {
            return "its tls.crt was changed (same certificate, another chain)";
        }

        if (parsed.KeyMatchesLeaf != true)
        {
            return "its tls.key no longer holds the key of the certificate";
        }

        var keys = data.Keys.Order(StringComparer.Ordinal).ToList();
        if (!keys.SequenceEqual(DataKeys, StringComparer.Ordinal))
        {
            return $"its data keys are {string.Join(", ", keys)}, not {string.Join(", ", DataKeys)} as the publish left them";
        }

        if (secret.Metadata.Annotations?.TryGetValue(SecretAnnotations.Thumbprint, out string? annotated) != true
            || !string.Equals(annotated, Thumbprint, StringComparison.OrdinalIgnoreCase))
        {
            return $"its {SecretAnnotations.Thumbprint} annotation was changed";
        }

        return null;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}

/// <summary>
/// What one publish added to an Ingress's spec.tls for one Secret, kept on the Ingress
/// (<see cref="SecretAnnotations.Wiring"/>, one entry per Secret) and written in the same update as the change itself,
/// so it is exact even when the wiring was planned again after a conflict.
/// </summary>
/// <param name="Hosts">Hosts added to the Secret's TLS entry.</param>
/// <param name="NewEntry">The publish appended the Secret's TLS entry (rather than extending one that was there).</param>
/// <param name="Moved">Hosts the publish took out of other TLS entries.</param>
public sealed record WiringRecord(string Id, IReadOnlyList<string> Hosts, bool NewEntry, IReadOnlyList<MovedHosts> Moved)
{
    /// <summary>The wiring records of an Ingress by Secret name; empty when it has none (or none that can be read).</summary>
    public static IReadOnlyDictionary<string, WiringRecord> ReadAll(V1Ingress ingress)
    {
        if (ingress.Metadata?.Annotations?.TryGetValue(SecretAnnotations.Wiring, out string? text) != true || string.IsNullOrWhiteSpace(text))
        {
            return new Dictionary<string, WiringRecord>(StringComparer.Ordinal);
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, WiringRecord>>(text, PublishRecord.Json) ?? new Dictionary<string, WiringRecord>(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new Dictionary<string, WiringRecord>(StringComparer.Ordinal);
        }
    }

    /// <summary>Sets (or, with null, removes) the record for <paramref name="secretName"/> on an Ingress copy that is about to be written.</summary>
    internal static void Store(V1Ingress ingress, string secretName, WiringRecord? record)
    {
        var all = new SortedDictionary<string, WiringRecord>(ReadAll(ingress).ToDictionary(r => r.Key, r => r.Value), StringComparer.Ordinal);
        if (record is null)
        {
            all.Remove(secretName);
        }
        else
        {
            all[secretName] = record;
        }

        ingress.Metadata ??= new V1ObjectMeta();
        var annotations = new Dictionary<string, string>(ingress.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (all.Count == 0)
        {
            annotations.Remove(SecretAnnotations.Wiring);
        }
        else
        {
            annotations[SecretAnnotations.Wiring] = JsonSerializer.Serialize(all, PublishRecord.Json);
        }

        ingress.Metadata.Annotations = annotations.Count == 0 ? null : annotations;
    }
}

/// <summary>Hosts a publish moved out of another TLS entry of the Ingress.</summary>
/// <param name="SecretName">The Secret that entry names (null: an entry without secretName).</param>
/// <param name="Index">The entry's position in spec.tls before the publish.</param>
/// <param name="EntryRemoved">The entry was left with no host and removed by the publish.</param>
public sealed record MovedHosts(string? SecretName, int Index, bool EntryRemoved, IReadOnlyList<string> Hosts);

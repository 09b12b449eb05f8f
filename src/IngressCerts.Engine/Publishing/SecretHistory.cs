using System.Globalization;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Previous certificates of a Secret, kept as Secrets of type <see cref="SecretAnnotations.HistoryType"/> beside it,
/// labelled with the owner's name, newest first.
/// </summary>
internal sealed class SecretHistory
{
    private readonly ClusterWriter _writer;
    private readonly Func<DateTimeOffset> _clock;

    public SecretHistory(ClusterWriter writer, Func<DateTimeOffset> clock)
    {
        _writer = writer;
        _clock = clock;
    }

    public async Task<IReadOnlyList<V1Secret>> ListAsync(string ns, string secretName, CancellationToken cancellationToken)
    {
        var list = await _writer.ListSecretsAsync(ns, $"{SecretAnnotations.HistoryOf}={SecretAnnotations.HistoryLabelValue(secretName)}", cancellationToken).ConfigureAwait(false);
        return list
            .Where(s => s.Type == SecretAnnotations.HistoryType && OwnerOf(s) == secretName)
            .OrderByDescending(ArchivedAt)
            .ThenByDescending(s => s.Metadata.Name, StringComparer.Ordinal)
            .ToList();
    }

    public Task<V1Secret> ArchiveAsync(V1Secret current, CancellationToken cancellationToken)
    {
        var now = _clock();
        string owner = current.Metadata.Name;
        // The archived certificate's thumbprint keeps two archives made in the same millisecond apart.
        var (thumbprint, _) = PublishPlanner.ReadCurrentCertificate(current);
        string suffix = "-prev-" + now.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture)
            + (thumbprint is null ? string.Empty : "-" + thumbprint[..8].ToLowerInvariant());
        string name = (owner.Length + suffix.Length > 253 ? owner[..(253 - suffix.Length)] : owner) + suffix;
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SecretAnnotations.HistoryOf] = owner,
            [SecretAnnotations.ArchivedAt] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        foreach (string key in new[] { SecretAnnotations.Thumbprint, SecretAnnotations.NotAfter, SecretAnnotations.PublishedAt })
        {
            if (current.Metadata.Annotations?.TryGetValue(key, out var value) == true)
            {
                annotations[key] = value;
            }
        }

        var copy = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = SecretAnnotations.HistoryType,
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = current.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string> { [SecretAnnotations.HistoryOf] = SecretAnnotations.HistoryLabelValue(owner) },
                Annotations = annotations,
            },
            Data = current.Data?.Where(d => d.Key is "tls.crt" or "tls.key" or "ca.crt").ToDictionary(d => d.Key, d => d.Value)
                ?? new Dictionary<string, byte[]>(),
        };
        return _writer.CreateSecretAsync(copy, cancellationToken);
    }

    /// <summary>
    /// Archives <paramref name="previous"/>, then writes <paramref name="replacement"/> over it. When that write fails
    /// (or is cancelled) the copy just archived would be an entry nobody replaced, holding a key: it is removed again,
    /// even when the caller has cancelled.
    /// </summary>
    public async Task ReplaceArchivingAsync(V1Secret previous, V1Secret replacement, CancellationToken cancellationToken)
    {
        var archived = await ArchiveAsync(previous, cancellationToken).ConfigureAwait(false);
        try
        {
            await _writer.ReplaceSecretAsync(replacement, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            await DeleteQuietlyAsync(archived, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The owner Secret with the data of a history entry, conditional on the owner's resourceVersion.</summary>
    public static V1Secret Restore(V1Secret current, V1Secret entry, DateTimeOffset now)
    {
        var (thumbprint, notAfter) = PublishPlanner.ReadCurrentCertificate(entry);
        return PublishPlanner.InPlaceUpdate(current, entry.Data ?? new Dictionary<string, byte[]>(), thumbprint, notAfter, now);
    }

    public async Task PruneAsync(string ns, string secretName, int keep, Action<string>? diagnostics, CancellationToken cancellationToken)
    {
        var entries = await ListAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
        foreach (var old in entries.Skip(keep))
        {
            await DeleteQuietlyAsync(old, cancellationToken).ConfigureAwait(false);
            diagnostics?.Invoke($"Removed history entry {ns}/{old.Metadata.Name} (keeping {keep}).");
        }
    }

    /// <summary>Deletes a history entry if it is unchanged; an entry already gone or changed is left alone.</summary>
    public async Task DeleteQuietlyAsync(V1Secret entry, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.DeleteSecretAsync(entry.Metadata.NamespaceProperty, entry.Metadata.Name, entry.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.NotFound or KubeErrorKind.Conflict)
        {
        }
    }

    private static string? OwnerOf(V1Secret s) =>
        s.Metadata.Annotations?.TryGetValue(SecretAnnotations.HistoryOf, out var owner) == true ? owner : null;

    private static DateTimeOffset ArchivedAt(V1Secret s) =>
        s.Metadata.Annotations?.TryGetValue(SecretAnnotations.ArchivedAt, out var value) == true
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : s.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(created, TimeSpan.Zero) : DateTimeOffset.MinValue;
}

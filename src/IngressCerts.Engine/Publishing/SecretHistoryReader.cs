using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Lists a Secret's history for people and scripts (Get-IngressCertificateHistory): newest first, with what each entry
/// holds and which write archived it. Reads only; the key each entry holds is never copied out.
/// </summary>
public sealed class SecretHistoryReader
{
    private readonly ClusterConnection _connection;

    public SecretHistoryReader(ClusterConnection connection) => _connection = connection;

    /// <summary>
    /// The entries of <paramref name="secretName"/>, newest first; empty when it has none, null when the Secret does
    /// not exist and has no history either.
    /// </summary>
    /// <exception cref="KubeApiException">A read failed.</exception>
    public async Task<IReadOnlyList<CertificateHistoryEntry>?> ListAsync(string ns, string secretName, CancellationToken cancellationToken)
    {
        var writer = new ClusterWriter(_connection);
        var entries = await new SecretHistory(writer, () => DateTimeOffset.UtcNow).ListAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
        var owner = await writer.GetSecretAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
        if (owner is null && entries.Count == 0)
        {
            return null;
        }

        // Entries made before they noted their writer: the owner's record still names the one its last write made.
        var record = owner is null ? null : PublishRecord.Read(owner);
        return entries.Select(entry =>
        {
            var (thumbprint, notAfter) = PublishPlanner.ReadCurrentCertificate(entry);
            var annotations = entry.Metadata.Annotations ?? new Dictionary<string, string>();
            string? archivedBy = annotations.TryGetValue(SecretHistory.ArchivedBy, out var by) ? by
                : record?.ArchiveName == entry.Metadata.Name ? record.Id : null;
            return new CertificateHistoryEntry
            {
                Context = _connection.ContextName,
                Namespace = ns,
                SecretName = secretName,
                Name = entry.Metadata.Name,
                Thumbprint = thumbprint,
                NotAfter = notAfter,
                ArchivedAt = SecretHistory.ArchivedAtOf(entry)?.UtcDateTime,
                ArchivedBy = archivedBy,
            };
        }).ToList();
    }
}

using System.Globalization;
using System.Security.Cryptography;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Previous certificates of a Secret, kept as Secrets of type <see cref="SecretAnnotations.HistoryType"/> beside it,
/// labelled with the owner's name, newest first.
/// </summary>
internal sealed class SecretHistory
{
    /// <summary>On a history entry: the id of the publish or undo whose write archived it (see <see cref="PublishRecord.Id"/>).</summary>
    public const string ArchivedBy = "ingresscerts.io/archived-by";

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

    /// <summary>
    /// A name for a new history entry of <paramref name="owner"/>: its time and certificate, for people, and a random
    /// part, so that two archives (two undos at once, two clocks alike) never collide.
    /// </summary>
    internal static string NewName(string owner, string? thumbprint, DateTimeOffset now)
    {
        string suffix = "-prev-" + now.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture)
            + (thumbprint is null ? string.Empty : "-" + thumbprint[..8].ToLowerInvariant())
            + "-" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 5);
        return (owner.Length + suffix.Length > 253 ? owner[..(253 - suffix.Length)] : owner) + suffix;
    }

    /// <summary>
    /// Copies <paramref name="current"/>'s certificate, key and ca.crt to a new history entry. The entry returned is
    /// the copy as sent, with the name and resourceVersion the server gave it (the server's echo, which repeats the
    /// key, is not kept). A name taken meanwhile is replaced by a fresh one; a lost answer is settled by reading the
    /// entry back.
    /// </summary>
    /// <param name="archivedBy">The id of the publish (or undo) whose write replaces the certificate, noted on the entry.</param>
    public async Task<V1Secret> ArchiveAsync(V1Secret current, Action<string>? warn, CancellationToken cancellationToken, string? archivedBy = null)
    {
        var now = _clock();
        string owner = current.Metadata.Name;
        string ns = current.Metadata.NamespaceProperty;
        var (thumbprint, _) = PublishPlanner.ReadCurrentCertificate(current);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SecretAnnotations.HistoryOf] = owner,
            [SecretAnnotations.ArchivedAt] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        if (archivedBy is not null)
        {
            annotations[ArchivedBy] = archivedBy;
        }

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
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { [SecretAnnotations.HistoryOf] = SecretAnnotations.HistoryLabelValue(owner) },
                Annotations = annotations,
            },
            Data = current.Data?.Where(d => d.Key is "tls.crt" or "tls.key" or "ca.crt").ToDictionary(d => d.Key, d => d.Value)
                ?? new Dictionary<string, byte[]>(),
        };

        for (int attempt = 1; ; attempt++)
        {
            copy.Metadata.Name = NewName(owner, thumbprint, now);
            try
            {
                var created = await _writer.CreateSecretAsync(copy, cancellationToken).ConfigureAwait(false);
                return Stored(copy, created);
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.AlreadyExists && attempt < 3)
            {
            }
            catch (KubeApiException ex) when (ex.Kind is not (KubeErrorKind.Conflict or KubeErrorKind.AlreadyExists) && !WriteFailures.OutcomeUnknown(ex))
            {
                throw WriteFailures.WithNote(ex, $"The history entry was not created, and Secret {ns}/{owner} was not changed.");
            }
            catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
            {
                var found = await ReadBackAsync(ns, copy.Metadata.Name, ex, $"history entry {ns}/{copy.Metadata.Name} (a copy of the certificate and key of Secret {ns}/{owner})").ConfigureAwait(false);
                if (found is null || !Holds(found, copy))
                {
                    throw WriteFailures.WithNote(ex, $"The history entry was not created, and Secret {ns}/{owner} was not changed.");
                }

                if (ex is OperationCanceledException)
                {
                    await DeleteLeftoverAsync(Stored(copy, found), warn, "the publish was cancelled before the Secret was updated").ConfigureAwait(false);
                    throw;
                }

                return Stored(copy, found);
            }
        }
    }

    /// <summary>
    /// Archives <paramref name="previous"/>, then writes over it what <paramref name="replacement"/> makes of the
    /// entry (e.g. a publish record naming it). When the write fails, the Secret is read again and the outcome
    /// decided from what it holds: written (the answer was lost: a warning, and success), or not written. The entry
    /// is deleted only when the Secret provably still holds what the entry holds; a copy that cannot be deleted is
    /// named in a warning. Returns the entry and the Secret as written.
    /// </summary>
    /// <param name="spareOnceWritten">
    /// A history entry that becomes a spare copy of a key once the write has landed (an undo restoring it): it is
    /// deleted as soon as the write is known to be applied, also when the caller was cancelled while the reply was
    /// outstanding, so that Ctrl+C never leaves a second copy of the restored key behind.
    /// </param>
    public async Task<(V1Secret Archive, V1Secret Written)> ReplaceArchivingAsync(
        V1Secret previous, Func<V1Secret, V1Secret> replacement, Action<string>? warn, CancellationToken cancellationToken, string? archivedBy = null,
        (V1Secret Entry, string Why)? spareOnceWritten = null)
    {
        var archive = await ArchiveAsync(previous, warn, cancellationToken, archivedBy).ConfigureAwait(false);
        var toWrite = replacement(archive);
        string owner = $"{previous.Metadata.NamespaceProperty}/{previous.Metadata.Name}";
        string entry = $"{archive.Metadata.NamespaceProperty}/{archive.Metadata.Name}";
        try
        {
            await _writer.ReplaceSecretAsync(toWrite, cancellationToken).ConfigureAwait(false);
            await DeleteSpareAsync().ConfigureAwait(false);
            return (archive, toWrite);
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            var now = await ReadBackAsync(previous.Metadata.NamespaceProperty, previous.Metadata.Name, ex,
                $"Secret {owner}; history entry {entry} keeps its previous certificate and key").ConfigureAwait(false);
            if (now is not null && WriteFailures.OutcomeUnknown(ex) && Holds(now, toWrite))
            {
                warn?.Invoke($"The update of Secret {owner} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                await DeleteSpareAsync().ConfigureAwait(false);
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                return (archive, toWrite);
            }

            string note;
            if (now is not null && Holds(now, archive) && WriteFailures.OutcomeUnknown(ex) && !await FenceAsync(now).ConfigureAwait(false))
            {
                // The lost update may still be applied by the server after this read, and nothing could stop it: the
                // entry may become the only copy of the previous certificate, so it stays.
                note = $"Secret {owner} was not changed when read again, but the lost update may still be applied; history entry {entry} keeps its previous certificate and key, and Undo-IngressCertificate can restore it.";
            }
            else if (now is not null && Holds(now, archive))
            {
                // The Secret still holds what the entry holds (and a lost update can no longer land): the entry is a
                // spare copy of a key, and goes.
                bool deleted = await DeleteLeftoverAsync(archive, warn, $"the update of Secret {owner} failed").ConfigureAwait(false);
                note = $"Secret {owner} was not changed" + (deleted ? "." : $"; the copy of its certificate and key made for history, Secret {entry}, is left over (see the warning).");
            }
            else if (now is not null && await KeptByWriterAsync(now, archive).ConfigureAwait(false) is { } theirs)
            {
                // Another publish (a Sync run that took the target over, a Publish) replaced the certificate first and
                // kept it in its own entry, the one its record names and Undo restores: this copy is a second one, and
                // goes, so that history is as if this write had never been tried.
                string kept = $"{theirs.Metadata.NamespaceProperty}/{theirs.Metadata.Name}";
                bool deleted = await DeleteLeftoverAsync(archive, warn, $"another writer replaced Secret {owner} first and keeps its previous certificate in history entry {kept}").ConfigureAwait(false);
                note = $"Secret {owner} was changed by another writer meanwhile, whose history entry {kept} keeps the certificate and key it held before"
                    + (deleted ? "." : $"; the second copy made for this publish, Secret {entry}, is left over (see the warning).");

                // Their entry may have gone between the check and the delete (another publish's prune, a person): then the
                // copy just deleted was the only one, and is made again, unless the Secret holds that certificate again.
                if (deleted && !await StillKeptAsync(previous, theirs.Metadata.Name, archive).ConfigureAwait(false))
                {
                    note = await ArchiveAgainAsync(previous, warn, archivedBy, kept, owner).ConfigureAwait(false);
                }
            }
            else
            {
                note = now is null
                    ? $"Secret {owner} is gone; history entry {entry} keeps the certificate and key it held."
                    : $"Secret {owner} was changed by another writer meanwhile; history entry {entry} keeps the certificate and key it held before.";
            }

            throw WriteFailures.WithNote(ex, note);
        }

        async Task DeleteSpareAsync()
        {
            if (spareOnceWritten is { } spare)
            {
                await DeleteLeftoverAsync(spare.Entry, warn, spare.Why).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// After a write that lost to another writer: the history entry that writer's publish record names when it holds
    /// what <paramref name="archive"/> holds (the same certificate, key and chain, kept by that writer); null when there
    /// is none, it holds something else (the other writer replaced this write, not the certificate before it), or it
    /// cannot be read: then <paramref name="archive"/> may be the only copy and stays.
    /// </summary>
    private async Task<V1Secret?> KeptByWriterAsync(V1Secret now, V1Secret archive)
    {
        if (PublishRecord.Read(now)?.ArchiveName is not { } name || string.Equals(name, archive.Metadata.Name, StringComparison.Ordinal))
        {
            return null;
        }

        using var budget = WriteFailures.ReadBackToken();
        try
        {
            var theirs = await GetAsync(now.Metadata.NamespaceProperty, now.Metadata.Name, name, budget.Token).ConfigureAwait(false);
            if (theirs is null)
            {
                return null;
            }

            bool same = Holds(theirs, archive);
            // Only its name is needed beyond the comparison: its copy of the key is not kept.
            foreach (var value in theirs.Data?.Values ?? [])
            {
                CryptographicOperations.ZeroMemory(value);
            }

            theirs.Data = null;
            return same ? theirs : null;
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// After deleting a copy because another writer's entry <paramref name="theirs"/> holds the same: whether that entry
    /// still does, or the Secret holds that certificate and key itself again (an undo restored it). False also when
    /// neither can be read: the copy is then made again rather than risk losing the certificate.
    /// </summary>
    private async Task<bool> StillKeptAsync(V1Secret previous, string theirs, V1Secret archive)
    {
        string ns = previous.Metadata.NamespaceProperty;
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            foreach (var read in new[]
            {
                await GetAsync(ns, previous.Metadata.Name, theirs, budget.Token).ConfigureAwait(false),
                await _writer.GetSecretAsync(ns, previous.Metadata.Name, budget.Token).ConfigureAwait(false),
            })
            {
                if (read is null)
                {
                    continue;
                }

                // The archive is a history entry: only the data is compared, for the entry and the Secret alike.
                bool holds = Holds(read, archive);
                foreach (var value in read.Data?.Values ?? [])
                {
                    CryptographicOperations.ZeroMemory(value);
                }

                if (holds)
                {
                    return true;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Makes the history copy of <paramref name="previous"/> again (its own budget, also after Ctrl+C); the note says where it is, or that none could be made.</summary>
    private async Task<string> ArchiveAgainAsync(V1Secret previous, Action<string>? warn, string? archivedBy, string gone, string owner)
    {
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            var again = await ArchiveAsync(previous, warn, budget.Token, archivedBy).ConfigureAwait(false);
            return $"Secret {owner} was changed by another writer meanwhile, whose history entry {gone} was deleted meanwhile; history entry {again.Metadata.NamespaceProperty}/{again.Metadata.Name} keeps the certificate and key it held before.";
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            string thumbprint = PublishPlanner.ReadCurrentCertificate(previous).Thumbprint ?? "(unreadable)";
            warn?.Invoke($"The certificate Secret {owner} held before ({thumbprint}) may be in no history entry: another writer's entry {gone}, which kept it, was deleted meanwhile, and copying it again failed: {ex.Message}");
            return $"Secret {owner} was changed by another writer meanwhile, whose history entry {gone} was deleted meanwhile; copying the certificate it held before again failed (see the warning).";
        }
    }

    /// <summary>
    /// Reads a Secret again after a failed write, with its own budget (also after Ctrl+C). When even that fails the
    /// outcome is unknown: <paramref name="failure"/> is thrown with a note naming <paramref name="subject"/>.
    /// </summary>
    private async Task<V1Secret?> ReadBackAsync(string ns, string name, Exception failure, string subject)
    {
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            return await _writer.GetSecretAsync(ns, name, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            throw WriteFailures.WithNote(failure, $"Reading it again failed too ({ex.Message}), so whether the write was applied is unknown: check {subject}.");
        }
    }

    /// <summary>
    /// Deletes a history entry that should not stay (a spare copy of a key), regardless of the caller's cancellation;
    /// when that fails, a warning names it so that someone deletes it. True when it is gone.
    /// </summary>
    private static bool MadeBefore(V1Secret entry, V1Secret own) =>
        (entry.Metadata.CreationTimestamp, own.Metadata.CreationTimestamp) switch
        {
            ({ } a, { } b) when a != b => a < b,
            _ => ArchivedAt(entry) < ArchivedAt(own),
        };

    /// <summary>
    /// After a write whose outcome is unknown and a read that shows it not applied: the request may still be in the
    /// server and land later. An update of the Secret conditional on the resourceVersion just read (it notes when in
    /// an annotation, since an update that changes nothing keeps the resourceVersion) moves the resourceVersion on,
    /// so the lost update, conditional on the old one, can only fail with a conflict. True when that update went
    /// through; then the Secret's content is settled.
    /// </summary>
    private async Task<bool> FenceAsync(V1Secret now)
    {
        now.Metadata.Annotations ??= new Dictionary<string, string>();
        now.Metadata.Annotations[SecretAnnotations.SettledAt] = _clock().UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            await _writer.ReplaceSecretAsync(now, budget.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            return false;
        }
    }

    public async Task<bool> DeleteLeftoverAsync(V1Secret entry, Action<string>? warn, string why)
    {
        using var budget = WriteFailures.ReadBackToken();
        if (await TryDeleteAsync(entry, budget.Token).ConfigureAwait(false) is not { } failure)
        {
            return true;
        }

        string ns = entry.Metadata.NamespaceProperty;
        string name = entry.Metadata.Name;
        warn?.Invoke($"History entry Secret {ns}/{name} holds a copy of a certificate and its private key and should have been deleted ({why}), " +
            $"but deleting it failed: {failure.Message} Delete it: kubectl delete secret -n {ns} {name}");
        return false;
    }

    /// <summary>
    /// Deletes an entry if it is still at the resourceVersion read; a lost answer is settled by reading it again.
    /// Null when the entry is gone, else why it is not.
    /// </summary>
    private async Task<Exception?> TryDeleteAsync(V1Secret entry, CancellationToken cancellationToken)
    {
        string ns = entry.Metadata.NamespaceProperty;
        string name = entry.Metadata.Name;
        try
        {
            await _writer.DeleteSecretAsync(ns, name, entry.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
        {
            if (WriteFailures.OutcomeUnknown(ex))
            {
                using var budget = WriteFailures.ReadBackToken();
                try
                {
                    if (await _writer.GetSecretAsync(ns, name, budget.Token).ConfigureAwait(false) is null)
                    {
                        return null;
                    }
                }
                catch (Exception readFailure) when (readFailure is KubeApiException or OperationCanceledException)
                {
                }
            }

            return ex;
        }
    }

    /// <summary>True when <paramref name="secret"/> holds every data key of <paramref name="expected"/> with the same
    /// bytes, and the same publish record (or none when <paramref name="expected"/> has none).</summary>
    internal static bool Holds(V1Secret secret, V1Secret expected)
    {
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        foreach (var (key, value) in expected.Data ?? new Dictionary<string, byte[]>())
        {
            if (!data.TryGetValue(key, out var held) || !held.AsSpan().SequenceEqual(value))
            {
                return false;
            }
        }

        if (expected.Type == SecretAnnotations.HistoryType)
        {
            return true;
        }

        string? Record(V1Secret s) => s.Metadata?.Annotations?.TryGetValue(SecretAnnotations.LastPublish, out var r) == true ? r : null;
        return string.Equals(Record(secret), Record(expected), StringComparison.Ordinal);
    }

    /// <summary>The copy as sent, with the identity the server gave it; the echoed data is dropped.</summary>
    private static V1Secret Stored(V1Secret sent, V1Secret answer)
    {
        sent.Metadata.ResourceVersion = answer.Metadata?.ResourceVersion;
        sent.Metadata.Uid = answer.Metadata?.Uid;
        sent.Metadata.CreationTimestamp = answer.Metadata?.CreationTimestamp;
        answer.Data = null;
        return sent;
    }

    /// <summary>The owner Secret with the data of a history entry, conditional on the owner's resourceVersion.</summary>
    public static V1Secret Restore(V1Secret current, V1Secret entry, DateTimeOffset now)
    {
        var (thumbprint, notAfter) = PublishPlanner.ReadCurrentCertificate(entry);
        return PublishPlanner.InPlaceUpdate(current, entry.Data ?? new Dictionary<string, byte[]>(), thumbprint, notAfter, now);
    }

    /// <summary>
    /// Keeps the newest <paramref name="keep"/> entries (always including <paramref name="keepName"/>) and deletes the
    /// rest, best-effort: a list or delete that fails is a warning naming what stays, never a failed publish.
    /// </summary>
    public async Task PruneAsync(string ns, string secretName, int keep, string? keepName, Action<string>? warn, Action<string>? diagnostics, CancellationToken cancellationToken)
    {
        IReadOnlyList<V1Secret> entries;
        try
        {
            entries = await ListAsync(ns, secretName, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex)
        {
            warn?.Invoke($"The history of Secret {ns}/{secretName} was not pruned to {keep} entr{(keep == 1 ? "y" : "ies")}: {ex.Message} Older copies stay.");
            return;
        }

        var ordered = entries.OrderByDescending(e => e.Metadata.Name == keepName).ToList();

        // A publish prunes only entries made before its own: a newer one is another publisher's, whose Secret update
        // may be about to name it; deleting it would leave that publish nothing to undo. The server's creation time
        // decides (whole seconds); within one second, the archiving time each entry notes (milliseconds). With its own
        // entry gone, a publish prunes nothing and leaves that to a later one.
        var own = keepName is null ? null : ordered.FirstOrDefault(e => e.Metadata.Name == keepName);
        foreach (var old in ordered.Skip(keep))
        {
            if (keepName is not null && (own is null || !MadeBefore(old, own)))
            {
                diagnostics?.Invoke($"Kept history entry {ns}/{old.Metadata.Name}: it is not older than this publish's own entry {keepName}.");
                continue;
            }

            switch (await TryDeleteAsync(old, cancellationToken).ConfigureAwait(false))
            {
                case null:
                    diagnostics?.Invoke($"Removed history entry {ns}/{old.Metadata.Name} (keeping {keep}).");
                    break;
                case KubeApiException { Kind: KubeErrorKind.Conflict }:
                    // Changed since it was listed: someone else's now, and left alone.
                    break;
                case OperationCanceledException when cancellationToken.IsCancellationRequested:
                    throw new OperationCanceledException(cancellationToken);
                case var failure:
                    warn?.Invoke($"Old history entry Secret {ns}/{old.Metadata.Name} was not deleted while pruning the history of Secret {ns}/{secretName}: {failure.Message} It stays.");
                    break;
            }
        }
    }

    /// <summary>One history entry by name; null when it does not exist or is not an entry of <paramref name="secretName"/>.</summary>
    public async Task<V1Secret?> GetAsync(string ns, string secretName, string entryName, CancellationToken cancellationToken)
    {
        var entry = await _writer.GetSecretAsync(ns, entryName, cancellationToken).ConfigureAwait(false);
        return entry is not null && entry.Type == SecretAnnotations.HistoryType && OwnerOf(entry) == secretName ? entry : null;
    }

    private static string? OwnerOf(V1Secret s) =>
        s.Metadata.Annotations?.TryGetValue(SecretAnnotations.HistoryOf, out var owner) == true ? owner : null;

    /// <summary>When an entry was archived, by its own note or else its creation; null when it says neither.</summary>
    internal static DateTimeOffset? ArchivedAtOf(V1Secret entry) => ArchivedAt(entry) is var at && at == DateTimeOffset.MinValue ? null : at;

    private static DateTimeOffset ArchivedAt(V1Secret s) =>
        s.Metadata.Annotations?.TryGetValue(SecretAnnotations.ArchivedAt, out var value) == true
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : s.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(created, TimeSpan.Zero) : DateTimeOffset.MinValue;
}

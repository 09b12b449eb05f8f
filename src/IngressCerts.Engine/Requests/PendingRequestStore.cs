using System.Security.Cryptography;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Requests;

/// <summary>
/// Keeps pending requests in the cluster: creates one per TLS Secret (atomically: one name per target, so the API
/// server's AlreadyExists arbitrates between two runbooks), lists and finds them, hands out a key for the publish
/// that completes it, and deletes one. Every write is preceded by the rights check (InsufficientRights, nothing
/// written), and the key goes over the wire only from wiped buffers (<see cref="ClusterWriter"/>).
/// </summary>
public sealed class PendingRequestStore
{
    /// <summary>ErrorIds of the refusals this store raises (as <see cref="PublishRefusedException"/>).</summary>
    public const string AlreadyPending = "RequestAlreadyPending";
    public const string NotFound = "RequestNotFound";
    public const string NameTaken = "PendingNameTaken";

    private readonly ClusterWriter _writer;
    private readonly Action<string>? _diagnostics;
    private readonly Func<DateTimeOffset> _clock;

    public PendingRequestStore(ClusterConnection connection, Action<string>? diagnostics = null, Func<DateTimeOffset>? clock = null)
    {
        _writer = new ClusterWriter(connection);
        _diagnostics = diagnostics;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    public ClusterConnection Connection => _writer.Connection;

    /// <summary>Sees every Secret this store reads, as read (tests check that each key read is wiped after use).</summary>
    internal Action<V1Secret>? SecretRead { get; init; }

    private async Task<V1Secret?> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var secret = await _writer.GetSecretAsync(ns, name, cancellationToken).ConfigureAwait(false);
        if (secret is not null)
        {
            SecretRead?.Invoke(secret);
        }

        return secret;
    }

    /// <summary>The rights <see cref="CreateAsync"/> needs, for help text and the preflight.</summary>
    public static IReadOnlyList<RequiredAccess> CreateAccess(string ns, string? replacing) =>
        replacing is null
            ? [RequiredAccess.OnSecrets("create", ns, null, "keep the new private key in the cluster until the certificate comes")]
            : [RequiredAccess.OnSecrets("delete", ns, replacing, "replace the pending request (-Force)"),
               RequiredAccess.OnSecrets("create", ns, null, "keep the new private key in the cluster until the certificate comes")];

    /// <summary>
    /// Stores <paramref name="key"/> as the pending request for Secret <paramref name="secretName"/>. A request already
    /// pending for it is refused (<see cref="AlreadyPending"/>) unless <paramref name="force"/> replaces it.
    /// </summary>
    /// <exception cref="PublishRefusedException">Already pending, the name is taken by another Secret, no namespace, or missing rights; nothing was written.</exception>
    /// <exception cref="KubeApiException">A call failed; the message says what was written.</exception>
    /// <param name="foundNone">
    /// The caller reads neither the request nor the namespace first: it found none, or lets the create find one (Sync,
    /// under the target's Lease, in a namespace it read from). A request pending is still refused, by the create (or
    /// reused, see <paramref name="reuseFound"/>).
    /// </param>
    /// <param name="gateway">The Gateway the request's certificate goes to, kept for Complete; null for none (or an Ingress).</param>
    /// <param name="reuseFound">
    /// With <paramref name="foundNone"/> (a create made without reading first): a request the create finds already pending
    /// (AlreadyExists, read then) that this accepts is returned instead of the refusal; its key is not read, and
    /// <paramref name="key"/> was not stored. The caller tells the two apart by the public key.
    /// </param>
    public async Task<PendingRequest> CreateAsync(string ns, string secretName, string? ingressName, RequestKey key, bool force, Action<string>? warn, CancellationToken cancellationToken, bool foundNone = false, RequestGateway? gateway = null,
        Func<PendingRequest, bool>? reuseFound = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        string name = PendingRequestSecret.NameFor(secretName);
        string target = $"{ns}/{secretName}";
        var existing = foundNone ? null : await ReadSecretAsync(ns, name, cancellationToken).ConfigureAwait(false);

        // Only the metadata of the request being replaced is used: its key goes at once.
        if (existing is not null)
        {
            Wipe(existing);
            Refuse(existing, target, force);
        }
        else if (!foundNone && await _writer.NamespaceExistsAsync(ns, cancellationToken).ConfigureAwait(false) == false)
        {
            throw new PublishRefusedException(new PublishRefusal("NamespaceNotFound", $"Namespace '{ns}' does not exist, so no request for Secret {target} can be kept there. Nothing was written."));
        }

        var denied = await new WritePreflight(_diagnostics).FindDeniedAsync(Connection, CreateAccess(ns, existing is null ? null : name), cancellationToken).ConfigureAwait(false);
        if (denied.Count > 0)
        {
            throw new PublishRefusedException(WritePreflight.Refusal(Connection, denied));
        }

        if (existing is not null)
        {
            await DeleteSecretAsync(ns, name, existing, warn, cancellationToken).ConfigureAwait(false);
        }

        var secret = PendingRequestSecret.Build(ns, secretName, ingressName, key, _clock(), gateway);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    var created = await _writer.CreateSecretAsync(secret, cancellationToken).ConfigureAwait(false);
                    secret.Metadata.ResourceVersion = created.Metadata.ResourceVersion;
                    secret.Metadata.Uid = created.Metadata.Uid;
                    secret.Metadata.CreationTimestamp = created.Metadata.CreationTimestamp;
                    break;
                }
                catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.AlreadyExists)
                {
                    // Another run made one between the read and the create: the server decided, and this run wrote nothing.
                    var now = await ReadSecretAsync(ns, name, cancellationToken).ConfigureAwait(false);
                    if (now is not null)
                    {
                        Wipe(now);
                        if (PendingRequestSecret.Read(now) is { } found && found.SecretName == secretName && reuseFound?.Invoke(found) == true)
                        {
                            return found;
                        }

                        Refuse(now, target, force: false);
                    }
                    else if (attempt < 3)
                    {
                        // Gone by the read (completed or removed meanwhile): nothing is pending now, so the create is made again.
                        continue;
                    }

                    throw;
                }
            }
        }
        catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
        {
            var now = await ReadBackAsync(ns, name, ex, $"whether the request was stored is unknown; Get-IngressCertificateRequest -Namespace {ns} shows it").ConfigureAwait(false);

            if (now is not null && PendingRequestSecret.Read(now)?.PublicKeySha256 == key.PublicKeySha256)
            {
                warn?.Invoke($"The creation of pending request {ns}/{name} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                secret = now;
            }
            else
            {
                if (now is not null)
                {
                    Wipe(now);
                }

                throw WriteFailures.WithNote(ex, $"The request for Secret {target} was not stored; nothing was written.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret.Data?[PendingRequestSecret.KeyField] ?? []);
        }

        return PendingRequestSecret.Read(secret)!;
    }

    private static void Refuse(V1Secret existing, string target, bool force)
    {
        var pending = PendingRequestSecret.Read(existing);
        if (pending is null)
        {
            throw new PublishRefusedException(new PublishRefusal(NameTaken,
                $"Secret {existing.Metadata.NamespaceProperty}/{existing.Metadata.Name}, where the request for Secret {target} is kept, exists and is not a pending request (type '{existing.Type}'); it is left alone. Nothing was written."));
        }

        if (!force)
        {
            throw new PublishRefusedException(new PublishRefusal(AlreadyPending,
                $"A request for Secret {target} is already pending (made {pending.CreatedAt:yyyy-MM-dd HH:mm} UTC, {pending.Key} key, public key SHA-256 {pending.PublicKeySha256}). " +
                "Complete it with Complete-IngressCertificateRequest, cancel it with Remove-IngressCertificateRequest, or replace it with -Force. Nothing was written."));
        }
    }

    /// <summary>The request pending for Secret <paramref name="secretName"/>, or null.</summary>
    public async Task<PendingRequest?> GetAsync(string ns, string secretName, CancellationToken cancellationToken)
    {
        var secret = await ReadSecretAsync(ns, PendingRequestSecret.NameFor(secretName), cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return null;
        }

        // The description is kept; the key read with it is wiped at once (ReadKeyAsync reads it again when it is used).
        var pending = PendingRequestSecret.Read(secret);
        Wipe(secret);
        return pending is not null && pending.SecretName == secretName ? pending : null;
    }

    /// <summary>
    /// Pending requests in <paramref name="ns"/> (null: all namespaces), optionally only those whose public key hashes
    /// to <paramref name="publicKeySha256"/>; oldest first.
    /// </summary>
    public async Task<IReadOnlyList<PendingRequest>> ListAsync(string? ns, string? publicKeySha256, CancellationToken cancellationToken)
    {
        string selector = publicKeySha256 is null ? PendingRequestSecret.Selector : PendingRequestSecret.SelectorForKey(publicKeySha256);
        const string field = "type=" + PendingRequestSecret.Type;
        var found = new List<PendingRequest>();
        var client = Connection.Client;
        await foreach (var page in Paginator.PagesAsync<V1Secret>(
            async (token, ct) =>
            {
                var list = await KubeCall.RunAsync(Connection, "list", "secrets", ns, null, c => ns is null
                    ? client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: token, fieldSelector: field, labelSelector: selector, limit: Paginator.PageSize, cancellationToken: c)
                    : client.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: token, fieldSelector: field, labelSelector: selector, limit: Paginator.PageSize, cancellationToken: c), ct).ConfigureAwait(false);
                return (list.Items, list.Metadata?.ContinueProperty);
            },
            s => (s.Metadata.NamespaceProperty, s.Metadata.Name), _diagnostics, cancellationToken).ConfigureAwait(false))
        {
            foreach (var secret in page)
            {
                // The list carries each key; only the description is kept, and the key bytes are wiped at once.
                if (PendingRequestSecret.Read(secret) is { } pending
                    && (publicKeySha256 is null || string.Equals(pending.PublicKeySha256, publicKeySha256, StringComparison.OrdinalIgnoreCase)))
                {
                    found.Add(pending);
                }

                Wipe(secret);
            }
        }

        return found.OrderBy(p => p.CreatedAt).ThenBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.SecretName, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The private key of <paramref name="pending"/> as PKCS#8 PEM bytes (the caller wipes them), read again from the
    /// cluster; <see cref="NotFound"/> when it was completed or cancelled meanwhile.
    /// </summary>
    public async Task<byte[]> ReadKeyAsync(PendingRequest pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var secret = await ReadSecretAsync(pending.Namespace, pending.PendingSecretName, cancellationToken).ConfigureAwait(false);
        try
        {
            if (secret is null || secret.Metadata.Uid != pending.Uid || secret.Data?.TryGetValue(PendingRequestSecret.KeyField, out var key) != true || key is null)
            {
                throw new PublishRefusedException(new PublishRefusal(NotFound,
                    $"The request for Secret {pending.Namespace}/{pending.SecretName} ({pending.PendingSecretName}) is gone or was replaced meanwhile. Nothing was written."));
            }

            return key.ToArray();
        }
        finally
        {
            if (secret is not null)
            {
                Wipe(secret);
            }
        }
    }

    /// <summary>The rights <see cref="DeleteAsync"/> needs.</summary>
    public static RequiredAccess DeleteAccess(PendingRequest pending, string why) =>
        RequiredAccess.OnSecrets("delete", pending.Namespace, pending.PendingSecretName, why);

    /// <summary>Whether the user may delete <paramref name="pending"/>; a refusal (InsufficientRights) when not.</summary>
    public async Task<PublishRefusal?> CheckDeleteAsync(PendingRequest pending, string why, CancellationToken cancellationToken)
    {
        var denied = await new WritePreflight(_diagnostics).FindDeniedAsync(Connection, [DeleteAccess(pending, why)], cancellationToken).ConfigureAwait(false);
        return denied.Count > 0 ? WritePreflight.Refusal(Connection, denied) : null;
    }

    /// <summary>
    /// Deletes <paramref name="pending"/>, only if it is still the one that was read: the delete carries its uid as a
    /// precondition, so a newer request for the same Secret is left alone (the server answers Conflict, and this says
    /// so). Already gone counts as done. A lost reply is settled by reading again.
    /// </summary>
    public async Task DeleteAsync(PendingRequest pending, Action<string>? warn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        string ns = pending.Namespace, name = pending.PendingSecretName;
        if (string.IsNullOrEmpty(pending.Uid))
        {
            throw new ArgumentException("a pending request is deleted only by the uid it was read with", nameof(pending));
        }

        try
        {
            await _writer.DeleteSecretByUidAsync(ns, name, pending.Uid, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            // Gone already (deleted by another run): what was asked for is true.
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Conflict)
        {
            throw new PublishRefusedException(new PublishRefusal(NotFound,
                $"The request for Secret {pending.Namespace}/{pending.SecretName} was replaced by a newer one meanwhile; that one is left alone."));
        }
        catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
        {
            await SettleDeleteAsync(ns, name, pending.Uid, ex, warn).ConfigureAwait(false);
        }
    }

    /// <summary>Replaces a request: deletes <paramref name="current"/> only if it is still at the version read.</summary>
    private async Task DeleteSecretAsync(string ns, string name, V1Secret current, Action<string>? warn, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.DeleteSecretAsync(ns, name, current.Metadata.ResourceVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.NotFound)
        {
            // Gone already (deleted by another run): what was asked for is true.
        }
        catch (Exception ex) when (WriteFailures.OutcomeUnknown(ex))
        {
            await SettleDeleteAsync(ns, name, current.Metadata.Uid, ex, warn).ConfigureAwait(false);
        }
    }

    /// <summary>A delete whose reply was lost: applied (gone, or another object there now) is success with a warning; else the failure, noted.</summary>
    private async Task SettleDeleteAsync(string ns, string name, string uid, Exception ex, Action<string>? warn)
    {
        var now = await ReadBackAsync(ns, name, ex, "whether it was deleted is unknown").ConfigureAwait(false);
        if (now is not null)
        {
            Wipe(now);
        }

        if (now is null || now.Metadata.Uid != uid)
        {
            warn?.Invoke($"The deletion of pending request {ns}/{name} was applied; the reply was lost ({WriteFailures.Why(ex)}).");
            if (ex is OperationCanceledException)
            {
                throw ex;
            }

            return;
        }

        throw WriteFailures.WithNote(ex, $"{ns}/{name} was not deleted.");
    }

    /// <summary>The pending Secret read again after a write whose answer was lost; when even that fails, the write's failure with a note.</summary>
    private async Task<V1Secret?> ReadBackAsync(string ns, string name, Exception failure, string unknown)
    {
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            return await ReadSecretAsync(ns, name, budget.Token).ConfigureAwait(false);
        }
        catch (Exception readFailure) when (readFailure is KubeApiException or OperationCanceledException)
        {
            throw WriteFailures.WithNote(failure, $"Reading {ns}/{name} again failed too ({readFailure.Message}), so {unknown}.");
        }
    }

    private static void Wipe(V1Secret secret)
    {
        foreach (var value in secret.Data?.Values ?? [])
        {
            CryptographicOperations.ZeroMemory(value);
        }
    }
}

using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Requests;

namespace IngressCerts.Engine.Sync;

/// <summary>
/// A CA reached through a caller's callback (the cmdlet's -Issuer script block). Every certificate goes through the
/// request path: the key is made here and waits in the cluster as a pending request; the callback gets the request and
/// answers with the issued certificate(s), or with nothing while the CA is still working. A later run finds the same
/// pending request and asks again, so a slow CA never causes a second key.
/// </summary>
public sealed class IssuerSource : ISyncSource
{
    private readonly PendingRequestStore _store;
    private readonly Func<CertificateSigningRequest, CancellationToken, Task<IReadOnlyList<X509Certificate2>?>> _issue;
    private readonly bool _includeRoot;
    private readonly Action<string>? _warn;
    private readonly Func<DateTimeOffset> _clock;

    /// <param name="issue">Asks the CA; null or empty while the certificate is not issued yet.</param>
    public IssuerSource(
        PendingRequestStore store,
        Func<CertificateSigningRequest, CancellationToken, Task<IReadOnlyList<X509Certificate2>?>> issue,
        bool includeRoot,
        Action<string>? warn,
        Func<DateTimeOffset>? clock = null)
    {
        _store = store;
        _issue = issue;
        _includeRoot = includeRoot;
        _warn = warn;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    /// <summary>Asks the CA for the target's pending request (made now when there is none): a bundle with the pending key, still pending, or a refusal.</summary>
    public async Task<SourceAnswer> ObtainAsync(SyncTarget target, CancellationToken cancellationToken)
    {
        if (await PendingForAsync(target, cancellationToken).ConfigureAwait(false) is not { } pending)
        {
            return SourceAnswer.Refused(new PublishRefusal("InvalidHost", $"The hosts of {target} ({string.Join(", ", target.Hosts)}) cannot be put in a request."));
        }

        // The key this run made stays in memory (wiped when this ends) for the bundle, instead of being read back.
        using var made = pending.Key;

        IReadOnlyList<X509Certificate2>? issued;
        try
        {
            issued = await _issue(RequestViews.Made(pending.Request, _store.Connection.ContextName), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (made is not null && ex is not IssuerInterruptedException)
        {
            // The run stopped before the CA was asked (Select-Object -First, an error under -ErrorAction Stop): the request
            // this run made is not left behind for nothing. A stop while the CA was being asked (IssuerInterruptedException)
            // leaves it pending instead: the CA may hold the CSR already and issue it later, and the next run asks again
            // with it (never with a second key), as for a CA that answered nothing yet.
            await DeleteQuietlyAsync(pending.Request).ConfigureAwait(false);
            throw;
        }
        if (issued is null || issued.Count == 0)
        {
            return SourceAnswer.StillPending();
        }

        var request = pending.Request;
        var match = RequestCompletion.Match(issued, [request]);
        var leaf = match?.Leaf ?? RequestCompletion.Leaf(issued);
        if (RequestCompletion.Check(leaf, request, _clock()) is { } refusal)
        {
            return SourceAnswer.Refused(refusal);
        }

        try
        {
            var bundle = made is not null
                ? RequestCompletion.BuildBundle(made.Pkcs8Pem, leaf, issued, _includeRoot)
                : await RequestCompletion.BuildBundleAsync(_store, request, leaf, issued, _includeRoot, cancellationToken).ConfigureAwait(false);
            return SourceAnswer.Publish(bundle, c => _store.DeleteAsync(request, _warn, c), () => SettleAsync(request));
        }
        catch (CertificateBundleException ex)
        {
            return SourceAnswer.Refused(new PublishRefusal("InvalidCertificateInput", $"The certificate issued for {target} cannot be published: {ex.Message}"));
        }
    }

    /// <summary>
    /// Deleting the pending key once its certificate is published: required, not optional, because a key left behind
    /// would be a private key kept in the cluster for nothing, and the next run would reuse it for the next request.
    /// </summary>
    public IEnumerable<RequiredAccess> RequiredAccess(string ns) =>
        [Publishing.RequiredAccess.OnSecrets("delete", ns, null, "delete the pending key once its certificate is published")];

    /// <summary>Deletes a request this run made, once the run stopped before the CA saw it; a failure leaves it for the next run to reuse.</summary>
    private async Task DeleteQuietlyAsync(PendingRequest request)
    {
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            await _store.DeleteAsync(request, _warn, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KubeApiException or PublishRefusedException or OperationCanceledException)
        {
            _warn?.Invoke($"The request this run made for Secret {request.Namespace}/{request.SecretName} stays pending ({ex.Message}); the next run reuses it.");
        }
    }

    /// <summary>
    /// The run stopped after the CA answered, somewhere around the publish: the Secret is read again (within a budget of
    /// its own) to see which side of the write the stop fell on. When it holds the request's key, the certificate is
    /// published and the pending key is a copy, deleted now (it would otherwise stay behind: the target is no longer
    /// due, so no run would come back for it). Otherwise the request stays pending, and the next run completes it.
    /// </summary>
    private async Task SettleAsync(PendingRequest request)
    {
        using var budget = WriteFailures.ReadBackToken();
        try
        {
            if (await PublishedAsync(request, budget.Token).ConfigureAwait(false))
            {
                await _store.DeleteAsync(request, _warn, budget.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is KubeApiException or PublishRefusedException or OperationCanceledException)
        {
            _warn?.Invoke($"The request for Secret {request.Namespace}/{request.SecretName} stays pending ({ex.Message}); the next run completes it, or finds it no longer needed.");
        }
    }

    /// <summary>Whether the target Secret's certificate is for <paramref name="request"/>'s key; its key bytes are wiped at once.</summary>
    private async Task<bool> PublishedAsync(PendingRequest request, CancellationToken cancellationToken)
    {
        var secret = await new ClusterWriter(_store.Connection).GetSecretAsync(request.Namespace, request.SecretName, cancellationToken).ConfigureAwait(false);
        if (secret?.Data is not { } data)
        {
            return false;
        }

        try
        {
            using var parsed = TlsSecretParser.Parse(data);
            return parsed.Leaf is { } leaf && string.Equals(PublicKeyHash.Of(leaf), request.PublicKeySha256, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            foreach (var value in data.Values)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(value);
            }
        }
    }

    /// <summary>
    /// The request pending for the target (reused when it asks for every host), else a new one with the key made for it
    /// (<c>Key</c>, the caller's to dispose).
    /// </summary>
    private async Task<(PendingRequest Request, RequestKey? Key)?> PendingForAsync(SyncTarget target, CancellationToken cancellationToken)
    {
        var hosts = RequestHosts.Parse(target.Hosts, out _);
        if (hosts is null)
        {
            return null;
        }

        var spec = RequestKeySpec.Resolve(null, null, target.CurrentKeyAlgorithm, target.CurrentKeySize, out _) ?? RequestKeySpec.Default;
        var key = RequestKey.Create(spec, SubjectName.Default(hosts), hosts);
        string? ingress = target.Reference.Kind == "Ingress" ? target.Reference.Name : null;
        bool Covers(PendingRequest p) => target.Hosts.All(h => p.Hosts.Contains(h, StringComparer.OrdinalIgnoreCase));
        try
        {
            // The create comes first (one name per target: the server's AlreadyExists says a request is pending), so a
            // renewal with none pending, the usual case, reads nothing before it. One pending for every host is reused
            // (the key made here is dropped, never stored); one pending for fewer hosts (a host was added since) is
            // replaced: its certificate could not be used.
            try
            {
                var stored = await _store.CreateAsync(target.Namespace, target.SecretName, ingress, key, force: false, _warn, cancellationToken, foundNone: true, reuseFound: Covers).ConfigureAwait(false);
                if (!string.Equals(stored.PublicKeySha256, key.PublicKeySha256, StringComparison.OrdinalIgnoreCase))
                {
                    key.Dispose();
                    return (stored, null);
                }

                return (stored, key);
            }
            catch (PublishRefusedException ex) when (ex.Refusal.Id == PendingRequestStore.AlreadyPending)
            {
                return (await _store.CreateAsync(target.Namespace, target.SecretName, ingress, key, force: true, _warn, cancellationToken).ConfigureAwait(false), key);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            key.Dispose();
            throw;
        }
        catch (OperationCanceledException)
        {
            // Stopped while the request was being stored: one that holds this key was made by this run, and goes.
            using var budget = WriteFailures.ReadBackToken();
            try
            {
                if (await _store.GetAsync(target.Namespace, target.SecretName, budget.Token).ConfigureAwait(false) is { } made
                    && string.Equals(made.PublicKeySha256, key.PublicKeySha256, StringComparison.OrdinalIgnoreCase))
                {
                    await DeleteQuietlyAsync(made).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is KubeApiException or OperationCanceledException)
            {
                // Unknown: a request left behind is reused by the next run.
            }
            finally
            {
                key.Dispose();
            }

            throw;
        }
    }
}

/// <summary>
/// The run stopped while the CA was being asked (Ctrl+C while the -Issuer script block ran): the CA may hold the request
/// already, so it stays pending for the next run.
/// </summary>
public sealed class IssuerInterruptedException : OperationCanceledException
{
    public IssuerInterruptedException(CancellationToken token)
        : base("The run stopped while the CA was being asked; the request stays pending.", token)
    {
    }
}

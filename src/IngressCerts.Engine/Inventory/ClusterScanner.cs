using System.Runtime.CompilerServices;
using System.Text.Json;
using IngressCerts.Engine.Inventory.Kinds;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Inventory;

/// <summary>Progress of a cluster scan, for Write-Progress.</summary>
public sealed record ScanProgress(string Context, string Activity, int PagesDone, int ReferencesDone, int ReferencesTotal);

/// <summary>The namespaces a scan covers, and the literal names that do not exist in the cluster.</summary>
public sealed record NamespaceScope(IReadOnlyList<string> Namespaces, IReadOnlyList<string> Missing);

/// <summary>
/// Scans one cluster: lists Ingresses, Gateways and ReferenceGrants, then TLS Secrets page by page, and yields one
/// <see cref="IngressCertificate"/> per TLS reference as soon as its Secret's page has arrived. Requests grow with
/// pages, not objects; only referenced Secrets are parsed, each once, in parallel with the next page's fetch.
/// </summary>
public sealed class ClusterScanner
{
    private const int GetConcurrency = 8;

    private readonly ClusterReader _reader;
    private readonly ReferenceEvaluator _evaluator;
    private readonly InventoryOptions _options;
    private readonly Action<string>? _diagnostics;
    private readonly Action<string>? _warning;
    private readonly Action<ScanProgress>? _progress;
    private int _pages;
    private int _done;
    private int _total;

    /// <param name="warning">What the user asked for and does not get (unreferenced Secrets the caller may not list).</param>
    public ClusterScanner(
        ClusterReader reader, InventoryOptions options, Action<string>? diagnostics = null, Action<ScanProgress>? progress = null, Action<string>? warning = null)
    {
        _reader = reader;
        _options = options;
        _evaluator = new ReferenceEvaluator(options);
        _diagnostics = diagnostics;
        _progress = progress;
        _warning = warning;
    }

    private string Context => _reader.Connection.ContextName;

    /// <summary>
    /// Resolves namespace patterns against the cluster. Wildcards are matched against its namespaces (one list);
    /// a pattern that matches nothing is a diagnostic line. A literal name is checked with one GET, or against that
    /// list when one was read: a namespace that does not exist is <see cref="NamespaceScope.Missing"/>, and one the
    /// caller may not read is scanned as given (a 403 says nothing about whether it exists).
    /// </summary>
    public async Task<NamespaceScope> ResolveNamespacesAsync(IReadOnlyList<string> patterns, CancellationToken cancellationToken)
    {
        var globs = patterns.Distinct(StringComparer.Ordinal).Select(p => new Glob(p)).ToList();
        HashSet<string>? all = null;
        if (globs.Any(g => !g.IsLiteral))
        {
            all = new HashSet<string>(await _reader.ListNamespaceNamesAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        }

        var literals = globs.Where(g => g.IsLiteral).Select(g => g.Pattern).ToList();
        var exists = all is not null
            ? literals.Select(n => (bool?)all.Contains(n)).ToArray()
            : await Task.WhenAll(literals.Select(n => _reader.NamespaceExistsAsync(n, cancellationToken))).ConfigureAwait(false);

        var result = new List<string>();
        var missing = new List<string>();
        for (int i = 0; i < literals.Count; i++)
        {
            if (exists[i] == false)
            {
                missing.Add(literals[i]);
                continue;
            }

            if (exists[i] is null)
            {
                _diagnostics?.Invoke($"Reading namespace '{literals[i]}' is forbidden in cluster '{Context}'; scanning it as given.");
            }

            result.Add(literals[i]);
        }

        foreach (var glob in globs.Where(g => !g.IsLiteral))
        {
            var matches = all!.Where(glob.IsMatch).OrderBy(n => n, StringComparer.Ordinal).ToList();
            if (matches.Count == 0)
            {
                _diagnostics?.Invoke($"No namespace in cluster '{Context}' matches '{glob.Pattern}'.");
            }

            result.AddRange(matches);
        }

        return new NamespaceScope(result.Distinct(StringComparer.Ordinal).ToList(), missing);
    }

    /// <summary>Scans the given namespaces, or all of them when <paramref name="namespaces"/> is null.</summary>
    public async IAsyncEnumerable<IngressCertificate> ScanAsync(IReadOnlyList<string>? namespaces, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // An all-namespace scan needs every TLS Secret page anyway: start fetching them while the Ingresses are listed.
        var early = new StrongBox<SecretPagePump?>(namespaces is null ? SecretPagePump.Start(_reader, null, cancellationToken) : null);
        try
        {
            await foreach (var item in ScanCoreAsync(namespaces, early, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            // Still here when the scan ended before reaching the Secrets (nothing to read, an error, an early exit).
            if (early.Value is not null)
            {
                await early.Value.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <param name="early">A pump already fetching all TLS Secrets; taken (set to null) when the scan reads them.</param>
    private async IAsyncEnumerable<IngressCertificate> ScanCoreAsync(
        IReadOnlyList<string>? namespaces, StrongBox<SecretPagePump?> early, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var scopes = namespaces is null ? new string?[] { null } : namespaces.Select(n => (string?)n).ToArray();

        // 1. Every TLS reference in scope. These objects are small next to the Secrets, so they are gathered first.
        var references = new List<TlsReference>();
        var unprotected = new List<TlsReference>();
        var gateways = new List<JsonElement>();
        var grants = new ReferenceGrantReader(_reader, () => _pages++);
        var others = new OtherKinds(_evaluator.Parse, _options.IstioGatewayNamespace);
        var certificates = new CertManagerCertificates();
        foreach (string? scope in scopes)
        {
            Report($"Listing Ingresses{In(scope)}");
            await foreach (var page in _reader.ListIngressReferencePagesAsync(scope, cancellationToken).ConfigureAwait(false))
            {
                _pages++;
                foreach (var ingress in page)
                {
                    references.AddRange(ReferenceExtractor.FromIngress(ingress, Context));
                    if (_options.IncludeUnprotected)
                    {
                        unprotected.AddRange(UnprotectedExtractor.FromIngress(ingress, Context));
                    }
                }
            }

            Report($"Listing Gateways{In(scope)}");
            await foreach (var page in _reader.ListGatewayApiPagesAsync("v1", "gateways", scope, cancellationToken).ConfigureAwait(false))
            {
                _pages++;
                gateways.AddRange(page);
            }

            if (gateways.Count > 0)
            {
                await grants.ReadAsync(scope, cancellationToken).ConfigureAwait(false);
            }

            Report($"Listing other controllers' kinds{In(scope)}");
            await others.ListAsync(_reader, scope, () => _pages++, cancellationToken).ConfigureAwait(false);

            Report($"Listing cert-manager Certificates{In(scope)}");
            await certificates.ListAsync(_reader, scope, () => _pages++, cancellationToken).ConfigureAwait(false);
        }

        _evaluator.Certificates = certificates.Any ? certificates : null;

        // Cross-namespace Gateway references may point at namespaces outside the scan: their grants live there (and
        // HTTPProxies' delegations likewise).
        await grants.ReadForAsync(gateways, cancellationToken).ConfigureAwait(false);
        await others.ListDelegationsAsync(_reader, namespaces is null, () => _pages++, cancellationToken).ConfigureAwait(false);
        foreach (var gateway in gateways)
        {
            references.AddRange(ReferenceExtractor.FromGateway(gateway, Context, grants.Grants));
            if (_options.IncludeUnprotected)
            {
                unprotected.AddRange(UnprotectedExtractor.FromGateway(gateway, Context));
            }
        }

        references.AddRange(others.References());
        await AttachClientCasAsync(references, cancellationToken).ConfigureAwait(false);

        _total = references.Count + unprotected.Count;
        ReportEmptyScopes(scopes, references);
        foreach (var reference in unprotected)
        {
            yield return Done(_evaluator.Evaluate(reference, null));
        }

        // With -IncludeUnreferenced every listed TLS Secret that no reference in scope names is a row of its own.
        var referenced = _options.IncludeUnreferenced
            ? references.Where(r => r.SecretName is not null).Select(r => (r.SecretNamespace!, r.SecretName!))
                .Concat(references.Where(r => r.ClientCaSecretName is not null).Select(r => (r.SecretNamespace!, r.ClientCaSecretName!))).ToHashSet()
            : null;

        // 2. References that need no Secret are answered at once.
        // Keyed by (namespace, name): the strings the objects already hold, no new key string per reference or Secret.
        var pending = new Dictionary<(string Namespace, string Name), List<TlsReference>>();
        foreach (var reference in references)
        {
            if (reference.SecretName is null)
            {
                yield return Done(_evaluator.Evaluate(reference, null));
                continue;
            }

            var key = (reference.SecretNamespace!, reference.SecretName);
            if (!pending.TryGetValue(key, out var list))
            {
                pending[key] = list = new List<TlsReference>(1);
            }

            list.Add(reference);
        }

        if (pending.Count == 0 && referenced is null)
        {
            yield break;
        }

        // 3. TLS Secrets, page by page, in the namespaces that hold referenced Secrets (in all of the scan's namespaces
        //    when unreferenced ones are asked for).
        var secretScopes = namespaces is null
            ? new string?[] { null }
            : referenced is not null ? scopes
            : pending.Values.Select(l => l[0].SecretNamespace).Where(scopes.Contains).Distinct().ToArray();
        var warned = false;
        foreach (string? scope in secretScopes)
        {
            var results = new List<IngressCertificate>();
            Report($"Reading TLS Secrets{In(scope)}");
            var pump = scope is null && early.Value is not null ? early.Value : SecretPagePump.Start(_reader, scope, cancellationToken);
            if (ReferenceEquals(pump, early.Value))
            {
                early.Value = null;
            }

            bool denied;
            await using (pump.ConfigureAwait(false))
            {
                var pages = pump.Pages;
                while (await pages.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (pages.TryRead(out IReadOnlyList<V1Secret>? page))
                    {
                        _pages++;
                        results.Clear();
                        EvaluatePage(page, pending, referenced, results);

                        // The page's Secrets (a few MB with their data) are not needed while the results are consumed;
                        // let go of them now so that a collection then does not promote them.
                        page = null;
                        foreach (var result in results)
                        {
                            yield return Done(result);
                        }
                    }
                }

                denied = pump.Denied;
            }

            if (denied)
            {
                _diagnostics?.Invoke($"Listing Secrets{In(scope)} is forbidden in cluster '{Context}'; reading the referenced Secrets one by one.");
                if (referenced is not null && !warned)
                {
                    warned = true;
                    _warning?.Invoke($"Listing Secrets{In(scope)} is forbidden in cluster '{Context}': Secrets that nothing refers to cannot be found one by one, so -IncludeUnreferenced reports none there.");
                }
            }
        }

        // 4. What the lists did not hold: Secrets of another type, Secrets outside the scanned namespaces, Secrets the
        //    caller may not list, and missing ones. Each is read by name, a few at a time.
        if (pending.Count > 0)
        {
            Report("Reading referenced Secrets by name");
            await foreach (var result in ResolveByNameAsync(pending, cancellationToken).ConfigureAwait(false))
            {
                yield return Done(result);
            }
        }
    }

    /// <summary>An empty result would otherwise say nothing at all, even with -Verbose: each scope without a reference says so.</summary>
    private void ReportEmptyScopes(string?[] scopes, List<TlsReference> references)
    {
        if (_diagnostics is null)
        {
            return;
        }

        var found = references.Select(r => r.Namespace).ToHashSet(StringComparer.Ordinal);
        foreach (string? scope in scopes.Where(s => s is null ? found.Count == 0 : !found.Contains(s)))
        {
            _diagnostics($"No Ingress or Gateway{In(scope)} of cluster '{Context}' references a TLS certificate.");
        }
    }

    private static string In(string? scope) => scope is null ? " in all namespaces" : $" in namespace '{scope}'";

    /// <param name="referenced">Every Secret a reference names, when Secrets outside it are rows of their own; else null.</param>
    private void EvaluatePage(
        IReadOnlyList<V1Secret> page,
        Dictionary<(string Namespace, string Name), List<TlsReference>> pending,
        HashSet<(string, string)>? referenced,
        List<IngressCertificate> results)
    {
        var work = new List<(V1Secret Secret, List<TlsReference> References, int First)>();
        var count = 0;
        for (var i = 0; i < page.Count; i++)
        {
            var secret = page[i];
            var key = (secret.Metadata.NamespaceProperty, secret.Metadata.Name);
            if (pending.Remove(key, out var refs))
            {
                work.Add((secret, refs, count));
                count += refs.Count;
            }
            else if (referenced is not null && !referenced.Contains(key) && !TlsReference.IsModuleSecret(secret.Metadata.Labels))
            {
                work.Add((secret, [TlsReference.Unreferenced(Context, key.NamespaceProperty, key.Name)], count));
                count++;
            }
        }

        if (work.Count == 0)
        {
            return;
        }

        // Each Secret writes its results into its own slots: the order is the order the Secrets came in (stable output
        // is easier to read and diff), with no sorting or merging afterwards.
        var slots = new IngressCertificate[count];
        Parallel.For(0, work.Count, i =>
        {
            var (secret, refs, first) = work[i];
            var parsed = _evaluator.Parse(ToLookup(secret));

            // The page stays alive until its last Secret is done; its parsed Secrets' bytes need not (a collection
            // meanwhile would promote them).
            secret.Data = null;
            for (var r = 0; r < refs.Count; r++)
            {
                slots[first + r] = _evaluator.Evaluate(refs[r], parsed);
            }
        });

        results.AddRange(slots);
    }

    private async IAsyncEnumerable<IngressCertificate> ResolveByNameAsync(
        Dictionary<(string Namespace, string Name), List<TlsReference>> pending, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = pending.Keys.ToList();
        for (int start = 0; start < keys.Count; start += GetConcurrency)
        {
            var batch = keys.Skip(start).Take(GetConcurrency).ToList();
            var lookups = await Task.WhenAll(batch.Select(key => LookupAsync(pending[key][0], cancellationToken))).ConfigureAwait(false);
            for (int i = 0; i < batch.Count; i++)
            {
                var parsed = _evaluator.Parse(lookups[i]);
                foreach (var reference in pending[batch[i]])
                {
                    yield return _evaluator.Evaluate(reference, parsed);
                }
            }
        }
    }

    /// <summary>
    /// Reads the CA Secrets of the references that validate client certificates (Istio's "&lt;credentialName&gt;-cacert",
    /// rarely more than a few), one GET each, so that their evaluation can report the CA bundle.
    /// </summary>
    private async Task AttachClientCasAsync(List<TlsReference> references, CancellationToken cancellationToken)
    {
        var parsed = new Dictionary<(string, string), ParsedSecret>();
        for (int i = 0; i < references.Count; i++)
        {
            if (references[i] is not { ClientCaSecretName: { } name, SecretNamespace: { } ns } reference)
            {
                continue;
            }

            if (!parsed.TryGetValue((ns, name), out var ca))
            {
                parsed[(ns, name)] = ca = _evaluator.Parse(await LookupAsync(ns, name, cancellationToken).ConfigureAwait(false));
            }

            references[i] = reference with { ClientCa = ca };
        }
    }

    private Task<SecretLookup> LookupAsync(TlsReference reference, CancellationToken cancellationToken) =>
        LookupAsync(reference.SecretNamespace!, reference.SecretName!, cancellationToken);

    private async Task<SecretLookup> LookupAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await _reader.GetSecretAsync(ns, name, cancellationToken).ConfigureAwait(false);
            return secret is null ? SecretLookup.NotFound(ns, name) : ToLookup(secret);
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            return SecretLookup.Forbidden(ns, name, ex.Message);
        }
    }

    private static SecretLookup ToLookup(V1Secret secret) => SecretLookup.Found(
        secret.Metadata.NamespaceProperty,
        secret.Metadata.Name,
        secret.Type,
        secret.Data,
        secret.Metadata.Annotations);

    private IngressCertificate Done(IngressCertificate result)
    {
        _done++;
        if (_done % 200 == 0)
        {
            Report("Analysing certificates");
        }

        return result;
    }

    private void Report(string activity) => _progress?.Invoke(new ScanProgress(Context, activity, _pages, _done, _total));
}

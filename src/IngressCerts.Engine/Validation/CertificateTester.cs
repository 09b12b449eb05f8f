using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Inventory.Kinds;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Publishing;

namespace IngressCerts.Engine.Validation;

/// <summary>
/// Proves a certificate is where it should be: in the Secret (present, key matches, covers the hosts, chain
/// complete, not expired, enough days left, the expected one) and, with Live, on the wire for every host.
/// Uses the same evaluation as the inventory; live probes run concurrently under a throttle.
/// </summary>
public sealed class CertificateTester
{
    private readonly ClusterConnection? _connection;
    private readonly TestOptions _options;
    private readonly ITlsProbe _probe;
    private readonly CertificateEvaluator _evaluator;
    private readonly Action<string>? _diagnostics;
    private readonly Action<string>? _warning;
    private readonly Action<KindNotServedException>? _notServed;

    // Judges each reference as Get-IngressCertificate does, so that a test's Status and Findings are Get's.
    private readonly ReferenceEvaluator _references;

    /// <param name="connection">Null when only hosts are tested against an expected certificate.</param>
    /// <param name="diagnostics">Receives what a user may want to know but is no check's result (e.g. grants that cannot be read).</param>
    /// <param name="warning">Receives what the user does not get that was asked for (cert-manager Certificates the user may not list).</param>
    /// <param name="notServed">Receives each target whose kind's API the cluster does not serve: it has no result. Null: thrown.</param>
    public CertificateTester(ClusterConnection? connection, TestOptions options, ITlsProbe? probe = null, Action<string>? diagnostics = null, Action<string>? warning = null,
        Action<KindNotServedException>? notServed = null)
    {
        _connection = connection;
        _options = options;
        _probe = probe ?? new TlsProbe();
        _diagnostics = diagnostics;
        _warning = warning;
        _notServed = notServed;
        _evaluator = new CertificateEvaluator(options.AsOf, options.MinimumDaysRemaining, options.TrustedRoots?.Cast<X509Certificate2>());
        _references = new ReferenceEvaluator(new InventoryOptions(options.AsOf, options.MinimumDaysRemaining, options.TrustedRoots));
    }

    private string Context => _connection?.ContextName ?? string.Empty;

    public async Task<IReadOnlyList<CertificateTestResult>> TestAsync(IReadOnlyList<TestTarget> targets, CancellationToken cancellationToken)
    {
        var units = new List<Unit>();
        ObjectLookup? lookup = null;
        if (_connection is not null)
        {
            var reader = new ClusterReader(_connection, _diagnostics, _warning);
            lookup = new ObjectLookup(reader, new ReferenceGrantReader(reader), ParseInline);
        }

        foreach (var target in targets)
        {
            try
            {
                units.AddRange(await ExpandAsync(target, lookup, cancellationToken).ConfigureAwait(false));
            }
            catch (KindNotServedException ex) when (_notServed is not null)
            {
                _notServed(ex);
            }
        }

        var secrets = new Dictionary<string, SecretEvidence>(StringComparer.Ordinal);
        foreach (var unit in units.Where(u => u.SecretName is not null))
        {
            string key = unit.SecretNamespace + "/" + unit.SecretName;
            if (!secrets.TryGetValue(key, out var evidence))
            {
                secrets[key] = evidence = await ReadSecretAsync(unit.SecretNamespace!, unit.SecretName!, cancellationToken).ConfigureAwait(false);
            }

            CheckSecret(unit, evidence);
        }

        foreach (var unit in units.Where(u => u.Reference?.Inline is not null))
        {
            CheckInline(unit);
        }

        await CheckClientCasAsync(units, secrets, cancellationToken).ConfigureAwait(false);

        await CheckCertManagerAsync(units, secrets, cancellationToken).ConfigureAwait(false);

        foreach (var unit in units)
        {
            CheckExpectation(unit);
        }

        if (_options.Live)
        {
            await ProbeAsync(units, secrets, cancellationToken).ConfigureAwait(false);
        }

        return units.Select(u =>
        {
            // A reference is judged as Get judges it (its notes, a MUTUAL server's CA bundle, a Secret of another type);
            // a Secret tested alone by its own evaluation; nothing else is judged.
            var inventory = u.Reference is { } reference ? _references.Evaluate(reference, u.Secret) : null;
            var evaluation = u.Evaluation;
            return new CertificateTestResult
            {
                Context = Context,
                Namespace = u.Namespace,
                Kind = u.Name is null ? null : u.Kind,
                ApiGroup = u.Name is null ? null : u.ApiGroup,
                Name = u.Name,
                Listener = u.Reference?.Listener,
                SecretName = u.SecretName,
                Host = u.Hosts.Count == 0 ? null : string.Join(", ", u.Hosts),
                Checks = u.Checks.ToArray(),
                Status = inventory?.Status ?? evaluation?.Status.Name(),
                Findings = inventory?.Findings ?? (evaluation is null ? FindingCollection.Empty : FindingCollection.From(evaluation.Findings)),
            };
        }).ToList();
    }

    private async Task<IReadOnlyList<Unit>> ExpandAsync(TestTarget target, ObjectLookup? lookup, CancellationToken cancellationToken)
    {
        string? ns = target.Namespace;
        string kind = target.Kind ?? "Ingress";

        // A Secret row of Get's (-IncludeUnreferenced) is named after the Secret: it is tested as a Secret.
        if (target.Name is not null && !string.Equals(kind, "Secret", StringComparison.OrdinalIgnoreCase))
        {
            RequireConnection();
            var api = ObjectLookup.Candidates(kind, target.ApiGroup).FirstOrDefault();
            var (canonicalKind, group) = (api?.Kind ?? kind, api?.Group ?? target.ApiGroup ?? ApiGroups.DefaultFor(kind));
            string label = ApiGroups.Describe(canonicalKind, group);
            Unit Bare(string? secretName) =>
                new(target, ns, target.Name, null, secretName, target.Hosts ?? Array.Empty<string>(), Array.Empty<string>()) { Kind = canonicalKind, ApiGroup = group };

            FoundObject? found;
            try
            {
                found = await lookup!.ReadAsync(kind, target.ApiGroup, ns!, target.Name, target.IstioGatewayNamespace, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectForbiddenException ex)
            {
                var denied = Bare(null);
                denied.Fail("Found", $"{label} {ns}/{target.Name}", "forbidden", ex.Message);
                return new[] { denied };
            }

            if (found is null)
            {
                var missing = Bare(null);
                missing.Fail("Found", $"{label} {ns}/{target.Name}", "not found", $"{label} {ns}/{target.Name} does not exist in '{Context}'.");
                return new[] { missing };
            }

            var selected = found.References
                .Where(r => target.SecretName is null || r.SecretName == target.SecretName)
                .Where(r => target.Listener is null || r.Listener == target.Listener)
                .Where(r => target.Hosts is null || target.Hosts.Count == 0 || r.Hosts.Intersect(target.Hosts, StringComparer.OrdinalIgnoreCase).Any())
                .ToList();
            if (selected.Count == 0)
            {
                var none = Bare(target.SecretName);
                none.Fail("TlsConfigured", "a TLS entry" + (target.SecretName is null ? string.Empty : $" for Secret {target.SecretName}"), "none",
                    $"{label} {ns}/{target.Name} has no matching TLS entry.");
                return new[] { none };
            }

            return selected.Select(r => Expand(target, r, found.Addresses)).ToList();
        }

        if (target.SecretName is not null)
        {
            RequireConnection();
            return new[] { new Unit(target, ns, null, target.SecretNamespace ?? ns, target.SecretName, target.Hosts ?? Array.Empty<string>(), Array.Empty<string>()) };
        }

        return new[] { new Unit(target, ns, null, null, null, target.Hosts ?? Array.Empty<string>(), Array.Empty<string>()) };
    }

    /// <summary>The unit of one reference, with the checks that its reference alone decides.</summary>
    private static Unit Expand(TestTarget target, TlsReference reference, IReadOnlyList<string> addresses)
    {
        var unit = new Unit(target, reference.Namespace, reference.Name, reference.SecretNamespace, reference.SecretName, reference.Hosts, addresses)
        {
            Reference = reference,
            Kind = reference.Kind,
            ApiGroup = reference.ApiGroup,
        };
        if (reference.ReferenceIssue is { } issue && issue.Id != FindingIds.TlsConfigNotValid)
        {
            // The controller will not use this Secret whatever it holds (no ReferenceGrant or TLSCertificateDelegation,
            // or not a core Secret). Its content is still checked, so that one run shows all there is to fix.
            unit.Fail("ReferencePermitted", $"a reference the {unit.Label} may use", "not permitted", Sentence(issue.Message));
        }

        if (reference.SecretName is null && reference.Inline is null)
        {
            if (unit.HeldElsewhere is { } note)
            {
                // Passthrough, a controller's own ACME or mesh certificate: nothing at the controller to check, and nothing wrong.
                unit.Pass(note.Id, "no certificate held at the controller", note.Id, Sentence(note.Message));
            }
            else if (reference.ReferenceIssue is { Id: FindingIds.TlsConfigNotValid } invalid)
            {
                // The controller rejects the object: nothing is served, not even its default certificate.
                unit.Fail("SecretPresent", "a secretName", "none", Sentence(invalid.Message));
            }
            else
            {
                unit.Fail("SecretPresent", "a secretName", "none", "The TLS entry names no Secret: the controller serves its default certificate.");
            }
        }

        return unit;
    }

    private ClusterConnection RequireConnection() =>
        _connection ?? throw new InvalidOperationException("Testing an Ingress or Secret needs a cluster connection.");

    /// <summary>
    /// Parses an inline certificate (a Route's spec.tls) as a tested Secret is parsed, proving that the key works; the
    /// reader wipes the key's bytes afterwards.
    /// </summary>
    private static ParsedSecret ParseInline(SecretLookup lookup) =>
        new(lookup.Outcome, lookup.Namespace, lookup.Name, null, TlsSecretParser.ParseProvingKey(lookup.Data, SecretReading.Tls, lookup.InlineFields), string.Empty, null);

    private async Task<SecretEvidence> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var connection = RequireConnection();
        try
        {
            var secret = await new ClusterReader(connection).GetSecretAsync(ns, name, cancellationToken).ConfigureAwait(false);
            if (secret is null)
            {
                return new SecretEvidence(false, $"Secret {ns}/{name} does not exist.", Array.Empty<string>(), CertificateEvaluation.SecretNotFound($"{ns}/{name}"))
                {
                    Secret = new ParsedSecret(SecretLookupOutcome.NotFound, ns, name, null, null, string.Empty, null),
                };
            }

            // Test proves that the key works (a signature round trip); the inventory only compares public halves.
            // Parsed for each controller's reading (Istio reads cert and key first): each unit takes its own.
            var (parsed, istio, unspecified) = ParsedSecret.ParseReadings(secret.Data, reading => TlsSecretParser.ParseProvingKey(secret.Data, reading));
            var history = _options.Live ? await HistoryThumbprintsAsync(connection, ns, name, cancellationToken).ConfigureAwait(false) : Array.Empty<string>();
            var annotations = secret.Metadata?.Annotations;
            return new SecretEvidence(true, null, history)
            {
                Annotations = annotations,
                Secret = new ParsedSecret(SecretLookupOutcome.Found, ns, name, secret.Type, parsed, string.Empty, null, CertManagerCertificates.FromAnnotations(ns, annotations), istio, unspecified),
            };
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            return new SecretEvidence(false, ex.Message, Array.Empty<string>(), CertificateEvaluation.Forbidden($"{ns}/{name}"))
            {
                Secret = new ParsedSecret(SecretLookupOutcome.Forbidden, ns, name, null, null, string.Empty, ex.Message),
            };
        }
    }

    private static async Task<IReadOnlyList<string>> HistoryThumbprintsAsync(ClusterConnection connection, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await new ClusterWriter(connection).ListSecretsAsync(ns, $"{SecretAnnotations.HistoryOf}={SecretAnnotations.HistoryLabelValue(name)}", cancellationToken).ConfigureAwait(false);
            return entries.Select(e => PublishPlanner.ReadCurrentCertificate(e).Thumbprint).OfType<string>().ToList();
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            // Naming an older certificate is a courtesy; without the right to list, it is simply not named.
            return Array.Empty<string>();
        }
    }

    private void CheckSecret(Unit unit, SecretEvidence evidence)
    {
        string secret = $"Secret {unit.SecretNamespace}/{unit.SecretName}";
        unit.Secret = evidence.Secret;
        if (!evidence.Present)
        {
            unit.Evaluation = evidence.Absence;
            unit.Fail("SecretPresent", secret, "missing", evidence.Problem!);
            return;
        }

        unit.Pass("SecretPresent", secret, "present", $"{secret} exists.");
        unit.HistoryThumbprints = evidence.HistoryThumbprints;
        CheckCertificate(unit, evidence.Secret!.For(unit.Reading)!, secret);
    }

    /// <summary>An inline certificate (a Route's spec.tls) gets the checks a Secret's gets, but for the Secret's presence.</summary>
    private void CheckInline(Unit unit)
    {
        var inline = unit.Reference!.Inline!;
        string holder = $"spec.tls of {unit.Label} {unit.Namespace}/{unit.Name}";
        var note = unit.Reference.Notes?.FirstOrDefault(n => n.Id == FindingIds.InlineCertificate);
        unit.Pass(FindingIds.InlineCertificate, "a certificate", "inline", note is null ? $"The certificate is inline in {holder}." : Sentence(note.Message));
        CheckCertificate(unit, inline.Tls!, holder);
    }

    /// <summary>The checks of a certificate and key wherever they are kept: a Secret, or inline in the object.</summary>
    /// <param name="holder">Where they are, as messages name it ("Secret shop/web-tls").</param>
    private void CheckCertificate(Unit unit, ParsedTlsSecret parsed, string holder)
    {
        var fields = parsed.Fields;
        var evaluation = _evaluator.Evaluate(parsed, unit.Hosts);
        unit.Holder = holder;
        unit.Fields = fields;
        unit.Evaluation = evaluation;
        unit.SecretLeaf = evaluation.Facts?.Certificate;
        unit.SecretChainLength = evaluation.Facts?.ChainLength ?? 0;

        string Messages(params CertificateStatus[] statuses) =>
            string.Join(" ", evaluation.Findings.Where(f => statuses.Contains(f.Status)).Select(f => f.Message));

        var facts = evaluation.Facts;
        bool unusable = evaluation.Findings.Any(f => f.Status == CertificateStatus.InvalidSecret);
        bool keyMismatch = evaluation.Findings.Any(f => f.Status == CertificateStatus.KeyMismatch);
        unit.Add("KeyMatches", !unusable && !keyMismatch, $"{fields.Key} belongs to the certificate",
            unusable ? "unusable" : keyMismatch ? "mismatch" : "match",
            unusable || keyMismatch ? Messages(CertificateStatus.InvalidSecret, CertificateStatus.KeyMismatch) : $"{fields.Key} belongs to the certificate in {fields.Certificate}.");
        if (facts is null)
        {
            return;
        }

        var uncovered = evaluation.Findings.Where(f => f.Status == CertificateStatus.HostMismatch).ToList();
        unit.Add("CoversHosts", uncovered.Count == 0, string.Join(", ", unit.Hosts), string.Join(", ", facts.DnsNames.Concat(facts.IPAddresses)),
            uncovered.Count == 0 ? (unit.Hosts.Count == 0 ? "No hosts to cover." : $"The certificate covers {string.Join(", ", unit.Hosts)}.") : Messages(CertificateStatus.HostMismatch));
        bool chainBroken = evaluation.Findings.Any(f => f.Status == CertificateStatus.IncompleteChain);
        unit.Add("ChainComplete", !chainBroken, "leaf first, every issuer present", chainBroken ? "incomplete" : "complete",
            chainBroken ? Messages(CertificateStatus.IncompleteChain) : $"{fields.Certificate} holds a complete chain of {facts.ChainLength}.");
        if (!chainBroken)
        {
            // Whether clients trust the root can only be asked of a chain that reaches one.
            bool untrusted = evaluation.Findings.Any(f => f.Status == CertificateStatus.UntrustedRoot);
            unit.Add("ChainTrusted", !untrusted, "a trusted root", untrusted ? "untrusted" : "trusted",
                untrusted ? Messages(CertificateStatus.UntrustedRoot) : "The chain ends at a root trusted here.");
        }

        bool expired = evaluation.Findings.Any(f => f.Status is CertificateStatus.Expired or CertificateStatus.NotYetValid);
        unit.Add("NotExpired", !expired, $"valid at {_options.AsOf.UtcDateTime:yyyy-MM-dd HH:mm} UTC", $"{facts.NotBefore:yyyy-MM-dd} to {facts.NotAfter:yyyy-MM-dd}",
            expired ? Messages(CertificateStatus.Expired, CertificateStatus.NotYetValid) : $"Valid until {facts.NotAfter:yyyy-MM-dd HH:mm} UTC.");
        unit.Add("DaysRemaining", facts.DaysRemaining >= _options.MinimumDaysRemaining, $">= {_options.MinimumDaysRemaining}", facts.DaysRemaining.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{facts.DaysRemaining} days remain (at least {_options.MinimumDaysRemaining} wanted).");
    }

    private static void CheckExpectation(Unit unit)
    {
        string? expected = unit.Target.ExpectedCertificate?.Thumbprint ?? unit.Target.ExpectedThumbprint;
        if (expected is null || (unit.Holder is null && unit.SecretName is null))
        {
            return;
        }

        string holder = unit.Holder ?? $"Secret {unit.SecretNamespace}/{unit.SecretName}";

        expected = InventoryFilter.NormalizeThumbprint(expected);
        string? actual = unit.SecretLeaf?.Thumbprint;
        bool ok = actual is not null && string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
        unit.Add("ExpectedCertificate", ok, expected, actual ?? "none",
            ok ? $"{holder} holds the expected certificate."
               : $"{holder} holds {actual ?? "no readable certificate"}, not {expected}.");
    }

    private async Task ProbeAsync(List<Unit> units, Dictionary<string, SecretEvidence> secrets, CancellationToken cancellationToken)
    {
        ProbeEndpoint? forced = null;
        if (_options.Endpoint is not null && !ProbeEndpoint.TryParse(_options.Endpoint, out forced))
        {
            throw new ArgumentException($"-Endpoint '{_options.Endpoint}' is not host, host:port or [ipv6]:port.");
        }

        var requests = new List<ProbeRequest>();
        foreach (var unit in units)
        {
            if (unit.HeldElsewhere is not null && unit.Target.ExpectedCertificate is null && unit.Target.ExpectedThumbprint is null)
            {
                continue; // the controller holds no certificate, and none is expected of the backend: nothing to compare
            }

            if (unit.Hosts.Count == 0)
            {
                unit.Fail("Served", "a host to probe", "none", "There is no host to probe: give -Host.");
                continue;
            }

            foreach (string host in unit.Hosts)
            {
                var endpoint = forced;
                if (endpoint is null)
                {
                    bool fromStatus = unit.Addresses.Count > 0;
                    string? address = fromStatus ? unit.Addresses[0] : host.StartsWith("*.", StringComparison.Ordinal) ? null : host;
                    if (address is null)
                    {
                        unit.Fail($"Served:{host}", "an address to probe", "none", $"{host} is a wildcard and {(unit.Name is null ? "there is no load balancer address" : $"{unit.Label} {unit.Namespace}/{unit.Name} has no address in its status")}: give -Endpoint.");
                        continue;
                    }

                    // The status is written by a controller and may hold anything: a bad address fails this target's
                    // probe only, and the other targets are probed as usual.
                    if (!ProbeEndpoint.TryCreate(address, out endpoint, out string? problem))
                    {
                        unit.Fail($"Served:{host}", "an address to probe", address, fromStatus
                            ? $"{unit.Label} {unit.Namespace}/{unit.Name} has the load balancer address '{address}' in its status, which cannot be probed: {problem} Give -Endpoint to probe {host} elsewhere."
                            : $"{host} cannot be probed: {problem}");
                        continue;
                    }
                }

                // A wildcard host is probed with a name it covers, since SNI cannot carry a wildcard.
                string sni = host.StartsWith("*.", StringComparison.Ordinal) ? "probe" + host[1..] : host;
                requests.Add(new ProbeRequest(endpoint, sni, (unit, host)));
            }
        }

        var runner = new ProbeRunner(_probe, new ProbeRunnerOptions
        {
            MaxConcurrency = _options.ThrottleLimit,
            Timeout = _options.Timeout ?? TlsProbe.DefaultTimeout,
        });
        await foreach (var result in runner.RunAsync(requests, cancellationToken).ConfigureAwait(false))
        {
            var (unit, host) = ((Unit, string))result.Tag!;
            CheckServed(unit, host, result);
        }
    }

    private static void CheckServed(Unit unit, string host, ProbeResult result)
    {
        string name = $"Served:{host}";
        var expected = unit.Target.ExpectedCertificate ?? unit.SecretLeaf;
        string? expectedThumbprint = expected?.Thumbprint ?? (unit.Target.ExpectedThumbprint is { } t ? InventoryFilter.NormalizeThumbprint(t) : null);
        if (!result.Succeeded)
        {
            unit.Fail(name, expectedThumbprint ?? "a certificate", result.FailureKind.ToString(),
                $"{result.Endpoint} (SNI {result.Sni}): {result.FailureMessage ?? result.FailureKind.ToString()}");
            return;
        }

        var served = result.Leaf!;
        string wire = $"{result.TlsVersion}, {(result.IntermediatesServed ? "intermediates served" : "no intermediates served")}";
        if (expected is null && expectedThumbprint is null)
        {
            unit.Fail(name, "a certificate to compare", served.Thumbprint, $"{result.Endpoint} serves {served.Thumbprint} ({served.Subject}; {wire}), but there is no certificate to compare it with.");
            return;
        }

        bool matches;
        string reason;
        if (expected is not null)
        {
            var source = unit.Name is null ? null : new ServingSource(unit.Label, unit.Namespace, unit.Name, unit.Reference?.Listener);
            var verdict = new ServedCertificateComparer(expected, unit.HistoryThumbprints, source).Compare(served);
            matches = verdict.Match == ServedCertificateMatch.Expected;
            reason = verdict.Reason;
            if (matches && unit.SecretLeaf is not null && unit.Target.ExpectedCertificate is not null
                && !string.Equals(unit.SecretLeaf.Thumbprint, served.Thumbprint, StringComparison.OrdinalIgnoreCase))
            {
                matches = false;
                reason = $"The expected certificate is served, but the Secret holds {unit.SecretLeaf.Thumbprint}.";
            }
        }
        else
        {
            matches = string.Equals(served.Thumbprint, expectedThumbprint, StringComparison.OrdinalIgnoreCase);
            reason = matches ? $"The expected certificate {expectedThumbprint} is served." : $"{served.Thumbprint} ({served.Subject}) is served instead of {expectedThumbprint}.";
        }

        if (!matches && unit.Reference?.ReferenceIssue is { Status: CertificateStatus.ReferenceNotPermitted } notPermitted)
        {
            // The likeliest reason, and the one to fix first.
            reason += " " + Sentence(notPermitted.Message);
        }

        unit.Add(name, matches, expectedThumbprint, served.Thumbprint, $"{result.Endpoint} (SNI {result.Sni}): {reason} ({wire})");
        if (matches && unit.SecretChainLength > 1 && !result.IntermediatesServed)
        {
            unit.Fail($"ChainServed:{host}", "intermediates served", "leaf only",
                $"{result.Endpoint} serves the leaf without the intermediates that {unit.Fields.Certificate} holds; clients that lack them fail.");
        }
    }

    /// <param name="Absence">For a Secret that is not there or not readable, the evaluation that says so.</param>
    private sealed record SecretEvidence(bool Present, string? Problem, IReadOnlyList<string> HistoryThumbprints, CertificateEvaluation? Absence = null)
    {
        public IDictionary<string, string>? Annotations { get; init; }

        /// <summary>The Secret as the inventory would judge it (found, missing or forbidden), parsed for each controller's reading.</summary>
        public ParsedSecret? Secret { get; init; }
    }

    /// <summary>
    /// The check ClientCaBundle, for each server that validates client certificates (Istio's MUTUAL): a CA bundle is
    /// there, in the certificate's own Secret (ca.crt or cacert) or in the Secret "&lt;credentialName&gt;-cacert", which
    /// is read here as the inventory reads it. Its finding, as Get gives it, names the CA and its expiry.
    /// </summary>
    private async Task CheckClientCasAsync(List<Unit> units, Dictionary<string, SecretEvidence> secrets, CancellationToken cancellationToken)
    {
        var read = new Dictionary<string, ParsedSecret>(StringComparer.Ordinal);
        foreach (var unit in units.Where(u => u.Reference is { ClientCaSecretName: not null, SecretNamespace: not null }))
        {
            var reference = unit.Reference!;
            string key = reference.SecretNamespace + "/" + reference.ClientCaSecretName;
            if (!read.TryGetValue(key, out var ca))
            {
                var evidence = secrets.TryGetValue(key, out var known) ? known : await ReadSecretAsync(reference.SecretNamespace!, reference.ClientCaSecretName!, cancellationToken).ConfigureAwait(false);
                read[key] = ca = evidence.Secret!;
            }

            unit.Reference = reference with { ClientCa = ca };
            bool own = unit.Secret?.For(unit.Reading)?.CaCertificateInfos is { Count: > 0 };
            bool separate = ca.For(unit.Reading)?.CaCertificateInfos is { Count: > 0 };
            var note = _references.Evaluate(unit.Reference, unit.Secret).Findings.FirstOrDefault(f => f.Id == FindingIds.ClientValidation);
            string where = own ? $"Secret {reference.SecretKey}" : $"Secret {key}";
            unit.Add("ClientCaBundle", own || separate, "a CA bundle for client certificates", own || separate ? where : "none",
                note is null ? $"No CA bundle was found in Secret {reference.SecretKey} or Secret {key}." : Sentence(note.Message));
        }
    }

    /// <summary>
    /// The check CertManagerReady, for each Secret a cert-manager Certificate manages: its Ready condition is True. The
    /// Certificates of each Secret's namespace are listed once (an absent API: no check, silently; a forbidden one: one
    /// warning); a Secret only annotated by cert-manager whose Certificate cannot be read gets no check, and says why.
    /// </summary>
    private async Task CheckCertManagerAsync(List<Unit> units, Dictionary<string, SecretEvidence> secrets, CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            return;
        }

        var reader = new ClusterReader(_connection, _diagnostics, _warning);
        var byNamespace = new Dictionary<string, CertManagerCertificates>(StringComparer.Ordinal);
        foreach (var unit in units.Where(u => u.SecretName is not null))
        {
            string ns = unit.SecretNamespace!;
            if (!byNamespace.TryGetValue(ns, out var certificates))
            {
                byNamespace[ns] = certificates = new CertManagerCertificates();
                await certificates.ListAsync(reader, ns, null, cancellationToken).ConfigureAwait(false);
            }

            var annotations = secrets.TryGetValue($"{ns}/{unit.SecretName}", out var evidence) ? evidence.Annotations : null;
            switch (certificates.Find(ns, unit.SecretName!, annotations))
            {
                case null:
                    break;
                case { FromAnnotations: true } annotated:
                    _diagnostics?.Invoke($"Secret {ns}/{unit.SecretName} names cert-manager Certificate '{annotated.Certificate}', which could not be read in '{Context}' (or no longer manages it): its Ready condition is not checked.");
                    break;
                case { } managing:
                    CheckReady(unit, managing);
                    break;
            }
        }
    }

    private static void CheckReady(Unit unit, CertManagerInfo certificate)
    {
        string name = $"cert-manager Certificate {certificate.Namespace}/{certificate.Certificate}";
        string detail = string.Join(": ", new[] { certificate.ReadyReason, certificate.ReadyMessage }.Where(t => !string.IsNullOrWhiteSpace(t)));
        string because = detail.Length == 0 ? string.Empty : $" ({detail})";
        if (certificate.Ready == "True")
        {
            unit.Pass("CertManagerReady", "Ready=True", "True", $"{name} is Ready{because}.");
            return;
        }

        unit.Fail("CertManagerReady", "Ready=True", certificate.Ready ?? "no Ready condition",
            certificate.Ready is null
                ? $"{name} has no Ready condition yet: cert-manager has not issued it."
                : $"{name} is not Ready (Ready={certificate.Ready}){because}.");
    }

    /// <summary>A finding's message as a check's sentence: capitalised, with a full stop.</summary>
    private static string Sentence(string message) =>
        message.Length == 0 ? message : char.ToUpperInvariant(message[0]) + message[1..] + (message.EndsWith('.') ? string.Empty : ".");

    private sealed class Unit
    {
        public Unit(TestTarget target, string? ns, string? name, string? secretNamespace, string? secretName, IReadOnlyList<string> hosts, IReadOnlyList<string> addresses)
        {
            Target = target;
            Namespace = ns;
            Name = name;
            SecretNamespace = secretNamespace;
            SecretName = secretName;
            Hosts = hosts;
            Addresses = addresses;
        }

        public TestTarget Target { get; }

        public string? Namespace { get; }

        public string? Name { get; }

        public string? SecretNamespace { get; }

        public string? SecretName { get; }

        public IReadOnlyList<string> Hosts { get; }

        public IReadOnlyList<string> Addresses { get; }

        public List<CertificateCheck> Checks { get; } = new();

        public CertificateEvaluation? Evaluation { get; set; }

        public X509Certificate2? SecretLeaf { get; set; }

        public int SecretChainLength { get; set; }

        public IReadOnlyList<string> HistoryThumbprints { get; set; } = Array.Empty<string>();

        /// <summary>The reference tested (an Ingress TLS entry, a listener's certificateRef, a Route's spec.tls, ...); null for a Secret or hosts tested alone.</summary>
        public TlsReference? Reference { get; set; }

        /// <summary>The kind of the object tested, as the cluster spells it (Ingress, Gateway, Route, ...).</summary>
        public string Kind { get; init; } = "Ingress";

        public string ApiGroup { get; init; } = ApiGroups.Ingress;

        /// <summary>The kind as messages name it ("Istio Gateway" apart from the Gateway API's "Gateway").</summary>
        public string Label => ApiGroups.Describe(Kind, ApiGroup);

        /// <summary>The Secret of the reference as the inventory judges it; null when none was read.</summary>
        public ParsedSecret? Secret { get; set; }

        /// <summary>Where the certificate checked is kept ("Secret shop/web-tls", "spec.tls of Route shop/web"); null when none was read.</summary>
        public string? Holder { get; set; }

        /// <summary>Where the certificate checked was read from (tls.crt and tls.key, Istio's cert and key, a Route's spec.tls fields).</summary>
        public SecretFields Fields { get; set; } = SecretFields.Tls;

        /// <summary>Which keys of the Secret the reference's controller reads; none in particular for a Secret tested alone.</summary>
        public SecretReading Reading => Reference?.Reading ?? SecretReading.Unspecified;

        /// <summary>
        /// Why the controller holds no certificate for the reference (passthrough, its own ACME or mesh certificate);
        /// null when it should hold one.
        /// </summary>
        public CertificateFinding? HeldElsewhere => Reference?.HeldElsewhere;

        public void Add(string name, bool passed, string? expected, string? actual, string message)
        {
            lock (Checks)
            {
                Checks.Add(new CertificateCheck { Name = name, Passed = passed, Expected = expected, Actual = actual, Message = message });
            }
        }

        public void Pass(string name, string? expected, string? actual, string message) => Add(name, true, expected, actual, message);

        public void Fail(string name, string? expected, string? actual, string message) => Add(name, false, expected, actual, message);
    }
}

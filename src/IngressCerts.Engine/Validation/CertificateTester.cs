using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IngressCerts.Engine.Certificates;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Inventory.Kinds;
using IngressCerts.Engine.Kubernetes;
using IngressCerts.Engine.Probing;
using IngressCerts.Engine.Publishing;
using k8s.Models;

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

    /// <param name="connection">Null when only hosts are tested against an expected certificate.</param>
    /// <param name="diagnostics">Receives what a user may want to know but is no check's result (e.g. grants that cannot be read).</param>
    /// <param name="warning">Receives what the user does not get that was asked for (cert-manager Certificates the user may not list).</param>
    public CertificateTester(ClusterConnection? connection, TestOptions options, ITlsProbe? probe = null, Action<string>? diagnostics = null, Action<string>? warning = null)
    {
        _connection = connection;
        _options = options;
        _probe = probe ?? new TlsProbe();
        _diagnostics = diagnostics;
        _warning = warning;
        _evaluator = new CertificateEvaluator(options.AsOf, options.MinimumDaysRemaining, options.TrustedRoots?.Cast<X509Certificate2>());
    }

    private string Context => _connection?.ContextName ?? string.Empty;

    public async Task<IReadOnlyList<CertificateTestResult>> TestAsync(IReadOnlyList<TestTarget> targets, CancellationToken cancellationToken)
    {
        var units = new List<Unit>();
        var grants = _connection is null ? null : new ReferenceGrantReader(new ClusterReader(_connection, _diagnostics));
        foreach (var target in targets)
        {
            units.AddRange(await ExpandAsync(target, grants, cancellationToken).ConfigureAwait(false));
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
            var evaluation = u.Verdict();
            return new CertificateTestResult
            {
                Context = Context,
                Namespace = u.Namespace,
                Kind = u.Name is null ? null : u.Reference?.Kind ?? u.Target.Kind ?? "Ingress",
                ApiGroup = u.Name is null ? null : u.Reference?.ApiGroup ?? ApiGroups.DefaultFor(u.Target.Kind ?? "Ingress"),
                Name = u.Name,
                SecretName = u.SecretName,
                Host = u.Hosts.Count == 0 ? null : string.Join(", ", u.Hosts),
                Checks = u.Checks.ToArray(),
                Status = evaluation?.Status.Name(),
                Findings = evaluation is null ? FindingCollection.Empty : FindingCollection.From(evaluation.Findings),
            };
        }).ToList();
    }

    /// <param name="grants">Shared by all targets of one run, so that each namespace's grants are read once.</param>
    private async Task<IReadOnlyList<Unit>> ExpandAsync(TestTarget target, ReferenceGrantReader? grants, CancellationToken cancellationToken)
    {
        string? ns = target.Namespace;
        if (target.Name is not null)
        {
            var connection = RequireConnection();
            var references = new List<(TlsReference Reference, IReadOnlyList<string> Addresses)>();
            bool found;
            if (string.Equals(target.Kind, "Gateway", StringComparison.OrdinalIgnoreCase))
            {
                var gateway = await FindGatewayAsync(connection, ns!, target.Name, cancellationToken).ConfigureAwait(false);
                found = gateway is not null;
                if (gateway is { } g)
                {
                    var addresses = RawObject.Array(g, "status", "addresses").Select(a => RawObject.String(a, "value")).OfType<string>().ToList();
                    await grants!.ReadForAsync(new[] { g }, cancellationToken).ConfigureAwait(false);
                    references.AddRange(ReferenceExtractor.FromGateway(g, Context, grants.Grants).Select(r => (r, (IReadOnlyList<string>)addresses)));
                }
            }
            else
            {
                var ingress = await new ClusterWriter(connection).GetIngressAsync(ns!, target.Name, cancellationToken).ConfigureAwait(false);
                found = ingress is not null;
                if (ingress is not null)
                {
                    var addresses = (ingress.Status?.LoadBalancer?.Ingress ?? Enumerable.Empty<V1IngressLoadBalancerIngress>())
                        .Select(a => a.Ip ?? a.Hostname).Where(a => !string.IsNullOrEmpty(a)).ToList();
                    references.AddRange(ReferenceExtractor.FromIngress(ingress, Context).Select(r => (r, (IReadOnlyList<string>)addresses)));
                }
            }

            if (!found)
            {
                var missing = new Unit(target, ns, target.Name, null, null, target.Hosts ?? Array.Empty<string>(), Array.Empty<string>());
                missing.Fail("Found", $"{target.Kind ?? "Ingress"} {ns}/{target.Name}", "not found", $"{target.Kind ?? "Ingress"} {ns}/{target.Name} does not exist in '{Context}'.");
                return new[] { missing };
            }

            var selected = references
                .Where(r => target.SecretName is null || r.Reference.SecretName == target.SecretName)
                .Where(r => target.Hosts is null || target.Hosts.Count == 0 || r.Reference.Hosts.Intersect(target.Hosts, StringComparer.OrdinalIgnoreCase).Any())
                .ToList();
            if (selected.Count == 0)
            {
                var none = new Unit(target, ns, target.Name, null, target.SecretName, target.Hosts ?? Array.Empty<string>(), Array.Empty<string>());
                none.Fail("TlsConfigured", "a TLS entry" + (target.SecretName is null ? string.Empty : $" for Secret {target.SecretName}"), "none",
                    $"{target.Kind ?? "Ingress"} {ns}/{target.Name} has no matching TLS entry.");
                return new[] { none };
            }

            return selected.Select(r =>
            {
                var unit = new Unit(target, ns, target.Name, r.Reference.SecretNamespace, r.Reference.SecretName, r.Reference.Hosts, r.Addresses)
                {
                    Reference = r.Reference,
                };
                if (r.Reference.ReferenceIssue is { } issue)
                {
                    // The Gateway will not use this Secret whatever it holds (no ReferenceGrant, or not a core Secret).
                    // Its content is still checked, so that one run shows all there is to fix.
                    unit.Fail("ReferencePermitted", "a reference the Gateway may use", "not permitted", Sentence(issue.Message));
                }

                if (r.Reference.SecretName is null)
                {
                    unit.Fail("SecretPresent", "a secretName", "none", "The TLS entry names no Secret: the controller serves its default certificate.");
                }

                return unit;
            }).ToList();
        }

        if (target.SecretName is not null)
        {
            RequireConnection();
            return new[] { new Unit(target, ns, null, target.SecretNamespace ?? ns, target.SecretName, target.Hosts ?? Array.Empty<string>(), Array.Empty<string>()) };
        }

        return new[] { new Unit(target, ns, null, null, null, target.Hosts ?? Array.Empty<string>(), Array.Empty<string>()) };
    }

    private ClusterConnection RequireConnection() =>
        _connection ?? throw new InvalidOperationException("Testing an Ingress or Secret needs a cluster connection.");

    private static async Task<JsonElement?> FindGatewayAsync(ClusterConnection connection, string ns, string name, CancellationToken cancellationToken)
    {
        await foreach (var page in new ClusterReader(connection).ListGatewayApiPagesAsync("v1", "gateways", ns, cancellationToken).ConfigureAwait(false))
        {
            foreach (var gateway in page)
            {
                if (RawObject.Name(gateway) == name)
                {
                    return gateway;
                }
            }
        }

        return null;
    }

    private async Task<SecretEvidence> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var connection = RequireConnection();
        try
        {
            var secret = await new ClusterReader(connection).GetSecretAsync(ns, name, cancellationToken).ConfigureAwait(false);
            if (secret is null)
            {
                return new SecretEvidence(false, $"Secret {ns}/{name} does not exist.", null, Array.Empty<string>(), CertificateEvaluation.SecretNotFound($"{ns}/{name}"));
            }

            // Test proves that tls.key works (a signature round trip); the inventory only compares public halves.
            var parsed = TlsSecretParser.ParseProvingKey(secret.Data);
            var history = _options.Live ? await HistoryThumbprintsAsync(connection, ns, name, cancellationToken).ConfigureAwait(false) : Array.Empty<string>();
            return new SecretEvidence(true, null, parsed, history) { Annotations = secret.Metadata?.Annotations };
        }
        catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Forbidden)
        {
            return new SecretEvidence(false, ex.Message, null, Array.Empty<string>(), CertificateEvaluation.Forbidden($"{ns}/{name}"));
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
        if (!evidence.Present)
        {
            unit.Evaluation = evidence.Absence;
            unit.Fail("SecretPresent", secret, "missing", evidence.Problem!);
            return;
        }

        unit.Pass("SecretPresent", secret, "present", $"{secret} exists.");
        var evaluation = _evaluator.Evaluate(evidence.Parsed!, unit.Hosts);
        unit.Evaluation = evaluation;
        unit.SecretLeaf = evaluation.Facts?.Certificate;
        unit.SecretChainLength = evaluation.Facts?.ChainLength ?? 0;
        unit.HistoryThumbprints = evidence.HistoryThumbprints;

        string Messages(params CertificateStatus[] statuses) =>
            string.Join(" ", evaluation.Findings.Where(f => statuses.Contains(f.Status)).Select(f => f.Message));

        var facts = evaluation.Facts;
        bool unusable = evaluation.Findings.Any(f => f.Status == CertificateStatus.InvalidSecret);
        bool keyMismatch = evaluation.Findings.Any(f => f.Status == CertificateStatus.KeyMismatch);
        unit.Add("KeyMatches", !unusable && !keyMismatch, "tls.key belongs to the certificate",
            unusable ? "unusable" : keyMismatch ? "mismatch" : "match",
            unusable || keyMismatch ? Messages(CertificateStatus.InvalidSecret, CertificateStatus.KeyMismatch) : "tls.key belongs to the certificate in tls.crt.");
        if (facts is null)
        {
            return;
        }

        var uncovered = evaluation.Findings.Where(f => f.Status == CertificateStatus.HostMismatch).ToList();
        unit.Add("CoversHosts", uncovered.Count == 0, string.Join(", ", unit.Hosts), string.Join(", ", facts.DnsNames.Concat(facts.IPAddresses)),
            uncovered.Count == 0 ? (unit.Hosts.Count == 0 ? "No hosts to cover." : $"The certificate covers {string.Join(", ", unit.Hosts)}.") : Messages(CertificateStatus.HostMismatch));
        bool chainBroken = evaluation.Findings.Any(f => f.Status == CertificateStatus.IncompleteChain);
        unit.Add("ChainComplete", !chainBroken, "leaf first, every issuer present", chainBroken ? "incomplete" : "complete",
            chainBroken ? Messages(CertificateStatus.IncompleteChain) : $"tls.crt holds a complete chain of {facts.ChainLength}.");
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
        if (expected is null || unit.SecretName is null)
        {
            return;
        }

        expected = InventoryFilter.NormalizeThumbprint(expected);
        string? actual = unit.SecretLeaf?.Thumbprint;
        bool ok = actual is not null && string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
        unit.Add("ExpectedCertificate", ok, expected, actual ?? "none",
            ok ? $"Secret {unit.SecretNamespace}/{unit.SecretName} holds the expected certificate."
               : $"Secret {unit.SecretNamespace}/{unit.SecretName} holds {actual ?? "no readable certificate"}, not {expected}.");
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
                        unit.Fail($"Served:{host}", "an address to probe", "none", $"{host} is a wildcard and {(unit.Name is null ? "there is no load balancer address" : $"{unit.Target.Kind ?? "Ingress"} {unit.Namespace}/{unit.Name} has no address in its status")}: give -Endpoint.");
                        continue;
                    }

                    // The status is written by a controller and may hold anything: a bad address fails this target's
                    // probe only, and the other targets are probed as usual.
                    if (!ProbeEndpoint.TryCreate(address, out endpoint, out string? problem))
                    {
                        unit.Fail($"Served:{host}", "an address to probe", address, fromStatus
                            ? $"{unit.Target.Kind ?? "Ingress"} {unit.Namespace}/{unit.Name} has the load balancer address '{address}' in its status, which cannot be probed: {problem} Give -Endpoint to probe {host} elsewhere."
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
            var source = unit.Name is null ? null : new ServingSource(unit.Target.Kind ?? "Ingress", unit.Namespace, unit.Name, unit.Reference?.Listener);
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
                $"{result.Endpoint} serves the leaf without the intermediates that tls.crt holds; clients that lack them fail.");
        }
    }

    /// <param name="Absence">For a Secret that is not there or not readable, the evaluation that says so.</param>
    private sealed record SecretEvidence(bool Present, string? Problem, ParsedTlsSecret? Parsed, IReadOnlyList<string> HistoryThumbprints, CertificateEvaluation? Absence = null)
    {
        public IDictionary<string, string>? Annotations { get; init; }
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

        /// <summary>The Ingress TLS entry or Gateway certificateRef tested; null for a Secret or hosts tested alone.</summary>
        public TlsReference? Reference { get; init; }

        /// <summary>
        /// The findings about the reference and its Secret, as Get-IngressCertificate would give them; null when
        /// nothing was judged (hosts alone, an object that does not exist).
        /// </summary>
        public CertificateEvaluation? Verdict()
        {
            if (Reference is { SecretName: null })
            {
                return CertificateEvaluation.DefaultCertificate(Reference.Hosts).Through(Reference.ReferenceIssue);
            }

            return Evaluation?.Through(Reference?.ReferenceIssue)
                ?? (Reference?.ReferenceIssue is { Status: CertificateStatus.ReferenceNotPermitted } issue ? CertificateEvaluation.From([issue], null) : null);
        }

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

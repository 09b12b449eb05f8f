using System.Text.Json;
using System.Text.Json.Nodes;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// What one publish changed in one listener's tls.certificateRefs, kept on the Gateway
/// (<see cref="GatewayWiringRecord"/>) so that Undo and a rollback take out exactly that.
/// </summary>
/// <param name="Listener">The listener's name (listeners are keyed by name).</param>
/// <param name="Replaced">The Secret reference the publish took out (the listener's only one), as
/// "namespace/name"; null when ours was added beside the others.</param>
/// <param name="Index">The position ours took in certificateRefs.</param>
public sealed record ListenerChange(string Listener, string? Replaced, int Index);

/// <summary>
/// What one publish added to a Gateway for one Secret (by "namespace/name"), stored in the annotation
/// <see cref="GatewayWiringRecord.Annotation"/> in the same update as the change itself.
/// </summary>
public sealed record GatewayWiringRecord(string Id, IReadOnlyList<ListenerChange> Listeners)
{
    public const string Annotation = "ingresscerts.io/gateway-wiring";

    public static IReadOnlyDictionary<string, GatewayWiringRecord> ReadAll(JsonObject gateway) => AnnotationRecords.Read<GatewayWiringRecord>(gateway, Annotation);

    /// <summary>Sets (or, with null, removes) the record for <paramref name="key"/> on a Gateway copy that is about to be written.</summary>
    internal static void Store(JsonObject gateway, string key, GatewayWiringRecord? record) => AnnotationRecords.Store(gateway, Annotation, key, record);
}

/// <summary>
/// Records kept as one JSON map in an annotation of a Gateway API object (by Secret), written in the same update as
/// the change they describe. An annotation nobody can read counts as no record.
/// </summary>
internal static class AnnotationRecords
{
    public static IReadOnlyDictionary<string, T> Read<T>(JsonObject obj, string annotation)
    {
        string? text = GatewayWiring.Str(obj["metadata"]?["annotations"], annotation);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Dictionary<string, T>(StringComparer.Ordinal);
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, T>>(text, PublishRecord.Json) ?? new Dictionary<string, T>(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return new Dictionary<string, T>(StringComparer.Ordinal);
        }
    }

    public static void Store<T>(JsonObject obj, string annotation, string key, T? record)
        where T : class
    {
        var all = new SortedDictionary<string, T>(Read<T>(obj, annotation).ToDictionary(r => r.Key, r => r.Value), StringComparer.Ordinal);
        if (record is null)
        {
            all.Remove(key);
        }
        else
        {
            all[key] = record;
        }

        var metadata = obj["metadata"] as JsonObject ?? new JsonObject();
        obj["metadata"] = metadata;
        var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
        if (all.Count == 0)
        {
            annotations.Remove(annotation);
        }
        else
        {
            annotations[annotation] = JsonSerializer.Serialize(all, PublishRecord.Json);
        }

        if (annotations.Count == 0)
        {
            metadata.Remove("annotations");
        }
        else
        {
            metadata["annotations"] = annotations;
        }
    }
}

/// <summary>The Gateway update of a publish, an undo or a rollback: the object to write and what it changes, in words.</summary>
public sealed record GatewayChange(JsonObject Gateway, IReadOnlyList<string> Listeners, string Description)
{
    /// <summary>What changed in each listener (for a publish: the reference each replaced, if any).</summary>
    public IReadOnlyList<ListenerChange> Changes { get; init; } = [];
}

/// <summary>
/// Picks a Gateway's listeners for a host and wires a Secret into their tls.certificateRefs. Pure: reads and writes nothing.
/// </summary>
/// <remarks>
/// The rule for a listener's other references: a listener that already refers to the Secret is left as it is; a
/// listener with exactly one Secret reference gets ours instead of it (the certificate it serves is replaced); a
/// listener with none, or with several (an RSA and an ECDSA certificate), gets ours added and keeps the others. To
/// renew one certificate of such a pair, publish to that certificate's own Secret name: its reference stays.
/// </remarks>
public static class GatewayWiring
{
    public const string Group = "gateway.networking.k8s.io";

    /// <summary>The listeners that terminate TLS (protocol HTTPS or TLS, tls.mode Terminate or unset).</summary>
    internal static IEnumerable<JsonObject> TerminatingListeners(JsonObject gateway) => TlsListeners(gateway).Where(Terminates);

    private static IEnumerable<JsonObject> TlsListeners(JsonObject gateway) =>
        (gateway["spec"]?["listeners"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Where(l => Str(l, "protocol") is "HTTPS" or "TLS");

    private static bool Terminates(JsonObject listener) => (Str(listener["tls"], "mode") ?? "Terminate") == "Terminate";

    /// <summary>
    /// The TLS listeners that take <paramref name="host"/>'s connections: on each port, of those whose hostname covers
    /// it, the ones with the most precise hostname (a precise name, then the wildcard with the most labels, then none),
    /// as the Gateway API picks the listener for a request. A wildcard or catch-all listener beside a more precise one
    /// never serves that host, so its certificate is not the host's to replace.
    /// </summary>
    private static IEnumerable<JsonObject> Serving(JsonObject gateway, string host) =>
        TlsListeners(gateway).Where(l => Covers(Str(l, "hostname"), host))
            .GroupBy(l => l["port"]?.ToJsonString() ?? string.Empty)
            .SelectMany(port =>
            {
                int best = port.Max(l => Precision(Str(l, "hostname")));
                return port.Where(l => Precision(Str(l, "hostname")) == best);
            });

    private static int Precision(string? hostname) =>
        string.IsNullOrEmpty(hostname) ? 0
        : hostname.StartsWith("*.", StringComparison.Ordinal) ? hostname.Count(c => c == '.')
        : int.MaxValue;

    /// <summary>The hostnames of the terminating listeners (only <paramref name="listenerName"/>'s when given): the hosts a
    /// request for the Gateway covers by default. Listeners without a hostname (every host) add none.</summary>
    public static IReadOnlyList<string> ListenerHostnames(JsonObject gateway, string? listenerName) =>
        TerminatingListeners(gateway).Where(l => listenerName is null || Str(l, "name") == listenerName)
            .Select(l => Str(l, "hostname")).OfType<string>().Where(h => h.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// True when a listener with <paramref name="listenerHostname"/> (null or empty: every host) takes
    /// <paramref name="host"/>: equal names, or a wildcard listener ("*.example.com") whose suffix ends the host
    /// (any number of labels, as Gateway API matches).
    /// </summary>
    public static bool Covers(string? listenerHostname, string host)
    {
        if (string.IsNullOrEmpty(listenerHostname) || string.Equals(listenerHostname, host, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!listenerHostname.StartsWith("*.", StringComparison.Ordinal))
        {
            return false;
        }

        string suffix = listenerHostname[1..];
        string bare = host.StartsWith("*.", StringComparison.Ordinal) ? host[1..] : host;
        return bare.Length > suffix.Length && bare.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
            || (host.StartsWith("*.", StringComparison.Ordinal) && string.Equals(bare, suffix, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The listeners to wire and the hosts the publish serves (and -Verify probes), or the refusal that names the
    /// Gateway and what it lacks.
    /// </summary>
    public static (IReadOnlyList<string> Listeners, IReadOnlyList<string> Hosts, PublishRefusal? Refusal) Select(
        JsonObject gateway, string gatewayName, string? listenerName, IReadOnlyList<string>? hosts, X509Certificate2 leaf)
    {
        var all = TerminatingListeners(gateway).ToList();
        string describe = all.Count == 0
            ? "it has no HTTPS or TLS listener that terminates TLS"
            : "its HTTPS/TLS listeners: " + string.Join(", ", all.Select(l => $"{Str(l, "name")} ({Str(l, "hostname") ?? "any host"})"));
        PublishRefusal None(string what) => new("NoMatchingListener", $"Gateway {gatewayName} has no HTTPS or TLS listener {what}; {describe}. Nothing was written.");

        var candidates = all;
        if (listenerName is not null)
        {
            candidates = all.Where(l => Str(l, "name") == listenerName).ToList();
            if (candidates.Count == 0)
            {
                // Named but not terminating: say what it is, rather than that it is not there.
                var named = (gateway["spec"]?["listeners"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().FirstOrDefault(l => Str(l, "name") == listenerName);
                string what = named is null ? string.Empty
                    : Str(named, "protocol") is "HTTPS" or "TLS" ? $" (listener '{listenerName}' passes TLS through (tls.mode {Str(named["tls"], "mode")}): the Gateway holds no certificate for it)"
                    : $" (listener '{listenerName}' serves {Str(named, "protocol") ?? "no protocol"}, not HTTPS or TLS)";
                return (Array.Empty<string>(), Array.Empty<string>(), None($"named '{listenerName}'{what}"));
            }
        }

        if (hosts is { Count: > 0 })
        {
            foreach (string host in hosts)
            {
                if (!candidates.Any(l => Covers(Str(l, "hostname"), host)))
                {
                    return (Array.Empty<string>(), Array.Empty<string>(), None(listenerName is null ? $"whose hostname covers {host}" : $"named '{listenerName}' whose hostname covers {host}"));
                }
            }

            if (listenerName is not null)
            {
                return (new[] { listenerName }, hosts, null);
            }

            var serving = new HashSet<JsonObject>(ReferenceEqualityComparer.Instance);
            foreach (string host in hosts)
            {
                var taking = Serving(gateway, host).ToList();
                if (!taking.Any(Terminates))
                {
                    return (Array.Empty<string>(), Array.Empty<string>(),
                        None($"that terminates TLS for {host}: listener {string.Join(", ", taking.Select(l => Str(l, "name")))} takes its connections and passes TLS through"));
                }

                serving.UnionWith(taking.Where(Terminates));
            }

            return (all.Where(serving.Contains).Select(l => Str(l, "name")!).ToList(), hosts, null);
        }

        if (listenerName is not null)
        {
            string? hostname = Str(candidates[0], "hostname");
            return (new[] { listenerName }, string.IsNullOrEmpty(hostname) ? Array.Empty<string>() : new[] { hostname }, null);
        }

        // Neither -Host nor -ListenerName: the listeners with a hostname the certificate covers.
        var covered = candidates.Where(l => Str(l, "hostname") is { Length: > 0 } h && HostMatcher.IsCovered(h, leaf)).ToList();
        if (covered.Count == 0)
        {
            return (Array.Empty<string>(), Array.Empty<string>(),
                None($"with a hostname that the certificate covers ({HostMatcher.DescribeCoverage(leaf)}); give -Host or -ListenerName"));
        }

        return (covered.Select(l => Str(l, "name")!).ToList(), covered.Select(l => Str(l, "hostname")!).Distinct(StringComparer.OrdinalIgnoreCase).ToList(), null);
    }

    /// <summary>
    /// Why the <paramref name="listeners"/> chosen on an earlier read of the Gateway are no longer the ones to wire on
    /// <paramref name="gateway"/> (read anew after a conflict): one is gone or renamed, no longer terminates TLS, or no
    /// longer covers any of <paramref name="hosts"/>. Null when each still is.
    /// </summary>
    public static string? ChangedSince(JsonObject gateway, IReadOnlyList<string> listeners, IReadOnlyList<string> hosts)
    {
        var why = new List<string>();
        foreach (string name in listeners)
        {
            var listener = (gateway["spec"]?["listeners"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().FirstOrDefault(l => Str(l, "name") == name);
            if (listener is null)
            {
                why.Add($"listener {name} is gone (removed or renamed)");
            }
            else if (!TerminatingListeners(gateway).Contains(listener))
            {
                why.Add($"listener {name} no longer terminates TLS");
            }
            else if (hosts.Count > 0 && !hosts.Any(h => Covers(Str(listener, "hostname"), h)))
            {
                why.Add($"listener {name} no longer covers {string.Join(", ", hosts)} (its hostname is {Str(listener, "hostname")})");
            }
        }

        return why.Count == 0 ? null : string.Join("; ", why);
    }

    /// <summary>
    /// A copy of <paramref name="gateway"/> whose <paramref name="listeners"/> refer to the Secret, with the record of
    /// what changed; null when each of them already refers to it. Only those listeners' tls.certificateRefs and the
    /// record change: the copy carries the resourceVersion read, so a concurrent change elsewhere is a 409, not lost.
    /// </summary>
    public static GatewayChange? Wire(JsonObject gateway, IReadOnlyList<string> listeners, string secretNamespace, string secretName, string publishId)
    {
        string gatewayNs = Str(gateway["metadata"], "namespace") ?? "default";
        var copy = (JsonObject)gateway.DeepClone();
        copy.Remove("status");
        var changes = new List<ListenerChange>();
        var words = new List<string>();
        foreach (string name in listeners)
        {
            var listener = TerminatingListeners(copy).FirstOrDefault(l => Str(l, "name") == name);
            if (listener is null)
            {
                continue;
            }

            var tls = listener["tls"] as JsonObject ?? new JsonObject();
            listener["tls"] = tls;
            var refs = tls["certificateRefs"] as JsonArray ?? new JsonArray();
            tls["certificateRefs"] = refs;
            if (refs.Any(r => IsRefTo(r, gatewayNs, secretNamespace, secretName)))
            {
                continue;
            }

            var ours = Ref(gatewayNs, secretNamespace, secretName);
            var secretRefs = refs.Where(r => IsSecretRef(r)).ToList();
            if (secretRefs.Count == 1 && refs.Count == 1)
            {
                string replaced = RefKey(secretRefs[0]!, gatewayNs);
                refs[0] = ours;
                changes.Add(new ListenerChange(name, replaced, 0));
                words.Add($"listener {name}: Secret {replaced} -> {secretNamespace}/{secretName}");
            }
            else
            {
                refs.Add(ours);
                changes.Add(new ListenerChange(name, null, refs.Count - 1));
                words.Add(refs.Count == 1
                    ? $"listener {name}: serve from Secret {secretNamespace}/{secretName}"
                    : $"listener {name}: add Secret {secretNamespace}/{secretName} beside {string.Join(", ", refs.Take(refs.Count - 1).Select(r => RefKey(r!, gatewayNs)))}");
            }
        }

        if (changes.Count == 0)
        {
            return null;
        }

        GatewayWiringRecord.Store(copy, Key(secretNamespace, secretName), new GatewayWiringRecord(publishId, changes));
        return new GatewayChange(copy, changes.Select(c => c.Listener).ToList(), string.Join("; ", words)) { Changes = changes };
    }

    /// <summary>
    /// Warnings for the listeners whose only certificate <paramref name="change"/> replaces although they take more
    /// hosts than <paramref name="leaf"/> covers: a wildcard listener the certificate does not name as that wildcard,
    /// or one without a hostname (every host). Their other hosts get this certificate too.
    /// </summary>
    public static IReadOnlyList<string> Narrowing(JsonObject gateway, string gatewayName, GatewayChange change, X509Certificate2 leaf)
    {
        var warnings = new List<string>();
        foreach (var replaced in change.Changes.Where(c => c.Replaced is not null))
        {
            string? hostname = Str(TerminatingListeners(gateway).FirstOrDefault(l => Str(l, "name") == replaced.Listener), "hostname");
            bool broad = string.IsNullOrEmpty(hostname) || (hostname.StartsWith("*.", StringComparison.Ordinal) && !HostMatcher.IsCovered(hostname, leaf));
            if (broad)
            {
                warnings.Add(
                    $"Gateway {gatewayName} listener {replaced.Listener} takes {(string.IsNullOrEmpty(hostname) ? "every host" : $"every host of {hostname}")}, " +
                    $"and its only certificate (Secret {replaced.Replaced}) is replaced by this one, which is narrower ({HostMatcher.DescribeCoverage(leaf)}): " +
                    "the listener's other hosts get this certificate too. Give -ListenerName of a listener for these hosts only, or publish a certificate that covers them all.");
            }
        }

        return warnings;
    }

    /// <summary>
    /// Warnings for the listeners where <paramref name="change"/> adds the Secret after references that were there
    /// already (a listener with several, or with another kind of reference): the Gateway API leaves more than one
    /// reference to the implementation, and many serve only the first, so the new certificate may not be served.
    /// </summary>
    public static IReadOnlyList<string> AddedAfterOthers(JsonObject gateway, string gatewayName, GatewayChange change, string secretNamespace, string secretName)
    {
        string gatewayNs = Str(gateway["metadata"], "namespace") ?? "default";
        var warnings = new List<string>();
        foreach (var added in change.Changes.Where(c => c.Replaced is null && c.Index > 0))
        {
            var before = (TerminatingListeners(gateway).FirstOrDefault(l => Str(l, "name") == added.Listener)?["tls"]?["certificateRefs"] as JsonArray ?? new JsonArray())
                .Select(r => RefKey(r!, gatewayNs)).ToList();
            warnings.Add(
                $"Gateway {gatewayName} listener {added.Listener} already refers to {string.Join(", ", before)}; Secret {secretNamespace}/{secretName} is added after " +
                $"{(before.Count == 1 ? "it" : "them")}, and an implementation that serves one certificate per listener keeps serving the first. " +
                "Use -Verify to prove what is served, or take the other references out of the listener first.");
        }

        return warnings;
    }

    /// <summary>
    /// Takes out of a Gateway copy what publish <paramref name="publishId"/> added for the Secret, by its record:
    /// our reference goes, and a reference it replaced comes back where it was (unless the listener has it again).
    /// A listener changed since (our reference gone, or the listener gone) is left alone, with a note. Null when the
    /// Gateway has no record of that publish.
    /// </summary>
    public static GatewayChange? Unwire(JsonObject gateway, string secretNamespace, string secretName, string publishId, List<string> notes)
    {
        string gatewayNs = Str(gateway["metadata"], "namespace") ?? "default";
        string gatewayName = $"{gatewayNs}/{Str(gateway["metadata"], "name")}";
        string key = Key(secretNamespace, secretName);
        if (!GatewayWiringRecord.ReadAll(gateway).TryGetValue(key, out var record) || record.Id != publishId)
        {
            notes.Add($"Gateway {gatewayName} has no record of the wiring the publish added for Secret {key}; it is left as it is.");
            return null;
        }

        var copy = (JsonObject)gateway.DeepClone();
        copy.Remove("status");
        var done = new List<string>();
        var words = new List<string>();
        foreach (var change in record.Listeners)
        {
            var listener = (copy["spec"]?["listeners"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().FirstOrDefault(l => Str(l, "name") == change.Listener);
            var refs = listener?["tls"]?["certificateRefs"] as JsonArray;
            int at = refs?.ToList().FindIndex(r => IsRefTo(r, gatewayNs, secretNamespace, secretName)) ?? -1;
            if (refs is null || at < 0)
            {
                notes.Add($"Gateway {gatewayName} listener {change.Listener} no longer refers to Secret {key}; that was changed since the publish and is left alone.");
                continue;
            }

            refs.RemoveAt(at);
            if (change.Replaced is { } replaced && !refs.Any(r => RefKey(r!, gatewayNs) == replaced))
            {
                var (rns, rname) = SplitKey(replaced);
                refs.Insert(Math.Min(at, refs.Count), Ref(gatewayNs, rns, rname));
                words.Add($"listener {change.Listener}: Secret {key} -> {replaced}");
            }
            else
            {
                words.Add($"listener {change.Listener}: stop serving from Secret {key}");
            }

            done.Add(change.Listener);
        }

        GatewayWiringRecord.Store(copy, key, null);
        return new GatewayChange(copy, done, words.Count == 0 ? $"remove the wiring record of Secret {key}" : string.Join("; ", words));
    }

    /// <summary>The first usable address in the Gateway's status.addresses (IPAddress or Hostname), for -Verify.</summary>
    public static string? StatusAddress(JsonObject? gateway) =>
        (gateway?["status"]?["addresses"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Where(a => (Str(a, "type") ?? "IPAddress") is "IPAddress" or "Hostname")
            .Select(a => Str(a, "value"))
            .FirstOrDefault(v => !string.IsNullOrEmpty(v));

    internal static string Key(string ns, string name) => $"{ns}/{name}";

    private static (string Namespace, string Name) SplitKey(string key)
    {
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }

    private static bool IsSecretRef(JsonNode? r) =>
        (Str(r, "group") ?? string.Empty).Length == 0 && (Str(r, "kind") ?? "Secret") == "Secret";

    private static string RefKey(JsonNode r, string gatewayNs) => Key(Str(r, "namespace") ?? gatewayNs, Str(r, "name") ?? string.Empty);

    private static bool IsRefTo(JsonNode? r, string gatewayNs, string secretNamespace, string secretName) =>
        IsSecretRef(r) && RefKey(r!, gatewayNs) == Key(secretNamespace, secretName);

    private static JsonObject Ref(string gatewayNs, string secretNamespace, string secretName)
    {
        var r = new JsonObject { ["group"] = string.Empty, ["kind"] = "Secret", ["name"] = secretName };
        if (secretNamespace != gatewayNs)
        {
            r["namespace"] = secretNamespace;
        }

        return r;
    }

    internal static string? Str(JsonNode? node, string property) =>
        node is JsonObject o && o[property] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}

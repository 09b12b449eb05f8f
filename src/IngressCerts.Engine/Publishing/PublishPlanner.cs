using System.Security.Cryptography.X509Certificates;
using System.Text;
using IngressCerts.Engine.Certificates;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>Decides what a publish will do from what the cluster holds. Reads nothing and writes nothing.</summary>
public static class PublishPlanner
{
    public static PublishPlan Plan(PublishTarget target, PublishState state, PublishPayload payload, PublishOptions options, DateTimeOffset now)
    {
        var warnings = new List<string>();
        var current = state.Secret;
        string? previousThumbprint = null;
        DateTime? previousNotAfter = null;
        if (current is not null)
        {
            (previousThumbprint, previousNotAfter) = ReadCurrentCertificate(current);
        }

        PublishPlan Refuse(string id, string message) => new(
            target, PublishAction.Skipped, null, current, previousThumbprint, previousNotAfter, payload.Thumbprint, payload.NotAfter,
            target.Hosts ?? Array.Empty<string>(), null, warnings, new PublishRefusal(id, message));

        // 1. Whose Secret is it?
        if (current is not null && !options.Force)
        {
            if (current.Metadata.Annotations?.ContainsKey(SecretAnnotations.CertManagerCertificate) == true)
            {
                return Refuse("CertManagerManaged",
                    $"Secret {target} is managed by cert-manager (Certificate '{current.Metadata.Annotations[SecretAnnotations.CertManagerCertificate]}'); " +
                    "cert-manager would overwrite it. Change the Certificate resource instead, or use -Force.");
            }
        }

        // A Secret's type cannot change after creation, so not even -Force can turn this one into a TLS Secret.
        if (current is not null && !string.Equals(current.Type, SecretAnnotations.TlsType, StringComparison.Ordinal))
        {
            return Refuse("SecretTypeMismatch",
                $"Secret {target} has type '{current.Type ?? "Opaque"}', not {SecretAnnotations.TlsType}, and a Secret's type cannot be changed: " +
                "publish under another name, or delete that Secret first.");
        }

        if (current?.Immutable == true)
        {
            return Refuse("SecretImmutable", $"Secret {target} is immutable; its data cannot be changed in place. Publish to a new Secret name instead.");
        }

        // Istio serves a Secret's cert and key when both have a value, before its tls.crt and tls.key; a publish writes
        // (and history keeps, and Undo restores) tls.* only, so it would report success while Istio kept serving the old
        // certificate. Not even -Force: the write itself, not the ownership, would be wrong.
        if (current is not null && TlsSecretParser.FieldsOf(current.Data, SecretReading.Istio).Certificate == TlsSecretParser.GenericCertificateDataKey)
        {
            return Refuse("IstioCertKeyPair",
                $"Secret {target} holds cert and key, which Istio serves before tls.crt and tls.key; a publish writes only tls.crt and tls.key, " +
                "so Istio would keep serving the certificate in cert. Nothing was written. Remove cert and key from the Secret " +
                $"(kubectl patch secret -n {target.Namespace} {target.SecretName} --type=json -p '[{{\"op\":\"remove\",\"path\":\"/data/cert\"}},{{\"op\":\"remove\",\"path\":\"/data/key\"}}]'), " +
                "or publish under another name and point credentialName at it.");
        }

        // 2. Which hosts, and does the certificate cover them?
        IReadOnlyList<string> hosts = target.Hosts ?? Array.Empty<string>();
        if (target.IngressName is not null)
        {
            if (state.Ingress is null)
            {
                return Refuse("IngressNotFound", $"Ingress {target.Namespace}/{target.IngressName} does not exist.");
            }

            if (target.Hosts is null)
            {
                var ruleHosts = (state.Ingress.Spec?.Rules ?? Enumerable.Empty<V1IngressRule>())
                    .Select(r => r.Host).Where(h => !string.IsNullOrEmpty(h)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                hosts = ruleHosts.Where(h => HostMatcher.IsCovered(h!, payload.Leaf)).Select(h => h!).ToList();
                var uncovered = ruleHosts.Where(h => !HostMatcher.IsCovered(h!, payload.Leaf)).ToList();
                if (hosts.Count == 0)
                {
                    return Refuse("HostNotCovered",
                        ruleHosts.Count == 0
                            ? $"Ingress {target.Namespace}/{target.IngressName} has no rule hosts; give -Host."
                            : $"The certificate covers none of the hosts of Ingress {target.Namespace}/{target.IngressName} ({string.Join(", ", ruleHosts)}); {HostMatcher.DescribeCoverage(payload.Leaf)}.");
                }

                if (uncovered.Count > 0)
                {
                    warnings.Add($"The certificate does not cover {string.Join(", ", uncovered)}; those hosts are not wired to Secret {target.SecretName}.");
                }
            }
        }

        string publishId = PublishId(now, payload.Thumbprint);
        IReadOnlyList<string> listeners = Array.Empty<string>();
        GrantChange? grant = null;
        if (target.GatewayName is not null)
        {
            string gatewayName = $"{target.GatewayNs}/{target.GatewayName}";
            if (state.Gateway is null)
            {
                return Refuse("GatewayNotFound", $"Gateway {gatewayName} does not exist. Nothing was written.");
            }

            var (chosen, listenerHosts, none) = GatewayWiring.Select(state.Gateway, gatewayName, target.ListenerName, target.Hosts, payload.Leaf);
            if (none is not null)
            {
                return Refuse(none.Id, none.Message);
            }

            (listeners, hosts) = (chosen, listenerHosts);
            if (target.CrossNamespace)
            {
                grant = ReferenceGrants.Plan(state.Grants, target.GatewayNs, target.Namespace, target.SecretName, publishId);
                if (grant is not null && !target.GrantReference)
                {
                    return Refuse("ReferenceGrantRequired",
                        $"Gateway {gatewayName} may not use Secret {target} in another namespace: no ReferenceGrant in '{target.Namespace}' allows it, and nothing was written. " +
                        $"Give -GrantReference to create or extend one, or apply this grant first:\n{ReferenceGrants.NeededYaml(target.GatewayNs, target.Namespace, target.SecretName, ReferenceGrants.FreeName(state.Grants, target.GatewayNs))}");
                }
            }
        }

        var notCovered = hosts.Where(h => !HostMatcher.IsCovered(h, payload.Leaf)).ToList();
        if (notCovered.Count > 0)
        {
            return Refuse("HostNotCovered", $"The certificate {payload.Thumbprint} does not cover {string.Join(", ", notCovered)}; {HostMatcher.DescribeCoverage(payload.Leaf)}.");
        }

        // 3. The Secret.
        PublishAction action;
        V1Secret? toWrite = null;
        if (current is null)
        {
            action = PublishAction.Created;
            toWrite = NewSecret(target, payload, now);
        }
        else if (HoldsPayload(current, payload))
        {
            action = PublishAction.Unchanged;
        }
        else
        {
            action = PublishAction.Updated;
            toWrite = UpdatedSecret(current, payload, now);
        }

        // 4. The Ingress, or the Gateway.
        V1Ingress? ingressToWrite = null;
        if (target.IngressName is not null && state.Ingress is not null)
        {
            ingressToWrite = WireIngress(state.Ingress, target.SecretName, hosts, publishId, warnings);
        }

        // 5. What this publish did, for Undo-IngressCertificate: it goes with the Secret write, so a publish that
        // changes only the Ingress still updates the Secret's metadata (never its data).
        var gatewayToWrite = target.GatewayName is not null && state.Gateway is not null
            ? GatewayWiring.Wire(state.Gateway, listeners, target.Namespace, target.SecretName, publishId)
            : null;
        if (gatewayToWrite is not null)
        {
            warnings.AddRange(GatewayWiring.Narrowing(state.Gateway!, $"{target.GatewayNs}/{target.GatewayName}", gatewayToWrite, payload.Leaf));
            warnings.AddRange(GatewayWiring.AddedAfterOthers(state.Gateway!, $"{target.GatewayNs}/{target.GatewayName}", gatewayToWrite, target.Namespace, target.SecretName));
        }

        if (toWrite is not null || ingressToWrite is not null || gatewayToWrite is not null || grant is not null)
        {
            toWrite ??= InPlaceUpdate(current!, new Dictionary<string, byte[]>(), null, null, publishedAt: null);
            var record = PublishRecord.For(publishId, action, payload.Thumbprint, toWrite.Data, ingressToWrite is null ? null : target.IngressName) with
            {
                Gateway = gatewayToWrite is null ? null : $"{target.GatewayNs}/{target.GatewayName}",
                Grant = grant is null ? null : $"{grant.Namespace}/{grant.Name}",
            };
            toWrite.Metadata.Annotations[SecretAnnotations.LastPublish] = record.ToJson();
        }

        return new PublishPlan(target, action, toWrite, current, previousThumbprint, previousNotAfter, payload.Thumbprint, payload.NotAfter,
            hosts, ingressToWrite, warnings, null)
        {
            PublishId = publishId,
            PreviousIngress = state.Ingress,
            GatewayToWrite = gatewayToWrite,
            GrantToWrite = grant,
            PreviousGateway = state.Gateway,
            Listeners = listeners,
        };
    }

    /// <summary>Names one publish: its time and certificate, so the Secret's and the Ingress's records can be matched.</summary>
    internal static string PublishId(DateTimeOffset now, string thumbprint) =>
        now.UtcDateTime.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture) + "-" + thumbprint[..Math.Min(8, thumbprint.Length)];

    /// <summary>
    /// Adds the hosts to the spec.tls entry for the Secret (or appends one), touching nothing else but the
    /// <see cref="WiringRecord"/> of what was added. Null when the Ingress already serves every host from the Secret.
    /// </summary>
    internal static V1Ingress? WireIngress(V1Ingress ingress, string secretName, IReadOnlyList<string> hosts, string publishId, List<string> warnings)
    {
        var tls = ingress.Spec?.Tls ?? new List<V1IngressTLS>();
        var entry = tls.FirstOrDefault(t => t.SecretName == secretName);

        // A host any entry already serves from this Secret is wired (two TLS entries may name one Secret).
        var existing = tls.Where(t => t.SecretName == secretName).SelectMany(t => t.Hosts ?? []).ToList();
        var missing = hosts.Where(h => !existing.Contains(h, StringComparer.OrdinalIgnoreCase)).ToList();
        if (entry is not null && missing.Count == 0)
        {
            return null;
        }

        var copy = Copy(ingress);
        copy.Spec ??= new V1IngressSpec();
        copy.Spec.Tls ??= new List<V1IngressTLS>();
        var target = copy.Spec.Tls.FirstOrDefault(t => t.SecretName == secretName);

        // A host listed under another Secret too would keep being served from that one (ingress-nginx takes the
        // first entry that names a host), so the hosts being wired move here; an entry left with no host goes.
        var before = copy.Spec.Tls.ToList();
        var movedRecords = new List<MovedHosts>();
        foreach (var other in before.Where(t => t != target && t.Hosts is { Count: > 0 }))
        {
            var moved = other.Hosts!.Where(h => missing.Contains(h, StringComparer.OrdinalIgnoreCase)).ToList();
            if (moved.Count == 0)
            {
                continue;
            }

            foreach (string host in moved)
            {
                other.Hosts!.Remove(host);
            }

            bool removed = other.Hosts!.Count == 0;
            if (removed)
            {
                copy.Spec.Tls.Remove(other);
            }

            movedRecords.Add(new MovedHosts(other.SecretName, before.IndexOf(other), removed, moved));
            warnings.Add($"Ingress {ingress.Metadata.NamespaceProperty}/{ingress.Metadata.Name}: {string.Join(", ", moved)} moved from Secret '{other.SecretName ?? "(none)"}' to Secret '{secretName}'.");
        }

        if (target is null)
        {
            copy.Spec.Tls.Add(new V1IngressTLS { Hosts = missing.ToList(), SecretName = secretName });
        }
        else
        {
            target.Hosts ??= new List<string>();
            foreach (string host in missing)
            {
                target.Hosts.Add(host);
            }
        }

        WiringRecord.Store(copy, secretName, new WiringRecord(publishId, missing, NewEntry: target is null, movedRecords));
        return copy;
    }

    /// <summary>A deep copy, to change: a plan must not change the state it was made from.</summary>
    internal static T Copy<T>(T obj) => k8s.KubernetesJson.Deserialize<T>(k8s.KubernetesJson.Serialize(obj));

    private static bool HoldsPayload(V1Secret secret, PublishPayload payload) =>
        secret.Data is not null
        && secret.Data.TryGetValue("tls.crt", out var crt) && crt.AsSpan().SequenceEqual(payload.TlsCrt)
        && secret.Data.TryGetValue("tls.key", out var key) && key.AsSpan().SequenceEqual(payload.TlsKey)
        && string.Equals(secret.Type, SecretAnnotations.TlsType, StringComparison.Ordinal);

    private static V1Secret NewSecret(PublishTarget target, PublishPayload payload, DateTimeOffset now) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = SecretAnnotations.TlsType,
        Metadata = new V1ObjectMeta
        {
            Name = target.SecretName,
            NamespaceProperty = target.Namespace,
            Annotations = Annotate(new Dictionary<string, string>(), payload, now),
        },
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = payload.TlsCrt, ["tls.key"] = payload.TlsKey },
    };

    // Same object, same name, same resourceVersion: one in-place update the controller reloads, so there is no
    // moment when the Ingress points at a missing or half-written Secret.
    private static V1Secret UpdatedSecret(V1Secret current, PublishPayload payload, DateTimeOffset now) =>
        InPlaceUpdate(current, new Dictionary<string, byte[]> { ["tls.crt"] = payload.TlsCrt, ["tls.key"] = payload.TlsKey }, payload.Thumbprint, payload.NotAfter, now);

    /// <summary>
    /// <paramref name="current"/> with <paramref name="data"/> replacing those keys (others, e.g. ca.crt, stay) and
    /// the certificate annotations set, conditional on the resourceVersion that was read. A null
    /// <paramref name="publishedAt"/> keeps the publish time the Secret has (its certificate did not change).
    /// </summary>
    internal static V1Secret InPlaceUpdate(V1Secret current, IDictionary<string, byte[]> data, string? thumbprint, DateTime? notAfter, DateTimeOffset? publishedAt)
    {
        var merged = new Dictionary<string, byte[]>(current.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        foreach (var (key, value) in data)
        {
            merged[key] = value;
        }

        var annotations = new Dictionary<string, string>(current.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (thumbprint is not null && notAfter is not null)
        {
            annotations[SecretAnnotations.Thumbprint] = thumbprint;
            annotations[SecretAnnotations.NotAfter] = SecretAnnotations.Timestamp(new DateTimeOffset(notAfter.Value, TimeSpan.Zero));
        }

        if (publishedAt is { } at)
        {
            annotations[SecretAnnotations.PublishedAt] = SecretAnnotations.Timestamp(at);
        }

        return Shaped(current, current, merged, annotations);
    }

    /// <summary>
    /// A Secret to write: the identity (name, namespace, resourceVersion, uid, owners, finalizers) of
    /// <paramref name="identity"/>, the content (type, labels, annotations, data) of <paramref name="content"/>,
    /// with <paramref name="data"/> or <paramref name="annotations"/> instead when given.
    /// </summary>
    internal static V1Secret Shaped(V1Secret identity, V1Secret content, IDictionary<string, byte[]>? data = null, IDictionary<string, string>? annotations = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = content.Type,
        Metadata = new V1ObjectMeta
        {
            Name = identity.Metadata.Name,
            NamespaceProperty = identity.Metadata.NamespaceProperty,
            ResourceVersion = identity.Metadata.ResourceVersion,
            Uid = identity.Metadata.Uid,
            Labels = content.Metadata.Labels,
            Annotations = annotations ?? content.Metadata.Annotations,
            OwnerReferences = identity.Metadata.OwnerReferences,
            Finalizers = identity.Metadata.Finalizers,
        },
        Immutable = content.Immutable,
        Data = data ?? content.Data,
    };

    private static IDictionary<string, string> Annotate(IDictionary<string, string> annotations, PublishPayload payload, DateTimeOffset now)
    {
        annotations[SecretAnnotations.Thumbprint] = payload.Thumbprint;
        annotations[SecretAnnotations.NotAfter] = SecretAnnotations.Timestamp(new DateTimeOffset(payload.NotAfter, TimeSpan.Zero));
        annotations[SecretAnnotations.PublishedAt] = SecretAnnotations.Timestamp(now);
        return annotations;
    }

    /// <summary>The thumbprint and expiry of the leaf in a Secret's tls.crt, when it has a readable one.</summary>
    internal static (string? Thumbprint, DateTime? NotAfter) ReadCurrentCertificate(V1Secret secret)
    {
        if (secret.Data is null || !secret.Data.TryGetValue("tls.crt", out var crt) || crt is null)
        {
            return (null, null);
        }

        var parsed = TlsSecretParser.Parse(crt, null);
        return parsed.Leaf is { } leaf ? (leaf.Thumbprint.ToUpperInvariant(), leaf.NotAfter.ToUniversalTime()) : (null, null);
    }
}

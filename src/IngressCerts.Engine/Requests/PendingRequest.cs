using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IngressCerts.Engine.Publishing;
using k8s.Models;

namespace IngressCerts.Engine.Requests;

/// <summary>
/// A request waiting for its certificate, as its Secret says (never its key): which TLS Secret it is for, the hosts,
/// the subject and key it asked for, the CSR, and when it was made. Nothing in it depends on the kube context, so a
/// request made through one context is completed through any other that reaches the same cluster.
/// </summary>
public sealed record PendingRequest(
    string Namespace,
    string SecretName,
    string? IngressName,
    IReadOnlyList<string> Hosts,
    string Subject,
    RequestKeySpec Key,
    string PublicKeySha256,
    string CsrPem,
    DateTimeOffset CreatedAt,
    string PendingSecretName,
    string ResourceVersion,
    string Uid)
{
    /// <summary>The Gateway to wire the certificate into when the request is completed; null for an Ingress or none.</summary>
    public RequestGateway? Gateway { get; init; }

    public override string ToString() => $"{Namespace}/{SecretName} ({PendingSecretName})";
}

/// <summary>A Gateway a pending request's certificate goes to: its listener (null: those covering the hosts), and whether
/// Complete may create or extend the ReferenceGrant a Secret in another namespace needs.</summary>
public sealed record RequestGateway(string Namespace, string Name, string? Listener, bool GrantReference)
{
    public override string ToString() => $"Gateway {Namespace}/{Name}{(Listener is null ? string.Empty : $" ('{Listener}')")}";
}

/// <summary>How a pending request is kept in the cluster: a Secret of its own type beside the TLS Secret it is for.</summary>
public static class PendingRequestSecret
{
    /// <summary>Its own type, so inventories listing kubernetes.io/tls never see it and nothing mounts it by mistake.</summary>
    public const string Type = "ingresscerts.io/pending-key";

    /// <summary>The data key holding the private key, PKCS#8 PEM.</summary>
    public const string KeyField = "tls.key";

    /// <summary>Label and annotation: the TLS Secret the request is for (label: the name, or a hash when longer than 63).</summary>
    public const string RequestFor = "ingresscerts.io/request-for";

    /// <summary>Label: a hash of the hosts; the annotation of the same key lists them.</summary>
    public const string Hosts = "ingresscerts.io/request-hosts";

    /// <summary>Label: the first 40 hex digits of <see cref="PublicKeySha256"/>, so a certificate finds its request on the server.</summary>
    public const string PublicKeyLabel = "ingresscerts.io/request-key";

    public const string PublicKeySha256 = "ingresscerts.io/public-key-sha256";
    public const string Ingress = "ingresscerts.io/request-ingress";

    /// <summary>Annotation: the Gateway to wire, as namespace/name.</summary>
    public const string Gateway = "ingresscerts.io/request-gateway";

    /// <summary>Annotation: the Gateway listener to wire (absent: the listeners whose hostname covers the hosts).</summary>
    public const string Listener = "ingresscerts.io/request-listener";

    /// <summary>Annotation "true": Complete creates or extends the ReferenceGrant the Gateway needs.</summary>
    public const string GrantReference = "ingresscerts.io/request-grant-reference";
    public const string Subject = "ingresscerts.io/request-subject";
    public const string KeySpec = "ingresscerts.io/request-key-spec";
    public const string RequestedAt = "ingresscerts.io/requested-at";
    public const string Csr = "ingresscerts.io/csr";

    private const string Suffix = "-pending-key";

    /// <summary>
    /// The pending Secret's name for a target: one name per TLS Secret, so that the API server's AlreadyExists decides
    /// between two requests made at once (a create is atomic), and a later run finds it without a list.
    /// </summary>
    public static string NameFor(string secretName)
    {
        ArgumentNullException.ThrowIfNull(secretName);
        if (secretName.Length + Suffix.Length <= 253)
        {
            return secretName + Suffix;
        }

        string hash = "-" + Hash(secretName)[..10];
        return secretName[..(253 - Suffix.Length - hash.Length)].TrimEnd('-', '.') + hash + Suffix;
    }

    /// <summary>The label selector of every pending request (type is filtered by a field selector too).</summary>
    public const string Selector = RequestFor;

    /// <summary>The label selector of the request for a certificate whose public key hashes to <paramref name="publicKeySha256"/>.</summary>
    public static string SelectorForKey(string publicKeySha256) => $"{PublicKeyLabel}={KeyLabel(publicKeySha256)}";

    /// <summary>The Secret to create for <paramref name="key"/>; its data is the key's PEM bytes themselves (not a copy).</summary>
    internal static V1Secret Build(string ns, string secretName, string? ingressName, RequestKey key, DateTimeOffset now, RequestGateway? gateway = null)
    {
        string hosts = string.Join(",", key.Hosts.All);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = Type,
            Metadata = new V1ObjectMeta
            {
                Name = NameFor(secretName),
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>
                {
                    [RequestFor] = SecretAnnotations.HistoryLabelValue(secretName),
                    [Hosts] = Hash(hosts)[..40].ToLowerInvariant(),
                    [PublicKeyLabel] = KeyLabel(key.PublicKeySha256),
                    ["app.kubernetes.io/managed-by"] = "ingresscerts",
                },
                Annotations = new Dictionary<string, string>
                {
                    [RequestFor] = secretName,
                    [Hosts] = hosts,
                    [PublicKeySha256] = key.PublicKeySha256,
                    [Subject] = key.Subject.Name,
                    [KeySpec] = $"{key.Spec.Algorithm} {key.Spec.Size.ToString(CultureInfo.InvariantCulture)}",
                    [RequestedAt] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    [Csr] = key.CsrPem,
                }.Concat(ingressName is null ? [] : new[] { KeyValuePair.Create(Ingress, ingressName) })
                    .Concat(GatewayAnnotations(gateway)).ToDictionary(p => p.Key, p => p.Value),
            },
            Data = new Dictionary<string, byte[]> { [KeyField] = key.Pkcs8Pem.ToArray() },
        };
    }

    /// <summary>The request a Secret holds, or null when it is not a pending request of this module (another type, no annotations).</summary>
    public static PendingRequest? Read(V1Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var a = secret.Metadata?.Annotations;
        if (secret.Type != Type || a is null
            || !a.TryGetValue(RequestFor, out var target) || !a.TryGetValue(PublicKeySha256, out var hash)
            || !a.TryGetValue(KeySpec, out var spec))
        {
            return null;
        }

        string[] specParts = spec.Split(' ');
        var keySpec = specParts.Length == 2 && Enum.TryParse<Certificates.KeyAlgorithm>(specParts[0], out var algorithm)
            && int.TryParse(specParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int size)
            ? new RequestKeySpec(algorithm, size)
            : new RequestKeySpec(Certificates.KeyAlgorithm.Unknown, 0);
        var created = a.TryGetValue(RequestedAt, out var at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : new DateTimeOffset(DateTime.SpecifyKind(secret.Metadata!.CreationTimestamp ?? default, DateTimeKind.Utc));
        return new PendingRequest(
            secret.Metadata!.NamespaceProperty,
            target,
            Value(a, Ingress),
            Value(a, Hosts)?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [],
            Value(a, Subject) ?? string.Empty,
            keySpec,
            hash,
            Value(a, Csr) ?? string.Empty,
            created,
            secret.Metadata.Name,
            secret.Metadata.ResourceVersion ?? string.Empty,
            secret.Metadata.Uid ?? string.Empty)
        {
            Gateway = ReadGateway(a),
        };
    }

    private static IEnumerable<KeyValuePair<string, string>> GatewayAnnotations(RequestGateway? gateway)
    {
        if (gateway is null)
        {
            yield break;
        }

        yield return KeyValuePair.Create(Gateway, $"{gateway.Namespace}/{gateway.Name}");
        if (gateway.Listener is not null)
        {
            yield return KeyValuePair.Create(Listener, gateway.Listener);
        }

        if (gateway.GrantReference)
        {
            yield return KeyValuePair.Create(GrantReference, "true");
        }
    }

    // An annotation that is not namespace/name with valid names (edited by hand) names no Gateway: Complete then needs -GatewayName.
    private static RequestGateway? ReadGateway(IDictionary<string, string> annotations)
    {
        if (Value(annotations, Gateway)?.Split('/') is not [var ns, var name]
            || !System.Text.RegularExpressions.Regex.IsMatch(ns, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
            || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"))
        {
            return null;
        }

        string? listener = Value(annotations, Listener);
        return new RequestGateway(ns, name, string.IsNullOrEmpty(listener) ? null : listener, Value(annotations, GrantReference) == "true");
    }

    private static string? Value(IDictionary<string, string> annotations, string key) => annotations.TryGetValue(key, out var value) ? value : null;

    private static string KeyLabel(string publicKeySha256) => publicKeySha256[..Math.Min(40, publicKeySha256.Length)].ToLowerInvariant();

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>The objects the request cmdlets write, made from what the cluster holds.</summary>
public static class RequestViews
{
    public static CertificateSigningRequest Made(PendingRequest pending, string context) => new()
    {
        Context = context,
        Namespace = pending.Namespace,
        SecretName = pending.SecretName,
        IngressName = pending.IngressName,
        GatewayNamespace = pending.Gateway?.Namespace,
        GatewayName = pending.Gateway?.Name,
        ListenerName = pending.Gateway?.Listener,
        GrantReference = pending.Gateway?.GrantReference ?? false,
        Hosts = pending.Hosts.ToArray(),
        Subject = pending.Subject,
        KeyAlgorithm = pending.Key.Algorithm.ToString(),
        KeySize = pending.Key.Size,
        Csr = pending.CsrPem,
        CreatedAt = pending.CreatedAt,
        PendingSecretName = pending.PendingSecretName,
        PublicKeySha256 = pending.PublicKeySha256,
    };

    public static PendingCertificateRequest Listed(PendingRequest pending, string context, DateTimeOffset now) => new()
    {
        Context = context,
        Namespace = pending.Namespace,
        SecretName = pending.SecretName,
        IngressName = pending.IngressName,
        GatewayNamespace = pending.Gateway?.Namespace,
        GatewayName = pending.Gateway?.Name,
        ListenerName = pending.Gateway?.Listener,
        GrantReference = pending.Gateway?.GrantReference ?? false,
        Hosts = pending.Hosts.ToArray(),
        Subject = pending.Subject,
        KeyAlgorithm = pending.Key.Algorithm.ToString(),
        KeySize = pending.Key.Size,
        CreatedAt = pending.CreatedAt,
        Age = now - pending.CreatedAt,
        PendingSecretName = pending.PendingSecretName,
        PublicKeySha256 = pending.PublicKeySha256,
        Csr = pending.CsrPem,
    };
}

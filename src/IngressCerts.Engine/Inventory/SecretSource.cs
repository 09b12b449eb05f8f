namespace IngressCerts.Engine.Inventory;

/// <summary>What a Secret lookup found: the Secret's data, or why there is none.</summary>
public sealed record SecretLookup(
    SecretLookupOutcome Outcome,
    string Namespace,
    string Name,
    string? Type = null,
    IDictionary<string, byte[]>? Data = null,
    IDictionary<string, string>? Annotations = null,
    string? Message = null)
{
    /// <summary>
    /// For a certificate an object carries itself (a Route's spec.tls), copied to a Secret's tls.* keys: the fields its
    /// values came from, which findings name. Null for a Secret.
    /// </summary>
    public Certificates.SecretFields? InlineFields { get; init; }

    public static SecretLookup NotFound(string ns, string name) => new(SecretLookupOutcome.NotFound, ns, name);

    public static SecretLookup Forbidden(string ns, string name, string message) => new(SecretLookupOutcome.Forbidden, ns, name, Message: message);

    public static SecretLookup Found(string ns, string name, string? type, IDictionary<string, byte[]>? data, IDictionary<string, string>? annotations) =>
        new(SecretLookupOutcome.Found, ns, name, type, data ?? new Dictionary<string, byte[]>(), annotations);
}

public enum SecretLookupOutcome
{
    Found,
    NotFound,
    Forbidden,
}

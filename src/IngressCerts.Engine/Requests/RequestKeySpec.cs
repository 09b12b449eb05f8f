using System.Globalization;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Requests;

/// <summary>
/// The key a request makes: RSA 2048, 3072 or 4096, or ECDSA on P-256 or P-384. <see cref="Size"/> is the RSA modulus
/// length or the curve's field size (256, 384), as Get-IngressCertificate reports KeySize.
/// </summary>
public sealed record RequestKeySpec(KeyAlgorithm Algorithm, int Size)
{
    /// <summary>What a request makes when neither the user nor the current certificate says otherwise.</summary>
    public static readonly RequestKeySpec Default = new(KeyAlgorithm.ECDSA, 256);

    private static readonly int[] RsaSizes = [2048, 3072, 4096];
    private static readonly int[] EcSizes = [256, 384];

    /// <summary>The curve's name (P-256, P-384) for ECDSA, else null.</summary>
    public string? Curve => Algorithm == KeyAlgorithm.ECDSA ? $"P-{Size}" : null;

    /// <summary>"RSA 3072", "ECDSA P-256".</summary>
    public override string ToString() => Algorithm == KeyAlgorithm.ECDSA ? $"ECDSA {Curve}" : $"{Algorithm} {Size}";

    /// <summary>
    /// With its article, for a sentence: "an RSA 3072", "an ECDSA P-256". Acronyms are read letter by letter, so the
    /// article follows the sound of the first letter's name (an R, an E), not of the letter.
    /// </summary>
    public string WithArticle()
    {
        string text = ToString();
        return ("AEFHILMNORSX".Contains(char.ToUpperInvariant(text[0]), StringComparison.Ordinal) ? "an " : "a ") + text;
    }

    /// <summary>
    /// The key to make: -KeyAlgorithm and -KeySize as given, else the current certificate's algorithm and size (when
    /// they are ones a request can make), else <see cref="Default"/>. Null, with <paramref name="error"/>, when the user's
    /// choice is not one of the keys a request makes.
    /// </summary>
    /// <param name="algorithm">"RSA" or "ECDSA" (any case), or null.</param>
    /// <param name="size">2048, 3072, 4096, or P-256, P-384 (also 256, 384, nistP256, secp384r1), or null.</param>
    /// <param name="currentAlgorithm">The current certificate's key algorithm, as Get-IngressCertificate reports it.</param>
    /// <param name="currentSize">The current certificate's key size, as Get-IngressCertificate reports it.</param>
    public static RequestKeySpec? Resolve(string? algorithm, string? size, string? currentAlgorithm, int? currentSize, out string? error)
    {
        error = null;
        KeyAlgorithm? chosen = null;
        if (!string.IsNullOrWhiteSpace(algorithm))
        {
            chosen = ParseAlgorithm(algorithm);
            if (chosen is null)
            {
                error = $"-KeyAlgorithm '{algorithm}' is not RSA or ECDSA";
                return null;
            }
        }

        int? chosenSize = null;
        if (!string.IsNullOrWhiteSpace(size))
        {
            chosenSize = ParseSize(size);
            if (chosenSize is null)
            {
                error = $"-KeySize '{size}' is not 2048, 3072, 4096 (RSA) or P-256, P-384 (ECDSA)";
                return null;
            }

            // A size names its algorithm: 3072 is RSA, P-384 is ECDSA.
            var implied = RsaSizes.Contains(chosenSize.Value) ? KeyAlgorithm.RSA : KeyAlgorithm.ECDSA;
            if (chosen is { } a && a != implied)
            {
                error = $"-KeySize '{size}' is not a size of {a} keys (RSA: 2048, 3072, 4096; ECDSA: P-256, P-384)";
                return null;
            }

            chosen = implied;
        }

        var current = FromCurrent(currentAlgorithm, currentSize);
        if (chosen is null)
        {
            return current ?? Default;
        }

        if (chosenSize is { } s)
        {
            return new RequestKeySpec(chosen.Value, s);
        }

        // Only the algorithm given: the current size when the current key is of that algorithm, else its smallest size.
        return current is not null && current.Algorithm == chosen ? current
            : new RequestKeySpec(chosen.Value, chosen == KeyAlgorithm.RSA ? RsaSizes[0] : EcSizes[0]);
    }

    /// <summary>The current certificate's key when a request can make one like it (an RSA 1024 key or Ed25519 cannot be).</summary>
    private static RequestKeySpec? FromCurrent(string? algorithm, int? size)
    {
        var a = algorithm is null ? null : ParseAlgorithm(algorithm);
        if (a is null || size is not { } s)
        {
            return null;
        }

        return (a == KeyAlgorithm.RSA ? RsaSizes : EcSizes).Contains(s) ? new RequestKeySpec(a.Value, s) : null;
    }

    private static KeyAlgorithm? ParseAlgorithm(string text) => text.Trim().ToUpperInvariant() switch
    {
        "RSA" => KeyAlgorithm.RSA,
        "ECDSA" or "EC" or "ECC" => KeyAlgorithm.ECDSA,
        _ => null,
    };

    private static int? ParseSize(string text)
    {
        string t = text.Trim().ToUpperInvariant().Replace("-", string.Empty, StringComparison.Ordinal);
        t = t switch
        {
            "P256" or "NISTP256" or "SECP256R1" or "PRIME256V1" => "256",
            "P384" or "NISTP384" or "SECP384R1" => "384",
            _ => t,
        };
        return int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && (RsaSizes.Contains(n) || EcSizes.Contains(n)) ? n : null;
    }
}

using System.Globalization;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Bounds the key-derivation work a PFX can ask for before any of it is done. Every password-based step of a PFX
/// (the MAC, each encrypted content, each shrouded key) runs its KDF for as many iterations as the file says, so a
/// 50-million-iteration file costs minutes of CPU that Ctrl+C cannot stop. The iterations of all steps together
/// must stay within <see cref="TotalLimit"/>, the limit .NET applies to PFX files loaded without a password.
/// </summary>
/// <remarks>
/// The counts of the MAC, the encrypted contents and the key bags outside them are read from the structure before any
/// key is derived. Key bags inside an encrypted content are only visible once it is decrypted: each content is
/// decrypted (its cost already counted and bounded) and its bags counted before the PFX is handed to .NET or
/// BouncyCastle. Between steps the cancellation token is checked, so no step runs more than the limit allows.
/// </remarks>
internal static class PfxIterationLimit
{
    /// <summary>.NET's default Pkcs12UnspecifiedPasswordIterationLimit: 600,000 iterations across the whole PFX.</summary>
    public const long TotalLimit = 600_000;

    /// <summary>Throws when the PFX asks for more than <see cref="TotalLimit"/> iterations; leaves malformed input to the readers.</summary>
    /// <param name="source">What to call the PFX in the message (its file name).</param>
    /// <exception cref="CertificateBundleException">The iteration count exceeds the limit.</exception>
    /// <exception cref="OperationCanceledException">The token fired between two steps.</exception>
    public static void Check(ReadOnlySpan<byte> pfx, ReadOnlySpan<char> password, string source, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Pfx structure;
        IReadOnlyList<ContentInfo> contents;
        try
        {
            // An empty input reads as no object at all (null), not as an error.
            if (pfx.IsEmpty || Pfx.GetInstance(Asn1Object.FromByteArray(pfx.ToArray())) is not { } read
                || AuthenticatedSafe.GetInstance(Asn1Object.FromByteArray(Octets(read.AuthSafe))) is not { } safe)
            {
                return;
            }

            structure = read;
            contents = safe.GetContentInfo();
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or InvalidOperationException)
        {
            // Not a PFX: the readers say so in their own words.
            return;
        }

        var total = new Budget(source);
        total.Add(structure.MacData is { } mac ? Count(mac.IterationCount) : 0);
        var encrypted = new List<EncryptedData>();
        foreach (var content in contents)
        {
            if (PkcsObjectIdentifiers.Data.Equals(content.ContentType))
            {
                CountKeyBags(SafeBagsOf(Octets(content)), total);
            }
            else if (PkcsObjectIdentifiers.EncryptedData.Equals(content.ContentType))
            {
                var data = EncryptedData.GetInstance(content.Content);
                total.Add(Iterations(data.EncryptionAlgorithm));
                encrypted.Add(data);
            }
        }

        var passwordChars = password.ToArray();
        try
        {
            foreach (var data in encrypted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Decrypt(data, passwordChars) is { } plain)
                {
                    CountKeyBags(SafeBagsOf(plain), total);
                }
            }
        }
        finally
        {
            Array.Clear(passwordChars);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private static void CountKeyBags(IEnumerable<SafeBag> bags, Budget total)
    {
        foreach (var bag in bags)
        {
            if (PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag.Equals(bag.BagID))
            {
                total.Add(Iterations(EncryptedPrivateKeyInfo.GetInstance(bag.BagValue).EncryptionAlgorithm));
            }
        }
    }

    /// <summary>PBES2 with PBKDF2, or the PKCS#12 and PKCS#5 v1 schemes (salt, iterations); 0 for what derives nothing known.</summary>
    /// <summary>The key-derivation iterations a PBE algorithm (PBES2/PBKDF2, PKCS#12 or PKCS#5 v1) asks for; 0 when it names none.</summary>
    internal static long Iterations(AlgorithmIdentifier algorithm)
    {
        if (PkcsObjectIdentifiers.IdPbeS2.Equals(algorithm.Algorithm))
        {
            var kdf = PbeS2Parameters.GetInstance(algorithm.Parameters).KeyDerivationFunc;
            return PkcsObjectIdentifiers.IdPbkdf2.Equals(kdf.Algorithm) ? Count(Pbkdf2Params.GetInstance(kdf.Parameters).IterationCount) : 0;
        }

        return algorithm.Parameters is Asn1Sequence { Count: 2 } parameters && parameters[1] is DerInteger count ? Count(count.Value) : 0;
    }

    /// <summary>The decrypted SafeContents of an encrypted content, or null when the password does not open it (the readers then report that).</summary>
    private static byte[]? Decrypt(EncryptedData data, char[] password)
    {
        try
        {
            var algorithm = data.EncryptionAlgorithm;
            var cipher = (IBufferedCipher)PbeUtilities.CreateEngine(algorithm);
            cipher.Init(false, PbeUtilities.GenerateCipherParameters(algorithm, password, wrongPkcs12Zero: false));
            return cipher.DoFinal(data.Content.GetOctets());
        }
        catch (Exception e) when (e is InvalidCipherTextException or ArgumentException or InvalidCastException or SecurityUtilityException or DataLengthException)
        {
            return null;
        }
    }

    private static long Count(Org.BouncyCastle.Math.BigInteger value) => value.SignValue <= 0 ? 0 : value.BitLength > 62 ? long.MaxValue : value.LongValue;

    private static byte[] Octets(ContentInfo content) => Asn1OctetString.GetInstance(content.Content).GetOctets();

    private static IEnumerable<SafeBag> SafeBagsOf(byte[] safeContents)
    {
        Asn1Sequence sequence;
        try
        {
            sequence = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(safeContents));
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            return [];
        }

        return sequence.Cast<Asn1Encodable>().Select(SafeBag.GetInstance);
    }

    /// <summary>The running total, refused as soon as it passes the limit.</summary>
    private sealed class Budget(string source)
    {
        private long total;

        public void Add(long iterations)
        {
            total = iterations > long.MaxValue - total ? long.MaxValue : total + iterations;
            if (total > TotalLimit)
            {
                throw new CertificateBundleException(string.Create(CultureInfo.InvariantCulture,
                    $"{source} asks for more than {TotalLimit:N0} key-derivation iterations in all (at least {total:N0}), more than .NET allows for a PFX; it was not read. Export it again with a usual iteration count (2,048 is common)."));
            }
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// Opens an encrypted PKCS#8 key (<c>ENCRYPTED PRIVATE KEY</c>) with its password, so that it can be published
/// unencrypted: ingress controllers cannot read an encrypted key. Messages never quote the key or the password.
/// </summary>
public static class EncryptedKeyReader
{
    private const string Label = "ENCRYPTED PRIVATE KEY";

    /// <summary>
    /// The key as unencrypted PKCS#8 PEM bytes, which the caller must wipe; a key that is not encrypted comes back
    /// as a copy, unchanged.
    /// </summary>
    /// <exception cref="CertificateBundleException">The password does not open the key, or the key cannot be read.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> keyPem, ReadOnlySpan<char> password)
    {
        var text = new char[Encoding.UTF8.GetMaxCharCount(keyPem.Length)];
        byte[]? der = null;
        char[] passwordChars = password.ToArray();
        byte[]? pkcs8 = null;
        try
        {
            int length = Encoding.UTF8.GetChars(keyPem, text);
            ReadOnlySpan<char> rest = text.AsSpan(0, length);
            while (PemEncoding.TryFind(rest, out var fields))
            {
                if (rest[fields.Label].SequenceEqual(Label))
                {
                    der = new byte[fields.DecodedDataLength];
                    if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out _))
                    {
                        throw new CertificateBundleException($"the private key's {Label} block is not valid base64");
                    }

                    break;
                }

                rest = rest[fields.Location.End..];
            }

            if (der is null)
            {
                // Not a PKCS#8 encrypted key: the reader judges it as it is (an old "Proc-Type: 4,ENCRYPTED" key is refused there).
                return keyPem.ToArray();
            }

            // Before any key is derived: a key that asks for more iterations than a whole PFX may is refused, as a
            // hostile PFX is (a crafted file could otherwise hold Publish for minutes, and Ctrl+C cannot stop it).
            long iterations;
            try
            {
                iterations = PfxIterationLimit.Iterations(Org.BouncyCastle.Asn1.Pkcs.EncryptedPrivateKeyInfo.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(der)).EncryptionAlgorithm);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidCastException or IOException)
            {
                iterations = 0; // Not readable as an encrypted key: the decryption below says so.
            }

            if (iterations > PfxIterationLimit.TotalLimit)
            {
                throw new CertificateBundleException(
                    $"the encrypted private key asks for {iterations:N0} key-derivation iterations, more than the {PfxIterationLimit.TotalLimit:N0} allowed; re-encrypt it with fewer");
            }

            try
            {
                // BouncyCastle's key object cannot be wiped; it is dropped at once and only our PKCS#8 buffer lives on.
                var key = PrivateKeyFactory.DecryptKey(passwordChars, der);
                pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new CertificateBundleException(passwordChars.Length == 0
                    ? "the private key is encrypted and no -KeyPassword was given"
                    : "-KeyPassword does not decrypt the private key (the password is wrong, or the key's encryption is not supported)");
            }

            char[] pem = PemEncoding.Write("PRIVATE KEY", pkcs8);
            try
            {
                return Encoding.ASCII.GetBytes(pem);
            }
            finally
            {
                Array.Clear(pem);
            }
        }
        finally
        {
            Array.Clear(text);
            Array.Clear(passwordChars);
            if (der is not null)
            {
                CryptographicOperations.ZeroMemory(der);
            }

            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>Reads certificates given as a file path (PEM or DER) or as PEM text: CAs and trusted roots.</summary>
public static class CertificateSourceReader
{
    private const string PemMarker = "-----BEGIN CERTIFICATE-----";

    /// <exception cref="InvalidDataException">Neither a readable file nor PEM text, or no certificate in it.</exception>
    public static X509Certificate2Collection Read(string pathOrPem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            if (pathOrPem.Contains(PemMarker, StringComparison.Ordinal))
            {
                collection.ImportFromPem(pathOrPem);
            }
            else if (File.Exists(pathOrPem))
            {
                string text = File.ReadAllText(pathOrPem);
                if (text.Contains(PemMarker, StringComparison.Ordinal))
                {
                    collection.ImportFromPem(text);
                }
                else
                {
                    byte[] der = File.ReadAllBytes(pathOrPem);
                    if (der.Length == 0)
                    {
                        throw new InvalidDataException($"'{pathOrPem}' is empty.");
                    }

                    collection.Add(new X509Certificate2(der));
                }
            }
            else
            {
                string shown = pathOrPem.Length <= 60 ? pathOrPem : pathOrPem[..60] + "...";
                throw new InvalidDataException($"'{shown}' is neither an existing file nor PEM text.");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException($"no readable certificate: {ex.Message}", ex);
        }

        if (collection.Count == 0)
        {
            throw new InvalidDataException("it holds no certificate.");
        }

        return collection;
    }
}

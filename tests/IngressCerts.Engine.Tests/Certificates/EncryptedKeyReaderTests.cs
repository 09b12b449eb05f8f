using System.Security.Cryptography;
using System.Text;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Tests.Certificates;

public sealed class EncryptedKeyReaderTests
{
    private static byte[] Encrypted(ECDsa key, string password, int iterations) =>
        Encoding.ASCII.GetBytes(key.ExportEncryptedPkcs8PrivateKeyPem(password.AsSpan(),
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, iterations)));

    [Fact]
    public void An_encrypted_key_opens_with_its_password_as_unencrypted_PKCS8()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] pem = EncryptedKeyReader.Decrypt(Encrypted(key, "pw", 2048), "pw".AsSpan());

        using var opened = ECDsa.Create();
        opened.ImportFromPem(Encoding.ASCII.GetString(pem));
        Assert.Equal(key.ExportParameters(false).Q.X, opened.ExportParameters(false).Q.X);
    }

    [Fact]
    public void A_key_asking_for_more_iterations_than_a_PFX_may_is_refused_before_any_is_run()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] slow = Encrypted(key, "pw", 700_000);

        var error = Assert.Throws<CertificateBundleException>(() => EncryptedKeyReader.Decrypt(slow, "pw".AsSpan()));

        Assert.Contains("700,000 key-derivation iterations", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_password_is_a_clean_error_that_shows_neither_key_nor_password()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var error = Assert.Throws<CertificateBundleException>(() => EncryptedKeyReader.Decrypt(Encrypted(key, "right-pw", 2048), "wrong-pw".AsSpan()));

        Assert.Contains("does not decrypt", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pw", error.Message, StringComparison.Ordinal);
    }
}

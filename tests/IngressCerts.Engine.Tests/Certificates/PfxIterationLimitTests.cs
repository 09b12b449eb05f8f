using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;
using static IngressCerts.Engine.Tests.Certificates.SharedPki;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>
/// A PFX may ask for any number of key-derivation iterations; more than .NET's 600,000 in all is refused before any
/// key is derived, on the .NET path and the BouncyCastle fallback alike.
/// </summary>
public class PfxIterationLimitTests
{
    private const string Password = "pfx-pass";

    /// <summary>A real PFX whose every password-based step (MAC, certificate content, key) runs <paramref name="iterations"/> times.</summary>
    private static byte[] ExportedPfx(TestCert leaf, int iterations)
    {
        using var withKey = leaf.WithPrivateKey();
        return withKey.ExportPkcs12(new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, iterations), Password);
    }

    /// <summary>
    /// The shape of a PFX whose MAC and encrypted content ask for <paramref name="iterations"/> PBKDF2 rounds, with
    /// random bytes for the ciphertext and MAC: deriving even one key from it would take minutes, so only a refusal
    /// made before any derivation lets the test finish at once.
    /// </summary>
    private static byte[] PfxShape(int iterations)
    {
        var pbes2 = new AsnWriter(AsnEncodingRules.DER);
        using (pbes2.PushSequence())
        {
            pbes2.WriteObjectIdentifier("1.2.840.113549.1.5.13");
            using (pbes2.PushSequence())
            {
                using (pbes2.PushSequence())
                {
                    pbes2.WriteObjectIdentifier("1.2.840.113549.1.5.12");
                    using (pbes2.PushSequence())
                    {
                        pbes2.WriteOctetString(RandomNumberGenerator.GetBytes(8));
                        pbes2.WriteInteger(iterations);
                        using (pbes2.PushSequence())
                        {
                            pbes2.WriteObjectIdentifier("1.2.840.113549.2.9");
                            pbes2.WriteNull();
                        }
                    }
                }

                using (pbes2.PushSequence())
                {
                    pbes2.WriteObjectIdentifier("2.16.840.1.101.3.4.1.42");
                    pbes2.WriteOctetString(RandomNumberGenerator.GetBytes(16));
                }
            }
        }

        var authenticatedSafe = new AsnWriter(AsnEncodingRules.DER);
        using (authenticatedSafe.PushSequence())
        using (authenticatedSafe.PushSequence())
        {
            authenticatedSafe.WriteObjectIdentifier("1.2.840.113549.1.7.6");
            using (authenticatedSafe.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (authenticatedSafe.PushSequence())
            {
                authenticatedSafe.WriteInteger(0);
                using (authenticatedSafe.PushSequence())
                {
                    authenticatedSafe.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                    authenticatedSafe.WriteEncodedValue(pbes2.Encode());
                    authenticatedSafe.WriteOctetString(RandomNumberGenerator.GetBytes(64), new Asn1Tag(TagClass.ContextSpecific, 0));
                }
            }
        }

        var pfx = new AsnWriter(AsnEncodingRules.DER);
        using (pfx.PushSequence())
        {
            pfx.WriteInteger(3);
            using (pfx.PushSequence())
            {
                pfx.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                using (pfx.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    pfx.WriteOctetString(authenticatedSafe.Encode());
                }
            }

            using (pfx.PushSequence())
            {
                using (pfx.PushSequence())
                {
                    using (pfx.PushSequence())
                    {
                        pfx.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                        pfx.WriteNull();
                    }

                    pfx.WriteOctetString(RandomNumberGenerator.GetBytes(32));
                }

                pfx.WriteOctetString(RandomNumberGenerator.GetBytes(20));
                pfx.WriteInteger(iterations);
            }
        }

        return pfx.Encode();
    }

    [Fact]
    public async Task A_PFX_asking_for_50_million_iterations_is_refused_before_any_key_is_derived()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ic-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, PfxShape(50_000_000));
        try
        {
            var watch = Stopwatch.StartNew();
            var refusal = Task.Run(() => Assert.Throws<CertificateBundleException>(() => CertificateBundle.FromPfxFile(path, Password)));

            Assert.Same(refusal, await Task.WhenAny(refusal, Task.Delay(TimeSpan.FromSeconds(10))));
            var error = await refusal;
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("600,000", error.Message, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Iterations_are_counted_across_the_whole_PFX_as_NET_does()
    {
        // 400,000 for the MAC and as many for the content: each within .NET's limit, 800,000 together.
        var error = Assert.Throws<CertificateBundleException>(() => CertificateBundle.FromPfx(PfxShape(400_000), Password));

        Assert.Contains("more than 600,000 key-derivation iterations", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_PFX_with_usual_iteration_counts_is_read()
    {
        using var leaf = Leaf("a.example.com");

        using var bundle = CertificateBundle.FromPfx(ExportedPfx(leaf, 2048), Password);

        Assert.True(bundle.KeyMatchesLeaf);
    }

    [Fact]
    public void Reading_a_PFX_stops_when_cancelled()
    {
        using var leaf = Leaf("a.example.com");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => CertificateBundle.FromPfx(ExportedPfx(leaf, 2048), Password, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void A_PFX_that_needs_a_password_says_so_when_none_is_given()
    {
        using var leaf = Leaf("a.example.com");

        var error = Assert.Throws<CertificateBundleException>(() => CertificateBundle.FromPfx(ExportedPfx(leaf, 2048), ReadOnlySpan<char>.Empty));

        Assert.Contains("without a password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x00 })]
    [InlineData(new byte[] { 0x04, 0x01, 0x00 })]
    public void Input_that_is_no_PFX_structure_is_a_clean_refusal_not_a_crash(byte[] notPfx)
    {
        // Empty input once reached the iteration count as a null structure: a NullReferenceException, not an error.
        var error = Assert.Throws<CertificateBundleException>(() => CertificateBundle.FromPfx(notPfx, "secret".AsSpan()));
        Assert.DoesNotContain("Object reference", error.Message, StringComparison.Ordinal);
    }
}

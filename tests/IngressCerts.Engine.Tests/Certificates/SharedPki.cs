using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Tests.Certificates;

/// <summary>
/// One CA → intermediate chain shared by the tests that only need leaves under it
/// (making keys is the slow part), plus helpers to parse and evaluate secrets.
/// </summary>
public static class SharedPki
{
    private static readonly Lazy<TestCert> LazyRoot = new(() => TestPki.Root());
    private static readonly Lazy<TestCert> LazyIntermediate = new(() => TestPki.Intermediate(Root));

    public static TestCert Root => LazyRoot.Value;

    public static TestCert Intermediate => LazyIntermediate.Value;

    /// <summary>A leaf for <paramref name="dnsNames"/> issued by <see cref="Intermediate"/>.</summary>
    public static TestCert Leaf(params string[] dnsNames) => TestPki.Leaf(Intermediate, dnsNames);

    public static TestCert Leaf(CertSpec spec) => TestPki.Issue(spec, Intermediate);

    /// <summary>tls.crt as controllers want it: leaf, then intermediate.</summary>
    public static string ChainPem(TestCert leaf) => TestPki.Pem(leaf, Intermediate);

    public static ParsedTlsSecret Parse(string? crt, string? key, string? ca = null) =>
        TlsSecretParser.Parse(crt is null ? null : TestPki.Bytes(crt), key is null ? null : TestPki.Bytes(key), ca is null ? null : TestPki.Bytes(ca));

    /// <summary>Evaluates with <see cref="Root"/> as an extra trusted root, at <see cref="TestPki.Now"/> unless told.</summary>
    public static CertificateEvaluation Evaluate(string? crt, string? key, string[] hosts, DateTimeOffset? asOf = null, int expiringWithinDays = 30) =>
        new CertificateEvaluator(asOf ?? TestPki.Now, expiringWithinDays, [Root.Certificate]).Evaluate(Parse(crt, key), hosts);

    /// <summary>Evaluates a well-formed secret for <paramref name="leaf"/> (leaf + intermediate, its own key).</summary>
    public static CertificateEvaluation Evaluate(TestCert leaf, string[] hosts, DateTimeOffset? asOf = null, int expiringWithinDays = 30) =>
        Evaluate(ChainPem(leaf), leaf.Key.Pkcs8Pem(), hosts, asOf, expiringWithinDays);

    public static IEnumerable<string> Ids(this CertificateEvaluation evaluation) => evaluation.Findings.Select(f => f.Id);

    public static IEnumerable<string> Ids(this ParsedTlsSecret secret) => secret.Problems.Select(f => f.Id);

    public static X509Certificate2[] CertsOf(params TestCert[] certs) => certs.Select(c => c.Certificate).ToArray();
}

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Checks the API server's certificate as kubectl does: it must chain to the kubeconfig's CA alone when one is
/// given (else to the system's roots), and name the host of the server URL, or the cluster's tls-server-name.
/// </summary>
/// <remarks>
/// The client library's own check for a custom CA ignores the name, so anyone holding any certificate from the
/// cluster CA (a kubelet's serving certificate, say) could sit in the middle and read the bearer token and every
/// key being published. This check replaces it on every connection, with or without a CA.
/// </remarks>
internal sealed class ServerIdentityCheck
{
    private readonly X509Certificate2Collection? _authorities;

    private ServerIdentityCheck(string server, string expectedName, X509Certificate2Collection? authorities, bool skip)
    {
        Server = server;
        ExpectedName = expectedName;
        _authorities = authorities;
        SkipsVerification = skip;
    }

    /// <summary>The server URL the connection was configured with.</summary>
    public string Server { get; }

    /// <summary>The name the certificate must carry: tls-server-name, else the host of the server URL.</summary>
    public string ExpectedName { get; }

    /// <summary>True when the kubeconfig asked for insecure-skip-tls-verify: nothing is checked, as with kubectl.</summary>
    public bool SkipsVerification { get; }

    /// <summary>
    /// Takes the CA and the skip flag out of <paramref name="config"/>, so that the library installs no check of its
    /// own, and installs this check on the handler the library builds. The library still sends tls-server-name as
    /// the Host header, from which the handler takes the SNI name.
    /// </summary>
    public static ServerIdentityCheck Install(KubernetesClientConfiguration config)
    {
        var uri = new Uri(config.Host);
        string expected = string.IsNullOrWhiteSpace(config.TlsServerName) ? HostOf(uri) : config.TlsServerName.Trim();
        if (config.SslCaCerts is { Count: 0 } && !config.SkipTlsVerify)
        {
            // certificate-authority(-data) that holds no certificate would trust nothing, and every request would then
            // fail as if the server were unreachable: it is bad configuration, said as such.
            throw new ArgumentException("its certificate-authority holds no certificate.");
        }

        var check = new ServerIdentityCheck(config.Host.TrimEnd('/'), expected, config.SslCaCerts, config.SkipTlsVerify);

        // The library sets its callback after running FirstMessageHandlerSetup, so it must see neither setting.
        config.SslCaCerts = null;
        config.SkipTlsVerify = false;
        var earlier = config.FirstMessageHandlerSetup;
        config.FirstMessageHandlerSetup = handler =>
        {
            earlier?.Invoke(handler);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => check.Validate(certificate, chain, errors);
        };
        return check;
    }

    /// <summary>True when the certificate may be trusted; an untrusted one throws, saying why.</summary>
    /// <exception cref="AuthenticationException">The certificate does not chain to the CA given (or the system's roots).</exception>
    /// <exception cref="ServerNameMismatchException">The chain is trusted but the certificate does not name <see cref="ExpectedName"/>.</exception>
    internal bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (SkipsVerification)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        string? untrusted = _authorities is null ? SystemTrustProblem(chain, errors) : ChainProblem(leaf, chain);
        if (untrusted is not null)
        {
            // Thrown rather than returned: the handler's message for a refusing callback would not say why.
            throw new AuthenticationException(untrusted);
        }

        // Subject alternative names only, without the common-name fallback, as Go's TLS (and so kubectl) checks.
        if (!leaf.MatchesHostname(ExpectedName, allowWildcards: true, allowCommonName: false))
        {
            throw new ServerNameMismatchException(Server, ExpectedName, NamesOf(leaf));
        }

        return true;
    }

    private string? SystemTrustProblem(X509Chain? chain, SslPolicyErrors errors) =>
        (errors & (SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
            ? null
            : $"The certificate of the API server at {Server} is not trusted by this system's roots ({StatusOf(chain)}).";

    /// <summary>Null when the certificate chains to one of the authorities given, else why not.</summary>
    private string? ChainProblem(X509Certificate2 leaf, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // Made out for serving, as Go's TLS (and so kubectl) requires: a client certificate of the same CA, which a
        // user may get with any names through a CertificateSigningRequest, does not vouch for a server.
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        if (presented is not null)
        {
            // The intermediates the server sent.
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }

        return chain.Build(leaf) ? null : $"The certificate of the API server at {Server} does not chain to the certificate authority given ({StatusOf(chain)}).";
    }

    private static string StatusOf(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList();
        return statuses is { Count: > 0 } ? string.Join(", ", statuses) : "no chain";
    }

    /// <summary>The DNS and IP names of the certificate, or its subject when it has none.</summary>
    private static IReadOnlyList<string> NamesOf(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return new[] { $"no subject alternative name (subject {certificate.Subject})" };
        }

        var names = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
        return names.EnumerateDnsNames().Concat(names.EnumerateIPAddresses().Select(ip => ip.ToString())).ToList();
    }

    private static string HostOf(Uri uri)
    {
        string host = uri.IdnHost;
        return host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
    }
}

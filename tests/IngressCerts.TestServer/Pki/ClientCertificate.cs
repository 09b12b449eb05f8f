namespace IngressCerts.TestServer.Pki;

/// <summary>A client certificate issued by the server CA, as PEM (the key is PKCS#8).</summary>
public sealed record ClientCertificate(string UserName, IReadOnlyList<string> Groups, string CertificatePem, string PrivateKeyPem);

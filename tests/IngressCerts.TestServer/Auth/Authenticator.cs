using IngressCerts.TestServer.Pki;
using Microsoft.AspNetCore.Http;

namespace IngressCerts.TestServer.Auth;

/// <summary>
/// x509 then bearer token, like the apiserver's union authenticator. No credentials and unknown
/// credentials both end in 401 (anonymous auth is off).
/// </summary>
internal sealed class Authenticator(UserRegistry users, ServerPki pki)
{
    public KubeUser? Authenticate(HttpContext context)
    {
        if (context.Connection.ClientCertificate is { } certificate && pki.UserOf(certificate) is { } certificateUser)
        {
            return certificateUser;
        }
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return users.FindByToken(header[scheme.Length..].Trim());
        }
        return null;
    }
}

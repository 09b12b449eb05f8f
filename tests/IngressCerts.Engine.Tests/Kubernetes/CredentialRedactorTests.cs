using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Tests.Kubernetes;

/// <summary>What an exec credential plugin's stderr keeps and loses before anyone sees it.</summary>
public sealed class CredentialRedactorTests
{
    [Theory]
    [InlineData("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]")]
    [InlineData("header basic dXNlcjpwYXNz", "header basic [redacted]")]
    [InlineData("got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x done", "got [redacted] done")]
    [InlineData("{\"token\": \"short\", \"expires\": 3}", "{\"token\": [redacted], \"expires\": 3}")]
    [InlineData("{\"access_token\":\"x\",\"refresh_token\":\"y\"}", "{\"access_token\":[redacted],\"refresh_token\":[redacted]}")]
    [InlineData("login password=hunter2&user=me", "login password=[redacted]&user=me")]
    [InlineData("clientSecret: 'a b c' end", "clientSecret: [redacted] end")]
    [InlineData("--token=abc123 --v=4", "--token=[redacted] --v=4")]
    [InlineData("session 0123456789abcdef0123456789abcdef01234567 opened", "session [redacted] opened")]
    [InlineData("key MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 end", "key [redacted] end")]
    public void Token_like_strings_are_redacted(string line, string expected) =>
        Assert.Equal(expected, CredentialRedactor.Redact(line));

    [Theory]
    [InlineData("signing in as test user")]
    [InlineData("To sign in, open https://microsoft.com/devicelogin and enter the code ABCD1234.")]
    [InlineData("/usr/local/google-cloud-sdk/bin/gke-gcloud-auth-plugin: warning: config is stale")]
    [InlineData("token expired, refreshing")]
    public void Ordinary_messages_are_kept(string line) =>
        Assert.Equal(line, CredentialRedactor.Redact(line));
}

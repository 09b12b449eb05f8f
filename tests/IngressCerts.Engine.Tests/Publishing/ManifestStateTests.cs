using System.Text;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Publishing;

/// <summary>A publish to manifest files never takes a target it cannot read for an absent one.</summary>
public sealed class ManifestStateTests : IDisposable
{
    private static readonly PublishTarget Target = new("shop", "shop-tls");
    private static readonly TestCertificates.Issued Shop = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
    private readonly string _dir = Directory.CreateTempSubdirectory("ic-state-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Secret(string body) => $"apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-tls\n  namespace: shop\n{body}";

    [Theory]
    [InlineData("data: just-a-string\n")]
    [InlineData("type: kubernetes.io/tls\ndata:\n  tls.crt: \"%%% not base64\"\n")]
    [InlineData("type: [kubernetes.io/tls]\n")]
    [InlineData("type: kubernetes.io/tls\nimmutable: sometimes\n")]
    public void A_target_secret_that_cannot_be_read_is_a_problem_naming_its_file_not_an_absent_secret(string body)
    {
        string file = Write("secret.yaml", Secret(body));
        var result = ManifestState.Read(new[] { file }, Target);
        Assert.Null(result.State);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(file, problem.File);
        Assert.Contains("Secret shop/shop-tls (line 1) cannot be read", problem.Message);
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_a_problem_because_it_may_hold_the_target()
    {
        string good = Write("a.yaml", Secret("type: kubernetes.io/tls\n"));
        string broken = Write("b.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: shop-tls, namespace: shop\n");
        var result = ManifestState.Read(new[] { good, broken }, Target);
        Assert.Null(result.State);
        Assert.Equal(broken, Assert.Single(result.Problems).File);
        Assert.Contains("It may hold Secret shop/shop-tls", result.Problems[0].Message);
    }

    [Fact]
    public void A_readable_cert_manager_secret_reaches_the_planner_which_refuses_it()
    {
        string file = Write("cm.yaml", Secret("type: kubernetes.io/tls\n").Replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n    cert-manager.io/certificate-name: shop\n"));
        var result = ManifestState.Read(new[] { file }, Target);
        Assert.Empty(result.Problems);
        using var payload = new PublishPayload(Shop.Certificate, Shop.CertificatePem, Encoding.ASCII.GetBytes(Shop.KeyPem));
        var plan = PublishPlanner.Plan(Target, result.State!, payload, new PublishOptions(), DateTimeOffset.UtcNow);
        Assert.Equal("CertManagerManaged", plan.Refusal?.Id);
    }

    [Fact]
    public void Another_secret_that_cannot_be_read_does_not_stop_the_publish()
    {
        string file = Write("other.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: other, namespace: shop}\ndata: just-a-string\n");
        var result = ManifestState.Read(new[] { file }, Target);
        Assert.Empty(result.Problems);
        Assert.Null(result.State!.Secret);
    }

    [Fact]
    public void The_what_if_text_names_the_certificate_and_never_the_key()
    {
        using var payload = new PublishPayload(Shop.Certificate, Shop.CertificatePem, Encoding.ASCII.GetBytes(Shop.KeyPem));
        var plan = PublishPlanner.Plan(Target, new PublishState(null, null), payload, new PublishOptions(), DateTimeOffset.UtcNow);
        string text = ManifestWriter.Describe(plan);
        Assert.Contains(Shop.Certificate.Thumbprint, text);
        Assert.Contains("Secret shop/shop-tls", text);
        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.DoesNotContain(Convert.ToBase64String(Shop.KeyBytes)[..16], text);
        Assert.DoesNotContain("tls.key", text);
    }
}

using IngressCerts.Engine.Inventory;

namespace IngressCerts.Engine.Tests.Inventory;

/// <summary>Why a reference names no Secret is said once, for Sync, Publish and New-IngressCertificateRequest alike.</summary>
public sealed class SecretlessReferenceTests
{
    [Theory]
    [InlineData(SecretWriter.Publish, "Publish does not write spec.tls")]
    [InlineData(SecretWriter.Request, "Complete-IngressCertificateRequest does not write spec.tls")]
    public void An_inline_route_certificate_says_the_writer_does_not_write_it(SecretWriter writer, string expected)
    {
        string why = SecretlessReference.Why("Route", ["InlineCertificate", "Expiring"], writer);
        Assert.Contains(expected, why, StringComparison.Ordinal);
        Assert.Contains("renew it in the Route", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_row_served_the_default_certificate_is_told_to_give_a_secret_name()
    {
        Assert.Contains("Give -SecretName", SecretlessReference.Why("Ingress", ["DefaultCertificate"], SecretWriter.Publish), StringComparison.Ordinal);
        Assert.Contains("Give -SecretName", SecretlessReference.Why(string.Empty, null, SecretWriter.Request), StringComparison.Ordinal);
        foreach (string note in new[] { "Passthrough", "InlineCertificate", "ControllerManagedCertificate" })
        {
            string why = SecretlessReference.Why("Route", [note], SecretWriter.Publish);
            Assert.DoesNotContain("-SecretName", why, StringComparison.Ordinal);
            Assert.DoesNotContain("default certificate", why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_controller_managed_certificate_outside_traefik_is_not_called_traefiks()
    {
        string why = SecretlessReference.Why("Gateway", ["ControllerManagedCertificate"], SecretWriter.Sync);
        Assert.DoesNotContain("Traefik", why, StringComparison.Ordinal);
        Assert.Contains("controller provides this certificate itself", why, StringComparison.Ordinal);
    }
}

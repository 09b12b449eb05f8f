using System.Text;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Publishing;

public sealed class PublishPlannerTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static PublishPayload Payload(TestCertificates.Issued cert) =>
        new(cert.Certificate, cert.CertificatePem, Encoding.ASCII.GetBytes(cert.KeyPem));

    private static V1Secret Existing(TestCertificates.Issued cert, string type = "kubernetes.io/tls", Dictionary<string, string>? annotations = null) => new()
    {
        Type = type,
        Metadata = new V1ObjectMeta { Name = "shop-tls", NamespaceProperty = "shop", ResourceVersion = "7", Annotations = annotations },
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = cert.CertificateBytes, ["tls.key"] = cert.KeyBytes, ["ca.crt"] = new byte[] { 1 } },
    };

    private static V1Ingress Ingress(params V1IngressTLS[] tls) => new()
    {
        Metadata = new V1ObjectMeta { Name = "shop", NamespaceProperty = "shop", ResourceVersion = "3" },
        Spec = new V1IngressSpec
        {
            Tls = tls.ToList(),
            Rules = new List<V1IngressRule> { new() { Host = "shop.contoso.com" }, new() { Host = "api.fabrikam.com" } },
        },
    };

    private static readonly TestCertificates.Issued Shop = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com", "www.contoso.com" });

    [Fact]
    public void A_missing_secret_is_created_with_thumbprint_and_expiry_annotations()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), payload, new PublishOptions(), Now);
        Assert.Equal(PublishAction.Created, plan.SecretAction);
        Assert.Equal("kubernetes.io/tls", plan.SecretToWrite!.Type);
        Assert.Equal(Shop.Certificate.Thumbprint, plan.SecretToWrite.Metadata.Annotations[SecretAnnotations.Thumbprint]);
        Assert.StartsWith("Create Secret shop/shop-tls: " + Shop.Certificate.Thumbprint, plan.Describe()[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_certificate_again_plans_nothing()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(Existing(Shop), null), payload, new PublishOptions(), Now);
        Assert.Equal(PublishAction.Unchanged, plan.SecretAction);
        Assert.False(plan.HasChanges);
    }

    [Fact]
    public void An_update_carries_the_resource_version_read_and_keeps_other_keys()
    {
        var old = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(Existing(old), null), payload, new PublishOptions(), Now);
        Assert.Equal(PublishAction.Updated, plan.SecretAction);
        Assert.Equal("7", plan.SecretToWrite!.Metadata.ResourceVersion);
        Assert.Equal(new byte[] { 1 }, plan.SecretToWrite.Data["ca.crt"]);
        Assert.Equal(old.Certificate.Thumbprint, plan.PreviousThumbprint);
        string text = plan.Describe()[0];
        Assert.Contains($"{old.Certificate.Thumbprint} (expires {old.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}) -> {Shop.Certificate.Thumbprint}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cert_manager_secret_is_refused_unless_forced()
    {
        var annotations = new Dictionary<string, string> { [SecretAnnotations.CertManagerCertificate] = "shop" };
        using var payload = Payload(Shop);
        var old = TestCertificates.Create("CN=old", new[] { "shop.contoso.com" });
        var refused = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(Existing(old, annotations: annotations), null), payload, new PublishOptions(), Now);
        Assert.Equal("CertManagerManaged", refused.Refusal!.Id);
        Assert.False(refused.HasChanges);
        var forced = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(Existing(old, annotations: annotations), null), payload, new PublishOptions(Force: true), Now);
        Assert.Null(forced.Refusal);
    }

    [Fact]
    public void A_secret_of_another_type_is_refused()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(Existing(Shop, type: "Opaque"), null), payload, new PublishOptions(), Now);
        Assert.Equal("SecretTypeMismatch", plan.Refusal!.Id);
    }

    [Fact]
    public void A_secret_whose_cert_and_key_istio_reads_first_is_refused_even_with_force()
    {
        // Istio serves cert and key when both have a value, before tls.crt and tls.key: writing only tls.* would report
        // a publish while Istio kept serving the old certificate.
        var old = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var existing = Existing(old);
        existing.Data["cert"] = old.CertificateBytes;
        existing.Data["key"] = old.KeyBytes;
        using var payload = Payload(Shop);
        foreach (bool force in new[] { false, true })
        {
            var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(existing, null), payload, new PublishOptions(Force: force), Now);
            Assert.Equal("IstioCertKeyPair", plan.Refusal?.Id);
            Assert.False(plan.HasChanges);
            Assert.Contains("shop/shop-tls", plan.Refusal!.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", plan.Refusal.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_secret_whose_generic_pair_istio_would_not_read_is_published()
    {
        // Istio reads cert and key only when both have a value: an empty key (or no key) leaves tls.* the pair it serves.
        var old = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var existing = Existing(old);
        existing.Data["cert"] = old.CertificateBytes;
        existing.Data["key"] = [];
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(existing, null), payload, new PublishOptions(), Now);
        Assert.Null(plan.Refusal);
        Assert.Equal(PublishAction.Updated, plan.SecretAction);
    }

    [Fact]
    public void Hosts_the_certificate_does_not_cover_are_refused()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", Hosts: new[] { "shop.contoso.com", "evil.contoso.com" }), new PublishState(null, null), payload, new PublishOptions(), Now);
        Assert.Equal("HostNotCovered", plan.Refusal!.Id);
        Assert.Contains("evil.contoso.com", plan.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_hosts_the_ingress_rule_hosts_the_certificate_covers_are_wired()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "shop"), new PublishState(null, Ingress()), payload, new PublishOptions(), Now);
        Assert.Equal(new[] { "shop.contoso.com" }, plan.Hosts);
        var entry = Assert.Single(plan.IngressToWrite!.Spec.Tls);
        Assert.Equal("shop-tls", entry.SecretName);
        Assert.Contains(plan.Warnings, w => w.Contains("api.fabrikam.com", StringComparison.Ordinal));
    }

    [Fact]
    public void Wiring_extends_the_entry_of_the_secret_and_leaves_other_entries_alone()
    {
        using var payload = Payload(Shop);
        var other = new V1IngressTLS { Hosts = new List<string> { "api.fabrikam.com" }, SecretName = "api-tls" };
        var own = new V1IngressTLS { Hosts = new List<string> { "www.contoso.com" }, SecretName = "shop-tls" };
        var ingress = Ingress(other, own);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, ingress), payload, new PublishOptions(), Now);
        var tls = plan.IngressToWrite!.Spec.Tls;
        Assert.Equal(2, tls.Count);
        Assert.Equal(new[] { "api.fabrikam.com" }, tls[0].Hosts);
        Assert.Equal(new[] { "www.contoso.com", "shop.contoso.com" }, tls[1].Hosts);
        Assert.Equal("3", plan.IngressToWrite.Metadata.ResourceVersion);
        Assert.Equal(new[] { "www.contoso.com" }, ingress.Spec.Tls[1].Hosts); // the state read is not changed
    }

    [Fact]
    public void An_ingress_already_wired_is_not_written()
    {
        using var payload = Payload(Shop);
        var ingress = Ingress(new V1IngressTLS { Hosts = new List<string> { "shop.contoso.com" }, SecretName = "shop-tls" });
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "shop"), new PublishState(Existing(Shop), ingress), payload, new PublishOptions(), Now);
        Assert.Null(plan.IngressToWrite);
        Assert.Equal(PublishAction.Unchanged, plan.SecretAction);
    }

    [Fact]
    public void A_secret_of_another_type_is_refused_even_with_force_since_a_type_cannot_change()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(Existing(Shop, type: "Opaque"), null), payload, new PublishOptions(Force: true), Now);
        Assert.Equal("SecretTypeMismatch", plan.Refusal!.Id);
        Assert.DoesNotContain("-Force", plan.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wiring_only_the_ingress_is_an_update_that_leaves_the_certificate_alone_and_records_the_publish()
    {
        using var payload = Payload(Shop);
        var existing = Existing(Shop, annotations: new Dictionary<string, string> { [SecretAnnotations.PublishedAt] = "2020-01-01T00:00:00Z" });
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "shop"), new PublishState(existing, Ingress()), payload, new PublishOptions(), Now);
        Assert.Equal(PublishAction.Unchanged, plan.SecretAction);
        Assert.Equal(PublishAction.Updated, plan.Action);

        // Only the record changes (so Undo knows this publish changed nothing but the Ingress): same data, same version.
        Assert.Equal(existing.Data, plan.SecretToWrite!.Data);
        Assert.Equal("7", plan.SecretToWrite.Metadata.ResourceVersion);
        Assert.Equal("2020-01-01T00:00:00Z", plan.SecretToWrite.Metadata.Annotations[SecretAnnotations.PublishedAt]);
        var record = PublishRecord.Read(plan.SecretToWrite)!;
        Assert.Equal(PublishAction.Unchanged, record.SecretAction);
        Assert.Equal("shop", record.IngressName);
        Assert.DoesNotContain(plan.Describe(), line => line.Contains("Secret shop/shop-tls:", StringComparison.Ordinal));
        Assert.Contains(plan.Describe(), line => line.StartsWith("Annotate Secret shop/shop-tls", StringComparison.Ordinal));
    }

    [Fact]
    public void A_host_listed_under_another_secret_moves_to_the_published_one()
    {
        using var payload = Payload(Shop);
        var old = new V1IngressTLS { Hosts = new List<string> { "shop.contoso.com", "api.fabrikam.com" }, SecretName = "old-tls" };
        var gone = new V1IngressTLS { Hosts = new List<string> { "www.contoso.com" }, SecretName = "www-tls" };
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com", "www.contoso.com" }), new PublishState(null, Ingress(old, gone)), payload, new PublishOptions(), Now);
        var tls = plan.IngressToWrite!.Spec.Tls;
        Assert.Equal(2, tls.Count);
        Assert.Equal(new[] { "api.fabrikam.com" }, tls[0].Hosts);
        Assert.Equal("shop-tls", tls[1].SecretName);
        Assert.Equal(new[] { "shop.contoso.com", "www.contoso.com" }, tls[1].Hosts);
        Assert.Equal(2, plan.Warnings.Count(w => w.Contains("moved", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_created_secret_records_the_publish_for_undo_without_key_material()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), payload, new PublishOptions(), Now);
        var record = PublishRecord.Read(plan.SecretToWrite!)!;
        Assert.Equal(PublishAction.Created, record.SecretAction);
        Assert.Equal(Shop.Certificate.Thumbprint, record.Thumbprint);
        Assert.Equal(new[] { "tls.crt", "tls.key" }, record.DataKeys);
        Assert.Null(record.IngressName);
        Assert.Equal(plan.PublishId, record.Id);
        Assert.Null(record.ChangeSince(plan.SecretToWrite!));
        Assert.DoesNotContain("PRIVATE", plan.SecretToWrite!.Metadata.Annotations[SecretAnnotations.LastPublish], StringComparison.Ordinal);
    }

    [Fact]
    public void Wiring_records_on_the_ingress_what_it_added_and_where_moved_hosts_came_from()
    {
        using var payload = Payload(Shop);
        var old = new V1IngressTLS { Hosts = new List<string> { "shop.contoso.com", "api.fabrikam.com" }, SecretName = "old-tls" };
        var gone = new V1IngressTLS { Hosts = new List<string> { "www.contoso.com" }, SecretName = "www-tls" };
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com", "www.contoso.com" }), new PublishState(null, Ingress(old, gone)), payload, new PublishOptions(), Now);

        var wiring = WiringRecord.ReadAll(plan.IngressToWrite!)["shop-tls"];
        Assert.Equal(plan.PublishId, wiring.Id);
        Assert.Equal(new[] { "shop.contoso.com", "www.contoso.com" }, wiring.Hosts);
        Assert.True(wiring.NewEntry);
        Assert.Equal(
            new (string?, int, bool, string)[] { ("old-tls", 0, false, "shop.contoso.com"), ("www-tls", 1, true, "www.contoso.com") },
            wiring.Moved.Select(m => (m.SecretName, m.Index, m.EntryRemoved, string.Join(",", m.Hosts))));
        Assert.Equal("shop", PublishRecord.Read(plan.SecretToWrite!)!.IngressName);
    }

    [Theory]
    [InlineData("Shop.Contoso.COM.", "shop.contoso.com")]
    [InlineData("*.contoso.com", "*.contoso.com")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    public void Hosts_are_normalised_to_what_the_api_server_accepts(string host, string expected)
    {
        Assert.True(IngressHostName.TryNormalize(host, out string normalized, out _));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("shop_1.contoso.com")]
    [InlineData("a.*.contoso.com")]
    [InlineData("-shop.contoso.com")]
    public void Hosts_the_api_server_would_reject_are_refused(string host) =>
        Assert.False(IngressHostName.TryNormalize(host, out _, out _));

    [Fact]
    public void A_missing_ingress_is_refused_before_any_write()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "nope"), new PublishState(null, null), payload, new PublishOptions(), Now);
        Assert.Equal("IngressNotFound", plan.Refusal!.Id);
        Assert.Null(plan.SecretToWrite);
    }

    [Fact]
    public void The_payload_never_shows_its_key()
    {
        using var payload = Payload(Shop);
        Assert.DoesNotContain("PRIVATE", payload.ToString(), StringComparison.Ordinal);
    }
}

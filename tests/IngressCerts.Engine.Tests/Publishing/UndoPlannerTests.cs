using System.Text;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Publishing;
using IngressCerts.Engine.Tests.Support;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Publishing;

/// <summary>Undo decided from what a publish left behind: the publish is planned for real, then "applied" in memory.</summary>
public sealed class UndoPlannerTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly TestCertificates.Issued Shop = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com", "www.contoso.com" });

    private static PublishPayload Payload(TestCertificates.Issued cert) =>
        new(cert.Certificate, cert.CertificatePem, Encoding.ASCII.GetBytes(cert.KeyPem));

    private static V1Ingress Ingress(params V1IngressTLS[] tls) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "shop",
            NamespaceProperty = "shop",
            ResourceVersion = "3",
            Annotations = new Dictionary<string, string> { ["nginx.ingress.kubernetes.io/ssl-redirect"] = "true" },
        },
        Spec = new V1IngressSpec { Tls = tls.ToList(), Rules = new List<V1IngressRule> { new() { Host = "shop.contoso.com" } } },
    };

    private static V1IngressTLS Entry(string? secret, params string[] hosts) => new() { SecretName = secret, Hosts = hosts.ToList() };

    /// <summary>Plans a publish and returns what the cluster holds after it: the Secret and Ingress written, at a new version.</summary>
    private static (V1Secret Secret, V1Ingress? Ingress) Published(PublishTarget target, PublishState before, TestCertificates.Issued cert)
    {
        using var payload = Payload(cert);
        var plan = PublishPlanner.Plan(target, before, payload, new PublishOptions(), Now);
        Assert.Null(plan.Refusal);
        var secret = PublishPlanner.Copy(plan.SecretToWrite!);
        secret.Metadata.ResourceVersion = "10";
        var ingress = plan.IngressToWrite is null ? before.Ingress : PublishPlanner.Copy(plan.IngressToWrite);
        if (ingress is not null)
        {
            ingress.Metadata.ResourceVersion = "11";
        }

        return (secret, ingress);
    }

    private static UndoState State(V1Secret secret, V1Ingress? ingress = null, IReadOnlyList<V1Secret>? history = null) =>
        new("shop", "shop-tls", secret, history ?? Array.Empty<V1Secret>(), ingress,
            ingress is null ? Array.Empty<TlsReference>() : ReferenceExtractor.FromIngress(ingress, "test").ToList());

    [Fact]
    public void A_creating_publish_is_undone_by_deleting_the_secret_at_the_version_read()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);

        var plan = UndoPlanner.Plan(State(secret), force: false, Now);

        Assert.Null(plan.Refusal);
        Assert.Equal(PublishAction.Deleted, plan.Action);
        Assert.True(plan.DeletesSecret);
        Assert.Equal("10", plan.Current!.Metadata.ResourceVersion);
        Assert.Null(plan.Unwiring);
        string text = Assert.Single(plan.Describe());
        Assert.StartsWith($"Delete Secret shop/shop-tls: {Shop.Certificate.Thumbprint} (expires ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_holding_another_certificate_since_its_creating_publish_is_not_deleted_unless_forced()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        var other = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        secret.Data["tls.crt"] = other.CertificateBytes;
        secret.Data["tls.key"] = other.KeyBytes;

        var refused = UndoPlanner.Plan(State(secret), force: false, Now);
        Assert.Equal("SecretChanged", refused.Refusal!.Id);
        Assert.Contains(other.Certificate.Thumbprint, refused.Refusal.Message, StringComparison.Ordinal);
        Assert.Contains("-Force", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.False(refused.DeletesSecret);

        Assert.True(UndoPlanner.Plan(State(secret), force: true, Now).DeletesSecret);
    }

    [Theory]
    [InlineData("ca.crt")]
    [InlineData("chain")]
    [InlineData("key")]
    [InlineData("annotation")]
    public void Any_change_to_what_the_creating_publish_wrote_keeps_the_secret(string change)
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        switch (change)
        {
            case "ca.crt":
                secret.Data["ca.crt"] = Shop.CertificateBytes;
                break;
            case "chain":
                secret.Data["tls.crt"] = secret.Data["tls.crt"].Concat(TestCertificates.Create("CN=Some CA", Array.Empty<string>(), ca: true).CertificateBytes).ToArray();
                break;
            case "key":
                secret.Data["tls.key"] = TestCertificates.Create("CN=x", Array.Empty<string>()).KeyBytes;
                break;
            default:
                secret.Metadata.Annotations[SecretAnnotations.Thumbprint] = "0000";
                break;
        }

        Assert.Equal("SecretChanged", UndoPlanner.Plan(State(secret), force: false, Now).Refusal?.Id);
    }

    [Fact]
    public void A_label_added_since_the_creating_publish_does_not_keep_the_secret()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        secret.Metadata.Labels = new Dictionary<string, string> { ["team"] = "shop" };
        Assert.True(UndoPlanner.Plan(State(secret), force: false, Now).DeletesSecret);
    }

    [Fact]
    public void A_created_secret_that_an_ingress_used_before_the_publish_is_not_deleted_unless_forced()
    {
        // The Ingress named shop-tls before the Secret existed: the publish created the Secret but wired nothing.
        var ingress = Ingress(Entry("shop-tls", "shop.contoso.com"));
        var (secret, after) = Published(new PublishTarget("shop", "shop-tls", "shop"), new PublishState(null, ingress), Shop);
        Assert.Null(PublishRecord.Read(secret)!.IngressName);

        var refused = UndoPlanner.Plan(State(secret, after), force: false, Now);
        Assert.Equal("SecretInUse", refused.Refusal!.Id);
        Assert.Contains("Ingress shop/shop (shop.contoso.com)", refused.Refusal.Message, StringComparison.Ordinal);

        var forced = UndoPlanner.Plan(State(secret, after), force: true, Now);
        Assert.True(forced.DeletesSecret);
        Assert.Null(forced.Unwiring);
    }

    [Fact]
    public void A_created_secret_that_a_gateway_uses_is_not_deleted()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        var gateway = new TlsReference("test", "Gateway", "shop", "gw", "https", "shop", "shop-tls", new[] { "shop.contoso.com" });
        var state = State(secret) with { References = new[] { gateway } };
        var plan = UndoPlanner.Plan(state, force: false, Now);
        Assert.Equal("SecretInUse", plan.Refusal!.Id);
        Assert.Contains("Gateway shop/gw listener https", plan.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Undoing_a_creating_publish_that_wired_an_ingress_removes_that_wiring_then_deletes_the_secret()
    {
        var ingress = Ingress(Entry("api-tls", "api.fabrikam.com"));
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, ingress), Shop);
        Assert.Equal(2, wired!.Spec.Tls.Count);

        var plan = UndoPlanner.Plan(State(secret, wired), force: false, Now);

        Assert.Null(plan.Refusal);
        Assert.True(plan.DeletesSecret);
        var unwired = plan.Unwiring!.Ingress;
        var entry = Assert.Single(unwired.Spec.Tls);
        Assert.Equal("api-tls", entry.SecretName);
        Assert.Equal("11", unwired.Metadata.ResourceVersion);
        Assert.False(unwired.Metadata.Annotations.ContainsKey(SecretAnnotations.Wiring));
        Assert.Equal("true", unwired.Metadata.Annotations["nginx.ingress.kubernetes.io/ssl-redirect"]);
        Assert.Equal(new[] { "shop.contoso.com" }, plan.Unwiring.Hosts);
        Assert.Equal(
            new[] { "Update Ingress shop/shop: stop serving shop.contoso.com from Secret shop-tls", $"Delete Secret shop/shop-tls: {Shop.Certificate.Thumbprint}" },
            plan.Describe().Select(l => l.Split(" (expires")[0]));
        Assert.Equal(2, wired.Spec.Tls.Count); // the state read is not changed
    }

    [Fact]
    public void Unwiring_leaves_hosts_and_entries_others_added_since()
    {
        var ingress = Ingress(Entry("api-tls", "api.fabrikam.com"));
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, ingress), Shop);
        wired!.Spec.Tls[1].Hosts.Add("www.contoso.com");
        wired.Spec.Tls.Add(Entry("blog-tls", "blog.contoso.com"));

        var plan = UndoPlanner.Plan(State(secret, wired), force: true, Now);

        var tls = plan.Unwiring!.Ingress.Spec.Tls;
        Assert.Equal(new[] { "api-tls", "shop-tls", "blog-tls" }, tls.Select(t => t.SecretName));
        Assert.Equal(new[] { "www.contoso.com" }, tls[1].Hosts);
    }

    [Fact]
    public void An_ingress_still_using_the_secret_after_unwiring_keeps_it()
    {
        var ingress = Ingress(Entry("api-tls", "api.fabrikam.com"));
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, ingress), Shop);
        wired!.Spec.Tls[1].Hosts.Add("www.contoso.com");

        var plan = UndoPlanner.Plan(State(secret, wired), force: false, Now);

        Assert.Equal("SecretInUse", plan.Refusal!.Id);
        Assert.Contains("(www.contoso.com)", plan.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hosts_the_publish_moved_go_back_to_their_entries_and_a_removed_entry_comes_back_in_its_place()
    {
        var ingress = Ingress(
            Entry("old-tls", "shop.contoso.com", "api.fabrikam.com"),
            Entry("www-tls", "www.contoso.com"),
            Entry("blog-tls", "blog.contoso.com"));
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com", "www.contoso.com" }), new PublishState(null, ingress), Shop);
        Assert.Equal(new[] { "old-tls", "blog-tls", "shop-tls" }, wired!.Spec.Tls.Select(t => t.SecretName));

        var plan = UndoPlanner.Plan(State(secret, wired), force: false, Now);

        Assert.Null(plan.Refusal);
        var tls = plan.Unwiring!.Ingress.Spec.Tls;
        Assert.Equal(new[] { "old-tls", "www-tls", "blog-tls" }, tls.Select(t => t.SecretName));
        Assert.Equal(new[] { "api.fabrikam.com", "shop.contoso.com" }, tls[0].Hosts);
        Assert.Equal(new[] { "www.contoso.com" }, tls[1].Hosts);
        Assert.Contains("give back shop.contoso.com to Secret 'old-tls'", plan.Describe()[0], StringComparison.Ordinal);
        Assert.True(plan.DeletesSecret);
    }

    [Fact]
    public void A_moved_host_that_another_entry_has_taken_since_is_not_given_back_twice()
    {
        var ingress = Ingress(Entry("old-tls", "shop.contoso.com", "api.fabrikam.com"));
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, ingress), Shop);
        wired!.Spec.Tls.Insert(0, Entry("new-tls", "shop.contoso.com"));

        var tls = UndoPlanner.Plan(State(secret, wired), force: true, Now).Unwiring!.Ingress.Spec.Tls;

        Assert.Equal(new[] { "shop.contoso.com" }, tls[0].Hosts);
        Assert.Equal(new[] { "api.fabrikam.com" }, tls[1].Hosts);
        Assert.Equal(2, tls.Count);
    }

    [Fact]
    public void A_moved_host_whose_entry_was_removed_since_is_refused_and_with_force_left_out()
    {
        var ingress = Ingress(Entry("old-tls", "shop.contoso.com", "api.fabrikam.com"));
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, ingress), Shop);
        wired!.Spec.Tls.RemoveAt(0); // someone removed the old-tls entry (which still had api.fabrikam.com)

        var refused = UndoPlanner.Plan(State(secret, wired), force: false, Now);
        Assert.Equal("IngressWiringChanged", refused.Refusal!.Id);
        Assert.Contains("old-tls", refused.Refusal.Message, StringComparison.Ordinal);
        Assert.Null(refused.Unwiring);

        var forced = UndoPlanner.Plan(State(secret, wired), force: true, Now);
        Assert.Empty(forced.Unwiring!.Ingress.Spec.Tls);
        Assert.Contains(forced.Warnings, w => w.Contains("shop.contoso.com", StringComparison.Ordinal));
    }

    [Fact]
    public void An_entry_that_was_there_before_the_publish_stays_when_its_hosts_go()
    {
        // A TLS entry without hosts that names the Secret: the publish added a host to it.
        var ingress = Ingress(new V1IngressTLS { SecretName = "shop-tls" });
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, ingress), Shop);

        var plan = UndoPlanner.Plan(State(secret, wired), force: true, Now);

        var entry = Assert.Single(plan.Unwiring!.Ingress.Spec.Tls);
        Assert.Equal("shop-tls", entry.SecretName);
        Assert.Empty(entry.Hosts);
    }

    [Fact]
    public void A_wiring_record_of_another_publish_leaves_the_ingress_alone()
    {
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, Ingress()), Shop);
        var other = PublishRecord.Read(secret)! with { Id = "another" };
        secret.Metadata.Annotations[SecretAnnotations.LastPublish] = other.ToJson();

        var plan = UndoPlanner.Plan(State(secret, wired), force: true, Now);

        Assert.Null(plan.Unwiring);
        Assert.Contains(plan.Warnings, w => w.Contains("no record", StringComparison.Ordinal));
    }

    [Fact]
    public void Undoing_an_update_restores_the_newest_history_entry_and_records_the_undo()
    {
        var old = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var (before, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), old);
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(before, null), Shop);
        var entry = History(before);

        var plan = UndoPlanner.Plan(State(secret, history: new[] { entry }), force: false, Now);

        Assert.Null(plan.Refusal);
        Assert.Equal(PublishAction.Updated, plan.Action);
        Assert.Same(entry, plan.Restoring);
        Assert.Equal(old.Certificate.Thumbprint, plan.RestoredThumbprint);
        Assert.Equal(old.CertificateBytes, plan.SecretToWrite!.Data["tls.crt"]);
        var record = PublishRecord.Read(plan.SecretToWrite)!;
        Assert.True(record.Undo);
        Assert.Equal(old.Certificate.Thumbprint, record.Thumbprint);
        Assert.StartsWith($"Restore Secret shop/shop-tls: {Shop.Certificate.Thumbprint} (expires ", plan.Describe()[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Undoing_an_update_without_history_is_refused()
    {
        var (before, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), TestCertificates.Create("CN=a", new[] { "shop.contoso.com" }));
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(before, null), Shop);
        Assert.Equal("NoHistory", UndoPlanner.Plan(State(secret), force: true, Now).Refusal?.Id);
    }

    [Fact]
    public void A_secret_without_a_record_falls_back_to_restoring_history()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        secret.Metadata.Annotations.Remove(SecretAnnotations.LastPublish);
        var (other, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), TestCertificates.Create("CN=b", new[] { "shop.contoso.com" }));

        Assert.Equal("NoHistory", UndoPlanner.Plan(State(secret), force: false, Now).Refusal?.Id);
        Assert.NotNull(UndoPlanner.Plan(State(secret, history: new[] { History(other) }), force: false, Now).Restoring);
    }

    [Fact]
    public void Without_a_record_an_entry_holding_the_current_certificate_is_skipped()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        secret.Metadata.Annotations.Remove(SecretAnnotations.LastPublish);
        var older = TestCertificates.Create("CN=b", new[] { "shop.contoso.com" });
        var (other, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), older);

        // Newest first: a copy of what the Secret holds now (a restore whose entry delete failed), then a real predecessor.
        var plan = UndoPlanner.Plan(State(secret, history: new[] { History(secret), History(other) }), force: false, Now);

        Assert.Equal(older.Certificate.Thumbprint, plan.RestoredThumbprint);
        Assert.Equal("NoHistory", UndoPlanner.Plan(State(secret, history: new[] { History(secret) }), force: false, Now).Refusal?.Id);
    }

    [Fact]
    public void A_record_naming_its_history_entry_restores_exactly_that_entry_and_no_newer_one()
    {
        var old = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var (before, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), old);
        var (published, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(before, null), Shop);
        var own = History(before);
        own.Metadata.Name = "shop-tls-prev-own";
        var secret = PublishRecord.NamingArchive(published, own.Metadata.Name);
        var newer = History(Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), TestCertificates.Create("CN=c", new[] { "shop.contoso.com" })).Secret);
        newer.Metadata.Name = "shop-tls-prev-newer";

        var plan = UndoPlanner.Plan(State(secret, history: new[] { newer, own }), force: false, Now);
        Assert.Same(own, plan.Restoring);

        var gone = UndoPlanner.Plan(State(secret, history: new[] { newer }), force: false, Now);
        Assert.Equal("NoHistory", gone.Refusal?.Id);
        Assert.Contains("shop/shop-tls-prev-own", gone.Refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Undoing_a_publish_that_only_wired_the_ingress_keeps_the_certificate()
    {
        var (created, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(created, Ingress()), Shop);

        var plan = UndoPlanner.Plan(State(secret, wired), force: false, Now);

        Assert.Null(plan.Refusal);
        Assert.False(plan.DeletesSecret);
        Assert.Null(plan.Restoring);
        Assert.Equal(secret.Data, plan.SecretToWrite!.Data);
        Assert.True(PublishRecord.Read(plan.SecretToWrite)!.Undo);
        Assert.Empty(plan.Unwiring!.Ingress.Spec.Tls);
        Assert.Equal(2, plan.Describe().Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_second_undo_has_nothing_to_undo_and_plans_no_write(bool force)
    {
        var old = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var (before, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), old);
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(before, null), Shop);
        var first = UndoPlanner.Plan(State(secret, history: new[] { History(before) }), force, Now);
        var undone = PublishPlanner.Copy(first.SecretToWrite!);

        // The undo archived the certificate it replaced: without its record, a second undo would put that one back.
        var second = UndoPlanner.Plan(State(undone, history: new[] { History(secret) }), force, Now);

        Assert.Equal("NothingToUndo", second.Refusal?.Id);
        Assert.Contains("Undo-IngressCertificate -Thumbprint", second.Refusal!.Message, StringComparison.Ordinal);
        Assert.Null(second.SecretToWrite);
        Assert.Null(second.Restoring);
        Assert.Null(second.Unwiring);
        Assert.False(second.DeletesSecret);
        Assert.Empty(second.Describe());
    }

    [Fact]
    public void Undoing_only_the_wiring_also_leaves_nothing_to_undo()
    {
        var (created, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(created, Ingress()), Shop);
        var undone = PublishPlanner.Copy(UndoPlanner.Plan(State(secret, wired), force: false, Now).SecretToWrite!);
        var other = History(Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), TestCertificates.Create("CN=b", new[] { "shop.contoso.com" })).Secret);

        Assert.Equal("NothingToUndo", UndoPlanner.Plan(State(undone, history: new[] { other }), force: false, Now).Refusal?.Id);
    }

    [Fact]
    public void A_chosen_thumbprint_restores_that_entry_and_leaves_the_ingress_alone()
    {
        var older = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var newer = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var (secret, wired) = Published(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, Ingress()), Shop);
        var olderEntry = History(Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), older).Secret);
        olderEntry.Metadata.Name = "shop-tls-prev-older";
        var newerEntry = History(Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), newer).Secret);
        var state = State(secret, wired, new[] { newerEntry, olderEntry }) with { Thumbprint = older.Certificate.Thumbprint.ToLowerInvariant() };

        var plan = UndoPlanner.Plan(state, force: false, Now);

        Assert.Null(plan.Refusal);
        Assert.Same(olderEntry, plan.Restoring);
        Assert.Null(plan.Unwiring);
        Assert.Equal(older.CertificateBytes, plan.SecretToWrite!.Data["tls.crt"]);
        Assert.Equal("10", plan.SecretToWrite.Metadata.ResourceVersion);
        Assert.True(PublishRecord.Read(plan.SecretToWrite)!.Undo);
        Assert.Equal(state.Thumbprint, plan.ChosenThumbprint);
        Assert.Single(plan.Describe());
    }

    [Fact]
    public void A_thumbprint_no_entry_holds_is_refused_even_with_force()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        var state = State(secret, history: new[] { History(secret) }) with { Thumbprint = new string('A', 40) };

        var plan = UndoPlanner.Plan(state, force: true, Now);

        Assert.Equal("HistoryEntryNotFound", plan.Refusal?.Id);
        Assert.Contains(new string('A', 40), plan.Refusal!.Message, StringComparison.Ordinal);
        Assert.Null(plan.SecretToWrite);
    }

    [Fact]
    public void A_chosen_entry_that_has_expired_is_refused_unless_forced()
    {
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        var old = TestCertificates.Create("CN=shop.contoso.com", new[] { "shop.contoso.com" });
        var entry = History(Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), old).Secret);
        var state = State(secret, history: new[] { entry }) with { Thumbprint = old.Certificate.Thumbprint };
        var later = new DateTimeOffset(old.Certificate.NotAfter.ToUniversalTime().AddDays(1), TimeSpan.Zero);

        Assert.Equal("CertificateExpired", UndoPlanner.Plan(state, force: false, later).Refusal?.Id);
        Assert.Same(entry, UndoPlanner.Plan(state, force: true, later).Restoring);
    }

    [Fact]
    public void A_missing_secret_and_a_cert_manager_secret_are_refused()
    {
        Assert.Equal("SecretNotFound", UndoPlanner.Plan(new UndoState("shop", "shop-tls", null, Array.Empty<V1Secret>()), force: true, Now).Refusal?.Id);
        var (secret, _) = Published(new PublishTarget("shop", "shop-tls"), new PublishState(null, null), Shop);
        secret.Metadata.Annotations[SecretAnnotations.CertManagerCertificate] = "shop";
        Assert.Equal("CertManagerManaged", UndoPlanner.Plan(State(secret), force: false, Now).Refusal?.Id);
    }

    [Fact]
    public void A_manifest_carries_no_undo_record()
    {
        using var payload = Payload(Shop);
        var plan = PublishPlanner.Plan(new PublishTarget("shop", "shop-tls", "shop", new[] { "shop.contoso.com" }), new PublishState(null, Ingress()), payload, new PublishOptions(), Now);
        Assert.True(plan.IngressToWrite!.Metadata.Annotations.ContainsKey(SecretAnnotations.Wiring));

        string yaml = ManifestWriter.ToYaml(plan, payload);

        Assert.DoesNotContain(SecretAnnotations.Wiring, yaml, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretAnnotations.LastPublish, yaml, StringComparison.Ordinal);
        Assert.Contains("nginx.ingress.kubernetes.io/ssl-redirect", yaml, StringComparison.Ordinal);
    }

    private static V1Secret History(V1Secret owner) => new()
    {
        Type = SecretAnnotations.HistoryType,
        Metadata = new V1ObjectMeta { Name = "shop-tls-prev", NamespaceProperty = "shop", ResourceVersion = "5" },
        Data = owner.Data.Where(d => d.Key is "tls.crt" or "tls.key").ToDictionary(d => d.Key, d => d.Value),
    };
}

using IngressCerts.Engine.Sync;
using IngressCerts.Engine.Tests.Support;

namespace IngressCerts.Engine.Tests.Sync;

/// <summary>What Sync does with each kind of reference, decided from Get-IngressCertificate's findings alone.</summary>
public sealed class SyncPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static IngressCertificate Reference(string status, int daysLeft = 200, string managedBy = "", string kind = "Ingress", string? secret = "shop-tls", params Finding[] findings) => new()
    {
        Context = "ctx", Namespace = "shop", Kind = kind, Name = "shop", SecretName = secret,
        Hosts = new[] { "shop.contoso.example" },
        Status = status,
        ManagedBy = managedBy,
        NotAfter = Now.AddDays(daysLeft).UtcDateTime,
        Findings = new FindingCollection(findings),
    };

    [Theory]
    [InlineData("Valid", 29, "Renewed")]
    [InlineData("Valid", 31, "Unchanged")]
    [InlineData("Expiring", 10, "Renewed")]
    [InlineData("Expired", -3, "Renewed")]
    [InlineData("KeyMismatch", 200, "Renewed")]
    [InlineData("InvalidSecret", 200, "Renewed")]
    [InlineData("SecretNotFound", 200, "Created")]
    [InlineData("Forbidden", 200, "Skipped")]
    [InlineData("IncompleteChain", 200, "Unchanged")]
    public void Status_and_expiry_decide_within_the_window(string status, int daysLeft, string action)
    {
        Assert.Equal(action, SyncPlanner.Plan(Reference(status, daysLeft), 30, Now).Action.ToString());
    }

    [Fact]
    public void The_window_is_the_callers()
    {
        Assert.Equal(SyncAction.Renewed, SyncPlanner.Plan(Reference("Valid", 50), 60, Now).Action);
        Assert.Equal(SyncAction.Unchanged, SyncPlanner.Plan(Reference("Valid", 50), 7, Now).Action);
    }

    [Fact]
    public void A_host_added_to_the_ingress_is_a_renewal_that_names_the_host()
    {
        var decision = SyncPlanner.Plan(Reference("HostMismatch", 200, findings: new Finding("HostMismatch", "HostMismatch", "new.contoso.example is not covered")), 30, Now);
        Assert.Equal(SyncAction.Renewed, decision.Action);
        Assert.Contains("new.contoso.example", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Cert_manager_secrets_no_secret_name_and_kinds_publish_cannot_wire_are_skipped_with_the_reason()
    {
        var managed = SyncPlanner.Plan(Reference("Expired", -1, managedBy: "cert-manager"), 30, Now);
        Assert.Equal(SyncAction.Skipped, managed.Action);
        Assert.Contains("cert-manager", managed.Reason, StringComparison.Ordinal);

        var noSecret = SyncPlanner.Plan(Reference("DefaultCertificate", secret: null), 30, Now);
        Assert.Equal(SyncAction.Skipped, noSecret.Action);
        Assert.Contains("secretName", noSecret.Reason, StringComparison.Ordinal);

        var route = SyncPlanner.Plan(Reference("Expired", -1, kind: "Route"), 30, Now);
        Assert.Equal(SyncAction.Skipped, route.Action);
        Assert.Contains("Route references are not renewed", route.Reason, StringComparison.Ordinal);

        // Gateway listeners are renewed like Ingresses: Publish wires them.
        Assert.Equal(SyncAction.Renewed, SyncPlanner.Plan(Reference("Expired", -1, kind: "Gateway"), 30, Now).Action);
        Assert.Equal(SyncAction.Renewed, SyncPlanner.Plan(Apis(Reference("Expired", -1, kind: "Gateway"), "gateway.networking.k8s.io"), 30, Now).Action);
    }

    [Theory]
    [InlineData("Route", null, "Passthrough", "TLS ends at the backend")]
    [InlineData("Gateway", "networking.istio.io", "Passthrough", "TLS ends at the backend")]
    [InlineData("Route", null, "InlineCertificate", "inline in the Route's spec.tls, not in a Secret, and Sync does not write spec.tls")]
    [InlineData("IngressRoute", null, "ControllerManagedCertificate", "Traefik's ACME certResolver obtains and renews")]
    public void A_reference_that_names_no_secret_on_purpose_is_skipped_with_its_own_reason_not_the_default_certificates(string kind, string? group, string note, string expected)
    {
        var reference = Reference("Valid", 10, kind: kind, secret: null, findings: new Finding(note, "Valid", "a note"));
        var decision = SyncPlanner.Plan(group is null ? reference : Apis(reference, group), 30, Now);
        Assert.Equal(SyncAction.Skipped, decision.Action);
        Assert.Contains(expected, decision.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("default certificate", decision.Reason, StringComparison.Ordinal);
        Assert.True(char.IsUpper(decision.Reason[0]), decision.Reason);
    }

    [Fact]
    public void A_reference_served_the_default_certificate_is_told_to_name_a_secret_in_its_own_kind()
    {
        var decision = SyncPlanner.Plan(Reference("DefaultCertificate", kind: "Gateway", secret: null), 30, Now);
        Assert.Equal("No secretName: the controller serves its default certificate for these hosts; name a Secret in the Gateway to have Sync manage it.", decision.Reason);
    }

    [Fact]
    public void An_istio_gateway_is_skipped_saying_to_publish_to_its_secret_not_taken_for_a_gateway_api_gateway()
    {
        // Same Kind, same name as a Gateway API Gateway could have: only the API group tells them apart.
        var istio = Apis(Reference("Expired", -1, kind: "Gateway"), "networking.istio.io");
        var decision = SyncPlanner.Plan(istio, 30, Now);
        Assert.Equal(SyncAction.Skipped, decision.Action);
        Assert.Contains("Istio Gateways are not delivered to", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("Publish to the Secret shop/shop-tls", decision.Reason, StringComparison.Ordinal);

        // Whatever else is wrong or due, it is never planned as a renewal of a Gateway listener.
        foreach (string status in new[] { "SecretNotFound", "KeyMismatch", "Valid" })
        {
            Assert.Equal(SyncAction.Skipped, SyncPlanner.Plan(Apis(Reference(status, 1, kind: "Gateway"), "networking.istio.io"), 30, Now).Action);
        }

        Assert.DoesNotContain(SyncPlanner.Targets([istio], 30, Now), t => t.Decision.Action != SyncAction.Skipped);
    }

    [Theory]
    [InlineData("Ingress", "networking.k8s.io")]
    [InlineData("Gateway", "gateway.networking.k8s.io")]
    [InlineData("Route", "route.openshift.io")]
    [InlineData("IngressRoute", "traefik.io")]
    [InlineData("HTTPProxy", "projectcontour.io")]
    [InlineData("Secret", "")]
    public void A_row_without_a_stated_group_has_the_usual_group_of_its_kind(string kind, string group)
    {
        Assert.Equal(group, Reference("Valid", kind: kind).ApiGroup);
    }

    private static IngressCertificate Apis(IngressCertificate r, string group) => new()
    {
        Context = r.Context, Namespace = r.Namespace, Kind = r.Kind, ApiGroup = group, Name = r.Name, SecretName = r.SecretName,
        Hosts = r.Hosts, Status = r.Status, ManagedBy = r.ManagedBy, NotAfter = r.NotAfter, Findings = r.Findings,
    };

    [Fact]
    public void A_certificate_renewed_meanwhile_is_no_longer_due_unless_it_misses_a_host()
    {
        var fresh = TestCertificates.Create("CN=shop", ["shop.contoso.example"], validDays: 90);
        Assert.False(SyncPlanner.StillDue(fresh.Certificate, true, ["shop.contoso.example"], 30, DateTimeOffset.UtcNow));
        Assert.True(SyncPlanner.StillDue(fresh.Certificate, true, ["shop.contoso.example", "new.contoso.example"], 30, DateTimeOffset.UtcNow));
        Assert.True(SyncPlanner.StillDue(fresh.Certificate, true, ["shop.contoso.example"], 100, DateTimeOffset.UtcNow));
        Assert.True(SyncPlanner.StillDue(fresh.Certificate, false, ["shop.contoso.example"], 30, DateTimeOffset.UtcNow));
        Assert.True(SyncPlanner.StillDue(null, null, ["shop.contoso.example"], 30, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void References_naming_one_secret_are_one_target_due_when_any_is_with_the_hosts_of_all()
    {
        IngressCertificate Named(string name, string host, string status, string secret = "shared-tls", string kind = "Ingress", string? group = null) => new()
        {
            Context = "ctx", Namespace = "shop", Kind = kind, ApiGroup = group ?? Engine.Inventory.ApiGroups.DefaultFor(kind), Name = name, SecretName = secret, Hosts = new[] { host }, Status = status,
            NotAfter = Now.AddDays(200).UtcDateTime,
            Findings = new FindingCollection(status == "HostMismatch" ? [new Finding("HostMismatch", "HostMismatch", host + " is not covered")] : []),
        };

        var targets = SyncPlanner.Targets(
            [Named("shop", "shop.contoso.example", "Valid"), Named("blog", "blog.contoso.example", "HostMismatch"), Named("api", "api.contoso.example", "Valid", secret: "api-tls"),
             Named("gw", "gw.contoso.example", "Valid", kind: "Gateway"), Named("mesh", "mesh.contoso.example", "Valid", kind: "Gateway", group: "networking.istio.io")],
            30, Now);

        Assert.Equal(3, targets.Count);
        var shared = targets[0];
        Assert.Equal(SyncAction.Renewed, shared.Decision.Action);
        Assert.Equal("blog", shared.Reference.Name);

        // A Gateway API listener on the same Secret is one more reference of the target; the Istio Gateway is not.
        Assert.Equal(["shop", "blog", "gw"], shared.References.Select(r => r.Name));
        Assert.Equal(["shop.contoso.example", "blog.contoso.example", "gw.contoso.example"], shared.Hosts);
        Assert.Equal(SyncAction.Unchanged, targets[1].Decision.Action);
        Assert.Equal(["api"], targets[1].References.Select(r => r.Name));
        Assert.Equal(SyncAction.Skipped, targets[2].Decision.Action);
        Assert.Equal("mesh", targets[2].Reference.Name);
    }
}

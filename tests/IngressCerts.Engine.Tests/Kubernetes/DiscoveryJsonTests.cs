using System.Text.Json;
using IngressCerts.Engine.Kubernetes;

namespace IngressCerts.Engine.Tests.Kubernetes;

public sealed class DiscoveryJsonTests
{
    // The shape of a real kube-apiserver's GET /apis answer (shared/k8s-reference/03-api-groups.json), trimmed.
    private const string Answer = """
        {"kind":"APIGroupList","apiVersion":"v1","groups":[
          {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
          {"name":"networking.k8s.io","versions":[{"groupVersion":"networking.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"networking.k8s.io/v1","version":"v1"}},
          {"name":"gateway.networking.k8s.io","versions":[{"groupVersion":"gateway.networking.k8s.io/v1","version":"v1"},{"groupVersion":"gateway.networking.k8s.io/v1beta1","version":"v1beta1"}],
           "preferredVersion":{"groupVersion":"gateway.networking.k8s.io/v1","version":"v1"},"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"10.0.0.1:6443"}]}
        ]}
        """;

    [Fact]
    public void Reads_every_group_with_its_versions()
    {
        var served = DiscoveryJson.Read(JsonDocument.Parse(Answer).RootElement);

        Assert.Equal(["apps", "gateway.networking.k8s.io", "networking.k8s.io"], served.Keys.Order());
        Assert.Equal(["v1", "v1beta1"], served["gateway.networking.k8s.io"].Order());
        Assert.Equal(["v1"], served["networking.k8s.io"]);
    }

    [Theory]
    [InlineData("""{"kind":"APIGroupList","apiVersion":"v1","groups":[]}""")]
    [InlineData("""{"kind":"APIGroupList","apiVersion":"v1"}""")]
    [InlineData("""{"groups":null}""")]
    public void A_cluster_with_no_groups_serves_none(string json) =>
        Assert.Empty(DiscoveryJson.Read(JsonDocument.Parse(json).RootElement));

    [Fact]
    public void Entries_without_a_name_or_version_are_left_out()
    {
        var served = DiscoveryJson.Read(JsonDocument.Parse("""{"groups":[{"versions":[{"version":"v1"}]},{"name":"a","versions":[{"groupVersion":"a/v1"},7,{"version":"v2"}]},3]}""").RootElement);

        Assert.Equal(["v2"], Assert.Single(served, g => g.Key == "a").Value);
        Assert.Single(served);
    }

    [Fact]
    public void An_answer_that_is_no_object_is_refused() =>
        Assert.Throws<JsonException>(() => DiscoveryJson.Read(JsonDocument.Parse("[1,2]").RootElement));
}

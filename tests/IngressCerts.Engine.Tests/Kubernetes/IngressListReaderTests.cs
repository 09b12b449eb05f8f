using System.Text;
using System.Text.Json;
using IngressCerts.Engine.Inventory;
using IngressCerts.Engine.Kubernetes;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Kubernetes;

public sealed class IngressListReaderTests
{
    private const string List = """
        {"kind":"IngressList","apiVersion":"networking.k8s.io/v1","metadata":{"resourceVersion":"9","continue":"more"},
         "items":[
          {"metadata":{"name":"shop","namespace":"a","annotations":{"x":"y"},"managedFields":[{"manager":"kubectl"}]},
           "spec":{"ingressClassName":"nginx",
                   "tls":[{"hosts":["shop.example.com"," ","www.example.com"],"secretName":"shop-tls"},{"hosts":["api.example.com"]},{"secretName":"  "}],
                   "rules":[{"host":"shop.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"s","port":{"number":80}}}}]}},
                            {"host":"plain.example.com"},{"http":{"paths":[]}}]},
           "status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"}]}}},
          {"metadata":{"name":"default-only","namespace":"b"},"spec":{"defaultBackend":{"service":{"name":"s","port":{"name":"http"}}},"tls":null,"rules":null}},
          {"metadata":{"name":"empty","namespace":"c"},"spec":null},
          {"metadata":{"name":"no-ns"},"spec":{"tls":[{"hosts":null,"secretName":"x"}]}}
         ]}
        """;

    [Fact]
    public void References_read_from_a_list_are_those_of_the_library_s_models()
    {
        var (items, token) = IngressListReader.Read(Encoding.UTF8.GetBytes(List));
        var library = KubernetesJson.Deserialize<V1IngressList>(List).Items;

        Assert.Equal("more", token);
        Assert.Equal(library.Count, items!.Count);
        Assert.Equal(Describe(library), Describe(items));
        Assert.Contains(Describe(items), line => line.Contains("plain.example.com", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"items\":[{\"spec\":{\"tls\":{}}}]}")]
    [InlineData("{\"items\":[{\"spec\":{\"tls\":[{\"hosts\":[7]}]}}]}")]
    [InlineData("{\"items\":[{\"spec\":{\"rules\":[{\"host\":[]}]}}]}")]
    [InlineData("{\"items\":[{\"metadata\":{\"name\":")]
    [InlineData("{\"items\":[7]}")]
    public void An_answer_that_is_not_an_Ingress_list_is_a_JsonException(string text)
    {
        Assert.ThrowsAny<JsonException>(() => IngressListReader.Read(Encoding.UTF8.GetBytes(text)));
    }

    private static List<string> Describe(IEnumerable<V1Ingress> ingresses) =>
        ingresses.SelectMany(i => ReferenceExtractor.FromIngress(i, "c").Concat(UnprotectedExtractor.FromIngress(i, "c")))
            .Select(r => $"{r.Namespace}/{r.Name} {r.SecretNamespace}/{r.SecretName} [{string.Join(",", r.Hosts)}] {string.Join(";", r.Notes?.Select(n => n.Message) ?? [])}")
            .ToList();
}

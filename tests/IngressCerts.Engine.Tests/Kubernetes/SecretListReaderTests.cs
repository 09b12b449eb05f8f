using System.Text;
using System.Text.Json;
using IngressCerts.Engine.Kubernetes;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Kubernetes;

public sealed class SecretListReaderTests
{
    private const string List = """
        {"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"next-page"},
         "items":[
          {"metadata":{"name":"shop-tls","namespace":"a","uid":"u-1","resourceVersion":"7",
                       "labels":{"app":"shop","ingresscerts.io/history-of":"x"},
                       "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"tls.key\":\"S0VZ\"}}","cert-manager.io/certificate-name":"shop","cert-manager.io/issuer-kind":"ClusterIssuer","cert-manager.io/issuer-name":"le"},
                       "managedFields":[{"manager":"kubectl","operation":"Update","fieldsV1":{"f:data":{".":{},"f:tls.crt":{}}}}],
                       "creationTimestamp":"2024-01-02T03:04:05Z"},
           "data":{"tls.crt":"Q0VSVA==","tls.key":"S0VZ","ca.crt":null},
           "type":"kubernetes.io/tls","immutable":true},
          {"type":"kubernetes.io/tls","metadata":{"namespace":"b","name":"bare","annotations":{"other":"x"}},"data":{}},
          {"metadata":{"namespace":"c","name":"no-data","labels":null,"annotations":null},"data":null}
         ]}
        """;

    [Fact]
    public void A_list_is_read_as_the_library_reads_it_keeping_what_an_inventory_reads()
    {
        var (items, token) = SecretListReader.Read(Encoding.UTF8.GetBytes(List));
        var library = KubernetesJson.Deserialize<V1SecretList>(List);

        Assert.Equal("next-page", token);
        Assert.NotNull(items);
        Assert.Equal(library.Items.Count, items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var (ours, theirs) = (items[i], library.Items[i]);
            Assert.Equal(theirs.Metadata.NamespaceProperty, ours.Metadata.NamespaceProperty);
            Assert.Equal(theirs.Metadata.Name, ours.Metadata.Name);
            Assert.Equal(theirs.Type, ours.Type);
            Assert.Equal(theirs.Metadata.Labels, ours.Metadata.Labels);
            Assert.Equal(theirs.Data?.Keys.Order(), ours.Data?.Keys.Order());
            foreach (var (key, value) in theirs.Data ?? new Dictionary<string, byte[]>())
            {
                Assert.Equal(value, ours.Data![key]);
            }
        }

        // Only the annotations the inventory reads are kept: kubectl's last-applied copy of the key is not.
        Assert.Equal(new Dictionary<string, string>
        {
            ["cert-manager.io/certificate-name"] = "shop",
            ["cert-manager.io/issuer-kind"] = "ClusterIssuer",
            ["cert-manager.io/issuer-name"] = "le",
        }, items[0].Metadata.Annotations);
        Assert.Null(items[1].Metadata.Annotations);
        Assert.Null(items[0].Metadata.ManagedFields);
        Assert.Equal(Encoding.ASCII.GetBytes("KEY"), items[0].Data["tls.key"]);
    }

    [Fact]
    public void The_last_page_has_no_continue_token_and_a_null_item_list_is_empty()
    {
        var (items, token) = SecretListReader.Read("""{"metadata":{},"items":null}"""u8);

        Assert.NotNull(items);
        Assert.Empty(items);
        Assert.Null(token);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"items\":[{\"metadata\":")]
    [InlineData("{\"items\":[{\"data\":{\"tls.crt\":\"not base64!\"}}]}")]
    [InlineData("{\"items\":[{\"data\":{\"tls.crt\":7}}]}")]
    [InlineData("{\"items\":[{\"metadata\":{\"name\":7}}]}")]
    [InlineData("{\"items\":{}}")]
    [InlineData("not json")]
    public void An_answer_that_is_not_a_Secret_list_is_a_JsonException(string text)
    {
        Assert.ThrowsAny<JsonException>(() => SecretListReader.Read(Encoding.UTF8.GetBytes(text)));
    }
}

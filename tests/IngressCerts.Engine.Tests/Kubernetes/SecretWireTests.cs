using System.Buffers;
using System.Text;
using System.Text.Json;
using IngressCerts.Engine.Kubernetes;
using k8s.Models;

namespace IngressCerts.Engine.Tests.Kubernetes;

public sealed class SecretWireTests
{
    [Fact]
    public void An_answer_is_read_without_data_or_stringData_and_keeps_the_rest()
    {
        var json = """
            {"kind":"Secret","apiVersion":"v1",
             "data":{"tls.key":"S0VZ"},
             "metadata":{"name":"shop-tls","namespace":"a","resourceVersion":"42","uid":"u-1",
                         "annotations":{"data":"kept","stringData":"kept too"},"creationTimestamp":"2024-01-02T03:04:05Z"},
             "stringData":{"tls.key":"KEY"},"type":"kubernetes.io/tls","immutable":false}
            """u8;

        var secret = SecretWire.ReadWithoutData(json);

        Assert.Null(secret.Data);
        Assert.Null(secret.StringData);
        Assert.Equal("shop-tls", secret.Metadata.Name);
        Assert.Equal("42", secret.Metadata.ResourceVersion);
        Assert.Equal("u-1", secret.Metadata.Uid);
        Assert.Equal("kept", secret.Metadata.Annotations["data"]);
        Assert.Equal("kept too", secret.Metadata.Annotations["stringData"]);
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), secret.Metadata.CreationTimestamp?.ToUniversalTime());
        Assert.Equal("kubernetes.io/tls", secret.Type);
        Assert.False(secret.Immutable);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"metadata\":")]
    [InlineData("not json")]
    public void An_answer_that_is_not_a_JSON_object_is_a_JsonException(string text)
    {
        Assert.ThrowsAny<JsonException>(() => SecretWire.ReadWithoutData(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void The_body_carries_the_data_as_base64_of_the_exact_bytes()
    {
        var key = new byte[] { 0xfb, 0xff, 0x00, 0x3e, 0x3f };
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "n", ResourceVersion = "7" },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]> { ["tls.key"] = key },
        };
        var output = new ArrayBufferWriter<byte>();

        SecretWire.WriteBody(secret, output);

        using var doc = JsonDocument.Parse(output.WrittenMemory);
        var root = doc.RootElement;
        Assert.Equal("v1", root.GetProperty("apiVersion").GetString());
        Assert.Equal("Secret", root.GetProperty("kind").GetString());
        Assert.Equal("7", root.GetProperty("metadata").GetProperty("resourceVersion").GetString());
        Assert.Equal(key, root.GetProperty("data").GetProperty("tls.key").GetBytesFromBase64());
        Assert.False(root.TryGetProperty("stringData", out _));
    }

    [Fact]
    public void A_buffer_zeroes_each_array_it_outgrows_and_the_last_one_on_dispose()
    {
        var pool = new KeepingPool();
        using (var buffer = new WipedBuffer(pool, 4))
        {
            buffer.GetSpan(3).Fill(0x41);
            buffer.Advance(3);
            buffer.GetSpan(100).Fill(0x42);
            buffer.Advance(100);
            Assert.Equal(103, buffer.WrittenCount);
            Assert.Equal(0x41, buffer.WrittenSpan[0]);
            Assert.Equal(0x42, buffer.WrittenSpan[102]);
        }

        Assert.Equal(2, pool.Rented.Count);
        Assert.Equal(pool.Rented, pool.Returned);
        Assert.All(pool.Rented, a => Assert.All(a, b => Assert.Equal(0, b)));
    }

    private sealed class KeepingPool : ArrayPool<byte>
    {
        public List<byte[]> Rented { get; } = new();

        public List<byte[]> Returned { get; } = new();

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[minimumLength];
            Rented.Add(array);
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false) => Returned.Add(array);
    }
}

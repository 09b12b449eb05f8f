using System.Globalization;
using System.Text;
using System.Text.Json;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Operations;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Seeding;

/// <summary>
/// Stores the fleet <see cref="BulkSeed.IngressesWithTlsSecrets"/> describes, writing each object's
/// bytes directly: building, validating and re-serialising 20,000 JSON trees costs seconds on a small
/// machine, this costs a fraction of one. Objects come out as the generic seeding path makes them.
/// </summary>
internal sealed class FleetSeeder(ObjectStore store, ObjectSeeder seeder, SystemClock clock)
{
    public int Seed(BulkSeedOptions options)
    {
        var pool = FleetCertificates.Create(Math.Max(1, options.CertificatePoolSize), options.RsaIssuer).Entries
            .Select(e => (Certificate: Quoted(e.Certificate), Key: Quoted(e.Key), Authority: Quoted(e.Authority)))
            .ToList();
        var labels = options.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var count = 0;
        store.Locked(() =>
        {
            var now = clock.Now();
            var index = 0;
            for (var n = 0; n < options.Namespaces; n++)
            {
                var ns = $"{options.NamespacePrefix}{n:D4}";
                seeder.EnsureNamespace(ns, now);
                count++;
                for (var i = 0; i < options.IngressesPerNamespace; i++, index++)
                {
                    var certificates = pool[index % pool.Count];
                    var host = $"app-{i}.{ns}.example.test";
                    var secretName = $"app-{i}-tls";
                    store.Put(ResourceCatalog.Secrets, Secret(ns, secretName, labels, certificates, now));
                    store.Put(ResourceCatalog.Ingresses, Ingress(ns, $"app-{i}", host, secretName, labels, now));
                    count += 2;
                }
            }
        });
        return count;
    }

    private StoredObject Secret(string ns, string name, List<KeyValuePair<string, string>> labels,
        (byte[] Certificate, byte[] Key, byte[] Authority) certificates, string now)
    {
        var (uid, version) = (SystemClock.NewUid(), store.NextRevision());
        var json = Write(writer =>
        {
            WriteMetadata(writer, ns, name, uid, version, generation: false, now, labels);
            writer.WriteStartObject("data");
            writer.WritePropertyName("ca.crt");
            writer.WriteRawValue(certificates.Authority, skipInputValidation: true);
            writer.WritePropertyName("tls.crt");
            writer.WriteRawValue(certificates.Certificate, skipInputValidation: true);
            writer.WritePropertyName("tls.key");
            writer.WriteRawValue(certificates.Key, skipInputValidation: true);
            writer.WriteEndObject();
            writer.WriteString("type", "kubernetes.io/tls");
        });
        return Stored(ns, name, uid, version, json, labels, new() { ["type"] = "kubernetes.io/tls" });
    }

    private StoredObject Ingress(string ns, string name, string host, string secretName, List<KeyValuePair<string, string>> labels, string now)
    {
        var (uid, version) = (SystemClock.NewUid(), store.NextRevision());
        var json = Write(writer =>
        {
            WriteMetadata(writer, ns, name, uid, version, generation: true, now, labels);
            writer.WriteStartObject("spec");
            writer.WriteStartArray("tls");
            writer.WriteStartObject();
            writer.WriteStartArray("hosts");
            writer.WriteStringValue(host);
            writer.WriteEndArray();
            writer.WriteString("secretName", secretName);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartArray("rules");
            writer.WriteStartObject();
            writer.WriteString("host", host);
            writer.WriteStartObject("http");
            writer.WriteStartArray("paths");
            writer.WriteStartObject();
            writer.WriteString("path", "/");
            writer.WriteString("pathType", "Prefix");
            writer.WriteStartObject("backend");
            writer.WriteStartObject("service");
            writer.WriteString("name", name);
            writer.WriteStartObject("port");
            writer.WriteNumber("number", 80);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartObject("status");
            writer.WriteStartObject("loadBalancer");
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        return Stored(ns, name, uid, version, json, labels, []);
    }

    private static void WriteMetadata(Utf8JsonWriter writer, string ns, string name, string uid, long version, bool generation, string now,
        List<KeyValuePair<string, string>> labels)
    {
        writer.WriteStartObject("metadata");
        writer.WriteString("name", name);
        writer.WriteString("namespace", ns);
        writer.WriteString("uid", uid);
        writer.WriteString("resourceVersion", version.ToString(CultureInfo.InvariantCulture));
        if (generation) writer.WriteNumber("generation", 1);
        writer.WriteString("creationTimestamp", now);
        if (labels.Count > 0)
        {
            writer.WriteStartObject("labels");
            foreach (var (key, value) in labels) writer.WriteString(key, value);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream(4096);
        using (var writer = new Utf8JsonWriter(stream, ObjectCodec.WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static StoredObject Stored(string ns, string name, string uid, long version, byte[] json,
        List<KeyValuePair<string, string>> labels, Dictionary<string, string> extraFields)
    {
        var fields = new Dictionary<string, string>(extraFields, StringComparer.Ordinal)
        {
            ["metadata.name"] = name,
            ["metadata.namespace"] = ns,
        };
        return new StoredObject
        {
            Namespace = ns,
            Name = name,
            Uid = uid,
            ResourceVersion = version,
            ItemJson = json,
            Labels = labels.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
            SelectableFields = fields,
        };
    }

    /// <summary>A base64 value as a ready JSON string token (base64 needs no escaping).</summary>
    private static byte[] Quoted(string base64) => Encoding.ASCII.GetBytes("\"" + base64 + "\"");
}

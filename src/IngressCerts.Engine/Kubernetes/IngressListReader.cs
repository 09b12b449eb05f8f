using System.Text.Json;
using k8s.Models;
using static IngressCerts.Engine.Kubernetes.ListJson;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Reads one page of an Ingress list straight from the server's JSON, keeping only what an inventory reads
/// (ReferenceExtractor, UnprotectedExtractor): namespace, name, spec.tls (hosts, secretName), spec.rules[].host and
/// whether spec.defaultBackend is set. Building the client library's full models of 10,000 Ingresses cost as much
/// CPU as the whole fetch; these are for reading TLS references only, never for writing back.
/// </summary>
internal static class IngressListReader
{
    public static Task<(IList<V1Ingress>? Items, string? Continue)> GetAsync(KubeClient client, string relativeUri, CancellationToken cancellationToken) =>
        ListJson.GetAsync(client, relativeUri, ReadIngress, cancellationToken);

    /// <exception cref="JsonException">The text is not a list object.</exception>
    public static (IList<V1Ingress>? Items, string? Continue) Read(ReadOnlySpan<byte> json) => ListJson.Read(json, ReadIngress);

    private static V1Ingress ReadIngress(ref Utf8JsonReader reader)
    {
        var ingress = new V1Ingress { ApiVersion = "networking.k8s.io/v1", Kind = "Ingress", Metadata = new V1ObjectMeta() };
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                if (!EnterObject(ref reader))
                {
                    continue;
                }

                while (NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        ingress.Metadata.Name = StringValue(ref reader);
                    }
                    else if (reader.ValueTextEquals("namespace"u8))
                    {
                        ingress.Metadata.NamespaceProperty = StringValue(ref reader);
                    }
                    else
                    {
                        SkipValue(ref reader);
                    }
                }
            }
            else if (reader.ValueTextEquals("spec"u8))
            {
                ingress.Spec = ReadSpec(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return ingress;
    }

    private static V1IngressSpec? ReadSpec(ref Utf8JsonReader reader)
    {
        if (!EnterObject(ref reader))
        {
            return null;
        }

        var spec = new V1IngressSpec();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("tls"u8))
            {
                spec.Tls = ReadArray(ref reader, ReadTls);
            }
            else if (reader.ValueTextEquals("rules"u8))
            {
                spec.Rules = ReadArray(ref reader, ReadRule);
            }
            else if (reader.ValueTextEquals("defaultBackend"u8))
            {
                // Only whether it is set is read (an unprotected default backend serves any host).
                reader.Read();
                spec.DefaultBackend = reader.TokenType == JsonTokenType.Null ? null : new V1IngressBackend();
                reader.Skip();
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return spec;
    }

    private static V1IngressTLS ReadTls(ref Utf8JsonReader reader)
    {
        var tls = new V1IngressTLS();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("secretName"u8))
            {
                tls.SecretName = StringValue(ref reader);
            }
            else if (reader.ValueTextEquals("hosts"u8))
            {
                if (!EnterArray(ref reader))
                {
                    continue;
                }

                var hosts = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    hosts.Add(reader.TokenType == JsonTokenType.Null ? null! : String(ref reader));
                }

                tls.Hosts = hosts;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return tls;
    }

    private static V1IngressRule ReadRule(ref Utf8JsonReader reader)
    {
        var rule = new V1IngressRule();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("host"u8))
            {
                rule.Host = StringValue(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return rule;
    }

    private static List<T>? ReadArray<T>(ref Utf8JsonReader reader, ListItemReader<T> item)
    {
        if (!EnterArray(ref reader))
        {
            return null;
        }

        var list = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Require(ref reader, JsonTokenType.StartObject);
            list.Add(item(ref reader));
        }

        return list;
    }

    private static string String(ref Utf8JsonReader reader)
    {
        Require(ref reader, JsonTokenType.String);
        return reader.GetString()!;
    }
}

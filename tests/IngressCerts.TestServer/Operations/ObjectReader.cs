using System.Globalization;
using System.Text;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Selectors;
using IngressCerts.TestServer.Storage;
using Microsoft.AspNetCore.Http;

namespace IngressCerts.TestServer.Operations;

/// <summary>get and list. List pages are assembled from stored bytes: no per-item serialisation.</summary>
internal sealed class ObjectReader(ObjectStore store, TablePrinter tables)
{
    /// <summary>A single object, or a one-row Table when <paramref name="table"/> gives its includeObject.</summary>
    public Answer Get(ResourceType type, string @namespace, string name, string? table = null)
    {
        var stored = store.Get(type, @namespace, name) ?? throw type.NotFound(name);
        if (table is not null) return new Answer(200, tables.Render(type, [stored], null, table));
        return new Answer(200, ObjectCodec.FullJson(type, stored));
    }

    /// <summary>A namespaced list when <paramref name="namespace"/> is non-empty, else across namespaces (or cluster-scoped).</summary>
    public Answer List(ResourceType type, string @namespace, IQueryCollection query, string? table = null)
    {
        var labels = LabelSelector.Parse(query["labelSelector"].ToString());
        var fields = FieldSelector.Parse(query["fieldSelector"].ToString(), type);
        var continueText = query["continue"].ToString();
        var resourceVersion = query["resourceVersion"].ToString();
        if (continueText.Length > 0 && resourceVersion.Length > 0 && resourceVersion != "0")
        {
            throw Status.BadRequest("specifying resource version is not allowed when using continue");
        }
        var limitText = query["limit"].ToString();
        long limit = 0;
        if (limitText.Length > 0 && !long.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit))
        {
            throw Status.BadRequest($"invalid limit: {limitText}");
        }
        var token = continueText.Length > 0 ? ContinueToken.Decode(continueText) : null;
        var hasPredicate = !labels.IsEmpty || !fields.IsEmpty;
        var page = store.List(type, @namespace.Length == 0 ? null : @namespace,
            new ListQuery(limit, token, hasPredicate),
            o => labels.Matches(o.Labels) && fields.Matches(o.SelectableFields));
        if (table is not null) return new Answer(200, tables.Render(type, page.Items, page, table));
        return new Answer(200, Render(type, page));
    }

    private static byte[] Render(ResourceType type, ListPage page)
    {
        var header = new StringBuilder();
        header.Append("{\"kind\":\"").Append(type.ListKind).Append("\",\"apiVersion\":\"").Append(type.ApiVersion)
            .Append("\",\"metadata\":{\"resourceVersion\":\"").Append(page.ResourceVersion.ToString(CultureInfo.InvariantCulture)).Append('"');
        if (page.Continue is not null) header.Append(",\"continue\":\"").Append(page.Continue).Append('"');
        if (page.RemainingItemCount is not null) header.Append(",\"remainingItemCount\":").Append(page.RemainingItemCount.Value.ToString(CultureInfo.InvariantCulture));
        header.Append("},\"items\":[");
        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        var size = headerBytes.Length + 2 + page.Items.Sum(i => i.ItemJson.Length + 1);
        using var buffer = new MemoryStream(size);
        buffer.Write(headerBytes);
        for (var i = 0; i < page.Items.Count; i++)
        {
            if (i > 0) buffer.WriteByte((byte)',');
            buffer.Write(page.Items[i].ItemJson);
        }
        buffer.Write("]}"u8);
        return buffer.ToArray();
    }
}

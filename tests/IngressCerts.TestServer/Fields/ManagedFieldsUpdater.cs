using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;

namespace IngressCerts.TestServer.Fields;

/// <summary>
/// Keeps metadata.managedFields the way the real server does for the cases clients look at:
/// one entry per (manager, operation, apiVersion); an Update takes ownership of the fields it
/// changed, an Apply owns exactly the leaves it sent and conflicts with other owners of fields it changes.
/// </summary>
/// <param name="subresource">"status" for a write to the status subresource: its entries say so, and own only status fields.</param>
internal sealed class ManagedFieldsUpdater(ResourceType type, string? subresource = null)
{
    private readonly FieldSetBuilder _builder = new(type, statusOnly: subresource == "status");

    public JsonArray Update(JsonArray? entries, JsonObject? before, JsonObject after, string manager, string time)
    {
        var list = Parse(entries);
        var changed = _builder.Changed(after, before);
        if (before is not null) RemoveFromAll(list, _builder.Removed(before, after));
        var mine = list.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update" && e.ApiVersion == type.ApiVersion && e.Subresource == subresource);
        foreach (var entry in list)
        {
            if (!ReferenceEquals(entry, mine)) entry.Fields.ExceptWith(changed);
        }
        if (!changed.IsEmpty)
        {
            if (mine is null)
            {
                mine = new ManagedEntry(manager, "Update", type.ApiVersion, time, new FieldTree()) { Subresource = subresource };
                list.Add(mine);
            }
            mine.Fields.UnionWith(changed);
            mine.Time = time;
        }
        return ToJson(list);
    }

    /// <summary>
    /// An apply: fields it changes that another manager owns are conflicts (409) unless forced, in which
    /// case they move to the applier. Equal values are co-owned, as in structured-merge-diff.
    /// </summary>
    public JsonArray Apply(JsonArray? entries, JsonObject? before, JsonObject after, JsonObject applied, string manager, string time, bool force)
    {
        var list = Parse(entries);
        var appliedSet = AppliedSet(applied);
        var changed = _builder.Changed(after, before);
        var mine = list.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply" && e.Subresource == subresource);
        var taken = changed.Intersect(appliedSet);
        if (!force)
        {
            var conflicts = list
                .Where(e => !ReferenceEquals(e, mine))
                .SelectMany(e => e.Fields.Intersect(taken).MemberPaths().Select(p => (Entry: e, Path: Dotted(p))))
                .ToList();
            if (conflicts.Count > 0) throw ConflictError(conflicts);
        }
        if (before is not null) RemoveFromAll(list, _builder.Removed(before, after));
        foreach (var entry in list)
        {
            if (!ReferenceEquals(entry, mine)) entry.Fields.ExceptWith(taken);
        }
        if (mine is null)
        {
            mine = new ManagedEntry(manager, "Apply", type.ApiVersion, time, appliedSet) { Subresource = subresource };
            list.Add(mine);
        }
        else if (!JsonNode.DeepEquals(mine.Fields.ToJson(), appliedSet.ToJson()) || !changed.IsEmpty)
        {
            mine.Fields = appliedSet;
            mine.Time = time;
            mine.ApiVersion = type.ApiVersion;
        }
        return ToJson(list);
    }

    /// <summary>The leaves an applier owns for this configuration.</summary>
    public FieldTree AppliedSet(JsonObject applied) => _builder.Build(applied, mapMarkers: false);

    /// <summary>Fields the applier owned before, no longer sends, and nobody else owns: apply removes them.</summary>
    public IReadOnlyList<IReadOnlyList<string>> FieldsDroppedByApplier(JsonArray? entries, JsonObject applied, string manager)
    {
        var list = Parse(entries);
        var previous = list.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply");
        if (previous is null) return [];
        var now = AppliedSet(applied);
        var dropped = new List<IReadOnlyList<string>>();
        foreach (var path in previous.Fields.MemberPaths())
        {
            if (now.ContainsMember(path)) continue;
            if (list.Any(e => !ReferenceEquals(e, previous) && e.Fields.ContainsMember(path))) continue;
            dropped.Add(path);
        }
        return dropped;
    }

    /// <summary>fieldpath.Path's text form for our (list-free) paths: ".spec.rules", ".data.tls.crt".</summary>
    private static string Dotted(IReadOnlyList<string> path) => string.Concat(path.Select(p => "." + (p.StartsWith("f:", StringComparison.Ordinal) ? p[2..] : p)));

    /// <summary>Update managers print with their apiVersion, appliers by name alone (apiserver fieldmanager printManager).</summary>
    private static string Describe(ManagedEntry entry) =>
        entry.Operation == "Update" ? $"{GoQuote.Quote(entry.Manager)} using {entry.ApiVersion}" : GoQuote.Quote(entry.Manager);

    private static KubeApiException ConflictError(List<(ManagedEntry Entry, string Path)> conflicts)
    {
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {Describe(conflicts[0].Entry)}: {conflicts[0].Path}";
        }
        else
        {
            var lines = conflicts.GroupBy(c => Describe(c.Entry)).OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => new[] { $"conflicts with {g.Key}:" }.Concat(g.Select(c => $"- {c.Path}")));
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }
        var causes = new JsonArray(conflicts.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = "FieldManagerConflict",
            ["message"] = $"conflict with {Describe(c.Entry)}",
            ["field"] = c.Path,
        }).ToArray());
        return Status.ApplyConflict(message, causes);
    }

    private static void RemoveFromAll(List<ManagedEntry> list, FieldTree removed)
    {
        if (removed.IsEmpty) return;
        foreach (var entry in list) entry.Fields.ExceptWith(removed);
    }

    private static List<ManagedEntry> Parse(JsonArray? entries)
    {
        var list = new List<ManagedEntry>();
        if (entries is null) return list;
        foreach (var node in entries)
        {
            if (node is not JsonObject entry) continue;
            list.Add(new ManagedEntry(
                entry["manager"]?.GetValue<string>() ?? "",
                entry["operation"]?.GetValue<string>() ?? "Update",
                entry["apiVersion"]?.GetValue<string>() ?? "",
                entry["time"]?.GetValue<string>(),
                FieldTree.FromJson(entry["fieldsV1"] as JsonObject))
            {
                Subresource = entry["subresource"]?.GetValue<string>(),
            });
        }
        return list;
    }

    private static JsonArray ToJson(List<ManagedEntry> list)
    {
        var array = new JsonArray();
        foreach (var entry in list)
        {
            if (entry.Fields.IsEmpty) continue;
            var json = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = entry.ApiVersion,
            };
            if (entry.Time is not null) json["time"] = entry.Time;
            json["fieldsType"] = "FieldsV1";
            json["fieldsV1"] = entry.Fields.ToJson();
            if (entry.Subresource is not null) json["subresource"] = entry.Subresource;
            array.Add(json);
        }
        return array;
    }

    private sealed class ManagedEntry(string manager, string operation, string apiVersion, string? time, FieldTree fields)
    {
        public string Manager { get; } = manager;
        public string Operation { get; } = operation;
        public string ApiVersion { get; set; } = apiVersion;
        public string? Time { get; set; } = time;
        public FieldTree Fields { get; set; } = fields;
        public string? Subresource { get; init; }
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Operations;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Seeding;

/// <summary>
/// Puts objects straight into the store (no HTTP, no admission): defaults and validation still
/// apply so seed mistakes surface, missing namespaces are created, and given uid, timestamps,
/// status and managedFields are kept. Existing objects with the same name are replaced.
/// </summary>
internal sealed class ObjectSeeder(ObjectStore store, ResourceCatalog catalog, SystemClock clock)
{
    public int Seed(IEnumerable<JsonObject> objects)
    {
        var count = 0;
        store.Locked(() =>
        {
            var now = clock.Now();
            foreach (var source in objects)
            {
                foreach (var obj in Expand(source))
                {
                    Insert(obj, now);
                    count++;
                }
            }
        });
        return count;
    }

    /// <summary>A namespace object as the server makes it; used at start for default, kube-system, ...</summary>
    public void EnsureNamespace(string name, string now)
    {
        if (store.Get(ResourceCatalog.Namespaces, "", name) is not null) return;
        var ns = new JsonObject
        {
            ["kind"] = "Namespace",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = name },
        };
        Insert(ns, now);
    }

    private static IEnumerable<JsonObject> Expand(JsonObject obj)
    {
        // kind: List (what kubectl get -o json prints) holds the objects in items.
        if (obj.GetString("kind") is { } kind && kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
        {
            return items.OfType<JsonObject>().Select(i => i.CloneObject());
        }
        return [obj.CloneObject()];
    }

    private void Insert(JsonObject obj, string now)
    {
        var apiVersion = obj.GetString("apiVersion") ?? "";
        var kind = obj.GetString("kind") ?? "";
        var type = catalog.FindByKind(apiVersion, kind)
            ?? throw new ArgumentException($"cannot seed {apiVersion} {kind}: not a kind this server serves");
        obj.RemoveNulls();
        var metadata = obj.Metadata();
        var @namespace = "";
        if (type.Namespaced)
        {
            @namespace = metadata.GetString("namespace") is { Length: > 0 } given ? given : "default";
            metadata["namespace"] = @namespace;
            EnsureNamespace(@namespace, now);
        }
        else
        {
            metadata.Remove("namespace");
        }
        var status = obj["status"]?.DeepClone();
        type.Strategy.Default(obj);
        type.Strategy.PrepareForCreate(obj);
        if (status is not null) obj["status"] = status;
        var name = metadata.GetString("name") ?? "";
        var errors = type.Strategy.ValidateCreate(obj);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"cannot seed {kind} {@namespace}/{name}: {string.Join("; ", errors)}");
        }
        if (string.IsNullOrEmpty(metadata.GetString("uid"))) metadata["uid"] = SystemClock.NewUid();
        if (string.IsNullOrEmpty(metadata.GetString("creationTimestamp"))) metadata["creationTimestamp"] = now;
        if (type.TracksGeneration && metadata["generation"] is null) metadata["generation"] = 1;
        metadata["resourceVersion"] = store.NextRevision().ToString(CultureInfo.InvariantCulture);
        store.Put(type, ObjectCodec.Store(type, obj));
    }
}

using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Operations;

/// <summary>
/// The NamespaceLifecycle admission plugin and the namespace controller in one: writes need a live
/// namespace, and deleting one marks it Terminating, removes its content, then removes it.
/// </summary>
internal sealed class NamespaceLifecycle(ObjectStore store, SystemClock clock, TimeSpan finalizationDelay)
{
    private static readonly string[] Immortal = ["default", "kube-system", "kube-public"];

    /// <summary>Create in a missing namespace is 404 (reference 17); in a terminating one it is 403.</summary>
    public void EnsureWritable(ResourceType type, string @namespace, string name)
    {
        var ns = store.Get(ResourceCatalog.Namespaces, "", @namespace) ?? throw ResourceCatalog.Namespaces.NotFound(@namespace);
        var metadata = ns.ParseItem()["metadata"] as JsonObject;
        if (metadata.GetString("deletionTimestamp") is null) return;
        var causes = new JsonArray(new JsonObject
        {
            ["reason"] = "NamespaceTerminating",
            ["message"] = $"namespace {@namespace} is being terminated",
            ["field"] = "metadata.namespace",
        });
        throw Status.Forbidden(type.QualifiedResource, type.Group, type.Resource, name,
            $"unable to create new content in namespace {@namespace} because it is being terminated", causes);
    }

    /// <summary>DELETE of a namespace: answers the Terminating object (reference 50). Call under the store lock.</summary>
    public Answer Delete(StoredObject existing, JsonObject namespaceObject, bool dryRun)
    {
        var type = ResourceCatalog.Namespaces;
        if (Immortal.Contains(existing.Name))
        {
            throw Status.Forbidden(type.QualifiedResource, type.Group, type.Resource, existing.Name, "this namespace may not be deleted");
        }
        var metadata = namespaceObject.Metadata();
        if (metadata.GetString("deletionTimestamp") is not null)
        {
            return new Answer(200, ObjectCodec.FullJson(type, existing));
        }
        metadata["deletionTimestamp"] = clock.Now();
        namespaceObject.GetOrAddObject("status")["phase"] = "Terminating";
        if (dryRun) return new Answer(200, ObjectCodec.Answer(type, namespaceObject));
        metadata["resourceVersion"] = store.NextRevision().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var terminating = ObjectCodec.Store(type, namespaceObject);
        store.Put(type, terminating);
        if (finalizationDelay <= TimeSpan.Zero)
        {
            Finalize(existing.Name);
        }
        else
        {
            _ = Task.Delay(finalizationDelay).ContinueWith(_ => store.Locked(() => Finalize(existing.Name)), TaskScheduler.Default);
        }
        return new Answer(200, ObjectCodec.FullJson(type, terminating));
    }

    /// <summary>What the namespace controller does once content is gone: every object deleted, then the namespace.</summary>
    private void Finalize(string name)
    {
        foreach (var type in ResourceCatalog.All.Where(t => t.Namespaced))
        {
            foreach (var obj in store.LiveInNamespace(type, name))
            {
                store.Delete(type, name, obj.Name, store.NextRevision());
            }
        }
        if (store.Get(ResourceCatalog.Namespaces, "", name) is not null)
        {
            store.Delete(ResourceCatalog.Namespaces, "", name, store.NextRevision());
        }
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Fields;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Operations;

/// <summary>
/// create / update / patch / delete with the real server's order of checks: preconditions
/// (resourceVersion, uid) before validation, validation before existence on create, a no-op update
/// keeps its resourceVersion, every real write takes the next global revision.
/// </summary>
internal sealed class ObjectWriter(ObjectStore store, NamespaceLifecycle namespaces, SystemClock clock, NamespaceDefaults? namespaceDefaults = null)
{
    private static readonly string[] ServerSetMetadata =
        ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"];

    public Answer Create(ResourceType type, string @namespace, JsonObject body, WriteContext context)
    {
        CheckTypeMeta(type, body);
        StampNamespace(type, @namespace, body);
        body.RemoveNulls();
        type.Strategy.Default(body);
        return store.Locked(() => CreateLocked(type, @namespace, body, context, applied: null));
    }

    /// <param name="statusOnly">A write to the status subresource: only status is taken from <paramref name="body"/>.</param>
    public Answer Update(ResourceType type, string @namespace, string name, JsonObject body, WriteContext context, bool statusOnly = false)
    {
        CheckTypeMeta(type, body);
        StampNamespace(type, @namespace, body);
        var metadata = body.Metadata();
        var sentName = metadata.GetString("name") ?? "";
        if (sentName.Length == 0) metadata["name"] = name;
        else if (sentName != name)
        {
            throw Status.BadRequest($"the name of the object ({sentName}) does not match the name on the URL ({name})");
        }
        body.RemoveNulls();
        return store.Locked(() =>
        {
            var existing = store.Get(type, @namespace, name) ?? throw type.NotFound(name);
            return UpdateLocked(type, existing, body, context, applied: null, statusOnly);
        });
    }

    /// <summary>PATCH: the patch is applied to the stored object, and the result is written like an update.</summary>
    public Answer Patch(ResourceType type, string @namespace, string name, PatchRequest patch, WriteContext context, bool statusOnly = false) =>
        store.Locked(() =>
        {
            var existing = store.Get(type, @namespace, name);
            if (existing is null)
            {
                // A subresource never creates its object.
                if (patch.Applied is null || statusOnly) throw type.NotFound(name);
                // Server-side apply creates a missing object (reference 31).
                var created = patch.Applied.CloneObject();
                var metadata = created.Metadata();
                if (string.IsNullOrEmpty(metadata.GetString("name"))) metadata["name"] = name;
                StampNamespace(type, @namespace, created);
                type.Strategy.Default(created);
                return CreateLocked(type, @namespace, created, context, patch.Applied);
            }
            var current = ObjectCodec.Load(type, existing);
            var patched = patch.ApplyTo(current, type, context.Manager);
            var patchedName = patched.Metadata().GetString("name") ?? "";
            if (patchedName != name)
            {
                throw Status.BadRequest($"the name of the object ({patchedName}) does not match the name on the URL ({name})");
            }
            StampNamespace(type, @namespace, patched);
            patched.RemoveNulls();
            return UpdateLocked(type, existing, patched, context, patch.Applied, statusOnly);
        });

    public Answer Delete(ResourceType type, string @namespace, string name, JsonObject? options, WriteContext context) =>
        store.Locked(() =>
        {
            var existing = store.Get(type, @namespace, name) ?? throw type.NotFound(name);
            var preconditions = options?["preconditions"] as JsonObject;
            var uid = preconditions.GetString("uid");
            if (!string.IsNullOrEmpty(uid) && uid != existing.Uid)
            {
                throw type.PreconditionFailed(name,
                    $"the UID in the precondition ({uid}) does not match the UID in record ({existing.Uid}). The object might have been deleted and then recreated");
            }
            var version = preconditions.GetString("resourceVersion");
            var stored = existing.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            if (!string.IsNullOrEmpty(version) && version != stored)
            {
                throw type.PreconditionFailed(name,
                    $"the ResourceVersion in the precondition ({version}) does not match the ResourceVersion in record ({stored}). The object might have been modified");
            }
            var current = ObjectCodec.Load(type, existing);
            if (type == ResourceCatalog.Namespaces) return namespaces.Delete(existing, current, context.DryRun);
            var metadata = current.Metadata();
            if (metadata["finalizers"] is JsonArray { Count: > 0 })
            {
                // Finalizers hold the object: deletion only marks it, and the answer is the object.
                if (metadata.GetString("deletionTimestamp") is not null) return new Answer(200, ObjectCodec.FullJson(type, existing));
                metadata["deletionTimestamp"] = clock.Now();
                metadata["deletionGracePeriodSeconds"] = 0;
                if (type.TracksGeneration) metadata["generation"] = (metadata["generation"]?.GetValue<long>() ?? 1) + 1;
                return new Answer(200, Commit(type, current, context.DryRun));
            }
            if (!context.DryRun) store.Delete(type, @namespace, name, store.NextRevision());
            return new Answer(200, ObjectCodec.Serialize(Status.DeleteSuccess(name, type.Group, type.Resource, existing.Uid)));
        });

    private Answer CreateLocked(ResourceType type, string @namespace, JsonObject obj, WriteContext context, JsonObject? applied)
    {
        var metadata = obj.Metadata();
        var name = metadata.GetString("name") ?? "";
        var generateName = metadata.GetString("generateName") ?? "";
        if (name.Length == 0 && generateName.Length > 0)
        {
            do name = SystemClock.GenerateName(generateName);
            while (store.Get(type, @namespace, name) is not null);
            metadata["name"] = name;
        }
        if (type.Namespaced) namespaces.EnsureWritable(type, @namespace, name);
        var sentVersion = metadata.GetString("resourceVersion");
        metadata.Remove("resourceVersion");
        foreach (var field in ServerSetMetadata) metadata.Remove(field);
        var sentManagedFields = TakeManagedFields(metadata);
        type.Strategy.PrepareForCreate(obj);
        var errors = type.Strategy.ValidateCreate(obj);
        if (errors.Count > 0) throw type.Invalid(name, errors);
        if (!string.IsNullOrEmpty(sentVersion))
        {
            // The storage layer refuses this with a plain error, which the apiserver answers as 500.
            throw Status.Unknown(500, "resourceVersion should not be set on objects to be created");
        }
        if (store.Get(type, @namespace, name) is not null) throw type.AlreadyExists(name);
        var now = clock.Now();
        var updater = new ManagedFieldsUpdater(type);
        var managed = applied is null
            ? updater.Update(sentManagedFields, null, obj, context.Manager, now)
            : updater.Apply(null, null, obj, applied, context.Manager, now, force: true);
        metadata["uid"] = SystemClock.NewUid();
        metadata["creationTimestamp"] = now;
        if (type.TracksGeneration) metadata["generation"] = 1;
        SetManagedFields(metadata, managed);
        var answer = new Answer(201, Commit(type, obj, context.DryRun));
        if (type == ResourceCatalog.Namespaces && !context.DryRun) namespaceDefaults?.Populate(name);
        return answer;
    }

    private Answer UpdateLocked(ResourceType type, StoredObject existing, JsonObject obj, WriteContext context, JsonObject? applied, bool statusOnly = false)
    {
        var name = existing.Name;
        var metadata = obj.Metadata();
        var storedVersion = existing.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        var sentVersion = metadata.GetString("resourceVersion");
        if (!string.IsNullOrEmpty(sentVersion) && sentVersion != storedVersion) throw type.Modified(name);
        var sentUid = metadata.GetString("uid");
        if (!string.IsNullOrEmpty(sentUid) && sentUid != existing.Uid) throw type.UidMismatch(name, sentUid, existing.Uid);

        var current = ObjectCodec.Load(type, existing);
        var currentMetadata = current.Metadata();
        if (statusOnly)
        {
            // The CRD status strategy: the stored object, with the status sent (none sent: none kept) and the
            // managedFields sent; spec, labels, annotations and the rest of metadata do not change.
            var sentStatus = obj["status"]?.DeepClone();
            var sentManaged = metadata["managedFields"]?.DeepClone();
            obj = current.CloneObject();
            metadata = obj.Metadata();
            if (sentStatus is null) obj.Remove("status");
            else obj["status"] = sentStatus;
            metadata.Remove("managedFields");
            if (sentManaged is not null) metadata["managedFields"] = sentManaged;
        }
        type.Strategy.Default(obj);
        foreach (var field in ServerSetMetadata)
        {
            metadata.Remove(field);
            if (currentMetadata[field] is { } value) metadata[field] = value.DeepClone();
        }
        var sentManagedFields = TakeManagedFields(metadata);
        if (!statusOnly) type.Strategy.PrepareForUpdate(obj, current);
        if (type.TracksGeneration && SpecChanged(obj, current))
        {
            metadata["generation"] = (currentMetadata["generation"]?.GetValue<long>() ?? 1) + 1;
        }
        var errors = type.Strategy.ValidateUpdate(obj, current);
        if (errors.Count > 0) throw type.Invalid(name, errors);

        var now = clock.Now();
        var updater = new ManagedFieldsUpdater(type, statusOnly ? "status" : null);
        var baseEntries = sentManagedFields ?? currentMetadata["managedFields"] as JsonArray;
        var managed = applied is null
            ? updater.Update(baseEntries, current, obj, context.Manager, now)
            : updater.Apply(baseEntries, current, obj, applied, context.Manager, now, context.Force);
        SetManagedFields(metadata, managed);
        metadata["resourceVersion"] = storedVersion;
        if (JsonNode.DeepEquals(obj, current))
        {
            // Nothing changed: etcd is not written and the resourceVersion stays.
            return new Answer(200, ObjectCodec.FullJson(type, existing));
        }
        if (metadata.GetString("deletionTimestamp") is not null && metadata["finalizers"] is not JsonArray { Count: > 0 })
        {
            // The last finalizer is gone from an object being deleted: it goes away now.
            if (!context.DryRun) store.Delete(type, existing.Namespace, name, store.NextRevision());
            return new Answer(200, ObjectCodec.Answer(type, obj));
        }
        return new Answer(200, Commit(type, obj, context.DryRun));
    }

    /// <summary>Gives the object the next revision and stores it (not on dry run); returns the answer bytes.</summary>
    private byte[] Commit(ResourceType type, JsonObject obj, bool dryRun)
    {
        var metadata = obj.Metadata();
        if (dryRun)
        {
            return ObjectCodec.Answer(type, obj);
        }
        metadata["resourceVersion"] = store.NextRevision().ToString(CultureInfo.InvariantCulture);
        var stored = ObjectCodec.Store(type, obj);
        store.Put(type, stored);
        return ObjectCodec.FullJson(type, stored);
    }

    private static JsonArray? TakeManagedFields(JsonObject metadata)
    {
        var sent = metadata["managedFields"] as JsonArray;
        metadata.Remove("managedFields");
        return sent is { Count: > 0 } ? (JsonArray)sent.DeepClone() : null;
    }

    private static void SetManagedFields(JsonObject metadata, JsonArray managed)
    {
        if (managed.Count > 0) metadata["managedFields"] = managed;
        else metadata.Remove("managedFields");
    }

    /// <summary>Anything outside metadata and status changed: the generation moves on.</summary>
    private static bool SpecChanged(JsonObject updated, JsonObject current)
    {
        static IEnumerable<string> Keys(JsonObject o) => o.Select(p => p.Key).Where(k => k is not ("metadata" or "status" or "kind" or "apiVersion"));
        var keys = Keys(updated).Union(Keys(current));
        return keys.Any(k => !JsonNode.DeepEquals(updated[k], current[k]));
    }

    private static void StampNamespace(ResourceType type, string @namespace, JsonObject obj)
    {
        var metadata = obj.Metadata();
        var sent = metadata.GetString("namespace") ?? "";
        if (!type.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }
        if (sent.Length > 0 && sent != @namespace)
        {
            throw Status.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        metadata["namespace"] = @namespace;
    }

    /// <summary>kind/apiVersion may be left out (the URL says them); if given they must match.</summary>
    private static void CheckTypeMeta(ResourceType type, JsonObject body)
    {
        var apiVersion = body.GetString("apiVersion");
        var kind = body.GetString("kind");
        if (apiVersion is not null && apiVersion != type.ApiVersion)
        {
            throw Status.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }
        if (kind is not null && kind != type.Kind)
        {
            throw Status.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
        body["kind"] = type.Kind;
        body["apiVersion"] = type.ApiVersion;
    }
}

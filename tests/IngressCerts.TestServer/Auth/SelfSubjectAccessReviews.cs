using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Fields;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Operations;
using IngressCerts.TestServer.Storage;

namespace IngressCerts.TestServer.Auth;

/// <summary>
/// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews, as the apiserver's selfsubjectaccessreview
/// REST storage answers it: validated, decided by the same <see cref="Authorizer"/> as real requests, never
/// stored, and echoed with 201, managedFields for the sender and <c>status: {allowed, reason}</c>.
/// </summary>
internal sealed class SelfSubjectAccessReviews(Authorizer authorizer, SystemClock clock)
{
    public const string Group = "authorization.k8s.io";
    public const string Kind = "SelfSubjectAccessReview";
    public const string CollectionPath = "/apis/" + Group + "/v1/selfsubjectaccessreviews";

    private const string ApiVersion = Group + "/v1";

    /// <summary>Go struct order of authorization/v1 ResourceAttributes and NonResourceAttributes (all omitempty).</summary>
    private static readonly string[] ResourceFields = ["namespace", "verb", "group", "version", "resource", "subresource", "name"];
    private static readonly string[] NonResourceFields = ["path", "verb"];

    public Answer Create(KubeUser user, string manager, JsonObject body)
    {
        authorizer.Authorize(user, "create", Group, "selfsubjectaccessreviews", "", "");
        CheckTypeMeta(body);
        var spec = body["spec"] as JsonObject ?? new JsonObject();
        var resource = Attributes(spec["resourceAttributes"], ResourceFields);
        var nonResource = Attributes(spec["nonResourceAttributes"], NonResourceFields);
        var errors = Validate(body["metadata"] as JsonObject, spec, resource, nonResource);
        if (errors.Count > 0) throw Status.Invalid(Group, Kind, "", errors);

        var (allowed, reason) = resource is not null
            ? authorizer.Decide(user, resource.GetString("verb") ?? "", resource.GetString("group") ?? "", ResourceName(resource),
                resource.GetString("namespace") ?? "", resource.GetString("name") ?? "")
            : authorizer.DecidePath(user, nonResource!.GetString("verb") ?? "", nonResource.GetString("path") ?? "");

        var echoedSpec = new JsonObject();
        if (resource is not null) echoedSpec["resourceAttributes"] = resource;
        else echoedSpec["nonResourceAttributes"] = nonResource;
        var status = new JsonObject { ["allowed"] = allowed };
        if (reason.Length > 0) status["reason"] = reason;
        var review = new JsonObject
        {
            ["kind"] = Kind,
            ["apiVersion"] = ApiVersion,
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null, ["managedFields"] = ManagedFields(echoedSpec, manager) },
            ["spec"] = echoedSpec,
            ["status"] = status,
        };
        return new Answer(201, ObjectCodec.Serialize(review));
    }

    /// <summary>RBAC matches "resource/subresource" when a subresource is asked about.</summary>
    private static string ResourceName(JsonObject attributes)
    {
        var resource = attributes.GetString("resource") ?? "";
        var subresource = attributes.GetString("subresource") ?? "";
        return subresource.Length == 0 ? resource : $"{resource}/{subresource}";
    }

    /// <summary>The attributes as the server decodes and re-encodes them: known fields, Go order, empty ones dropped.</summary>
    private static JsonObject? Attributes(JsonNode? node, string[] fields)
    {
        if (node is not JsonObject given) return null;
        var attributes = new JsonObject();
        foreach (var field in fields)
        {
            if (given.GetString(field) is { Length: > 0 } value) attributes[field] = value;
        }
        return attributes;
    }

    /// <summary>ValidateSelfSubjectAccessReview: empty metadata, exactly one kind of attributes.</summary>
    private static List<FieldError> Validate(JsonObject? metadata, JsonObject spec, JsonObject? resource, JsonObject? nonResource)
    {
        var errors = new List<FieldError>();
        var setMetadata = metadata?.Where(p => p.Value is not null).Select(p => p.Key).ToList() ?? [];
        if (setMetadata.Count > 0)
        {
            // The real message dumps the whole Go ObjectMeta (%#v); the fields that were set say the same.
            errors.Add(new FieldError("FieldValueInvalid", "metadata", $"Invalid value: v1.ObjectMeta{{{string.Join(", ", setMetadata)}}}: must be empty"));
        }
        if (resource is not null && nonResource is not null)
        {
            var value = $"authorization.NonResourceAttributes{{Path:{GoQuote.Quote(nonResource.GetString("path") ?? "")}, Verb:{GoQuote.Quote(nonResource.GetString("verb") ?? "")}}}";
            errors.Add(new FieldError("FieldValueInvalid", "spec.nonResourceAttributes", $"Invalid value: {value}: cannot be specified in combination with resourceAttributes"));
        }
        if (resource is null && nonResource is null)
        {
            errors.Add(FieldError.Invalid("spec.resourceAttributes", "null", "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
        }
        return errors;
    }

    /// <summary>
    /// The create handler's field manager records an Update by the sender, even for an object that is not stored;
    /// the attributes are pointers to structs, so they carry the "." marker.
    /// </summary>
    private JsonArray ManagedFields(JsonObject spec, string manager)
    {
        var fields = new FieldTree();
        foreach (var (key, value) in spec)
        {
            var attributes = fields.Child("f:spec").Child("f:" + key);
            attributes.IsMember = true;
            foreach (var (field, _) in (JsonObject)value!) attributes.Set("f:" + field, FieldTree.Member());
        }
        return new JsonArray(new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Update",
            ["apiVersion"] = ApiVersion,
            ["time"] = clock.Now(),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fields.ToJson(),
        });
    }

    private static void CheckTypeMeta(JsonObject body)
    {
        var apiVersion = body.GetString("apiVersion");
        var kind = body.GetString("kind");
        if (apiVersion is not null && apiVersion != ApiVersion)
        {
            throw Status.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({ApiVersion})");
        }
        if (kind is not null && kind != Kind)
        {
            throw Status.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({Kind})");
        }
    }
}

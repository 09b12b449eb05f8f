using System.Text.Json.Nodes;

namespace IngressCerts.TestServer.Api;

/// <summary>
/// Builds metav1.Status bodies with the same field order, reasons and message texts as
/// k8s.io/apimachinery/pkg/api/errors, so clients that parse messages see the real thing.
/// </summary>
internal static class Status
{
    public static KubeApiException NotFound(string qualifiedResource, string group, string resource, string name) =>
        Failure(404, "NotFound", $"{qualifiedResource} {GoQuote.Quote(name)} not found", Details(name, group, resource));

    public static KubeApiException AlreadyExists(string qualifiedResource, string group, string resource, string name) =>
        Failure(409, "AlreadyExists", $"{qualifiedResource} {GoQuote.Quote(name)} already exists", Details(name, group, resource));

    /// <summary>errors.NewConflict: "Operation cannot be fulfilled on {qr} {name}: {why}".</summary>
    public static KubeApiException Conflict(string qualifiedResource, string group, string resource, string name, string why) =>
        Failure(409, "Conflict", $"Operation cannot be fulfilled on {qualifiedResource} {GoQuote.Quote(name)}: {why}", Details(name, group, resource));

    public const string ModifiedMessage =
        "the object has been modified; please apply your changes to the latest version and try again";

    /// <summary>errors.NewInvalid: one error prints bare, several print as a Go aggregate "[a, b]".</summary>
    public static KubeApiException Invalid(string kindGroup, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var qualifiedKind = kindGroup.Length == 0 ? kind : $"{kind}.{kindGroup}";
        var aggregate = errors.Count == 1 ? errors[0].ToString() : $"[{string.Join(", ", errors)}]";
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Body, ["field"] = error.Field });
        }
        var details = Details(name, kindGroup, kind);
        details["causes"] = causes;
        return Failure(422, "Invalid", $"{qualifiedKind} {GoQuote.Quote(name)} is invalid: {aggregate}", details);
    }

    /// <summary>errors.NewApplyConflict: details carry only the causes.</summary>
    public static KubeApiException ApplyConflict(string message, JsonArray causes) =>
        Failure(409, "Conflict", message, new JsonObject { ["causes"] = causes });

    public static KubeApiException BadRequest(string message) => Failure(400, "BadRequest", message, null);

    public static KubeApiException Forbidden(string qualifiedResource, string group, string resource, string name, string why, JsonArray? causes = null)
    {
        var subject = name.Length == 0 ? qualifiedResource : $"{qualifiedResource} {GoQuote.Quote(name)}";
        var details = Details(name, group, resource);
        if (causes is not null) details["causes"] = causes;
        return Failure(403, "Forbidden", $"{subject} is forbidden: {why}", details);
    }

    public static KubeApiException Unauthorized() => Failure(401, "Unauthorized", "Unauthorized", null);

    /// <summary>errors.NewGenericServerResponse(422, ...) as the patch handler uses it: empty details.</summary>
    public static KubeApiException PatchRejected() =>
        Failure(422, "Invalid", "the server rejected our request due to an error in our request", new JsonObject());

    public static KubeApiException MethodNotAllowed() =>
        Failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", new JsonObject());

    public static KubeApiException UnsupportedMediaType(IEnumerable<string> accepted) =>
        Failure(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}", null);

    public static KubeApiException TooManyRequests(int retryAfterSeconds)
    {
        var details = new JsonObject { ["retryAfterSeconds"] = retryAfterSeconds };
        return new KubeApiException(429, Body("Too many requests, please try again later.", "TooManyRequests", details, 429, new JsonObject()))
        {
            Headers = new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
    }

    public static KubeApiException InternalError(string message)
    {
        var details = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) };
        return Failure(500, "InternalError", $"Internal error occurred: {message}", details);
    }

    /// <summary>An error the real server returns without converting it to a typed status (reason Unknown).</summary>
    public static KubeApiException Unknown(int code, string message) => Failure(code, "", message, null);

    /// <summary>errors.NewTimeoutError as the apiserver's deadline filter sends it (504, reason Timeout).</summary>
    public static KubeApiException GatewayTimeout() =>
        Failure(504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded", new JsonObject());

    public static KubeApiException ServiceUnavailable() =>
        Failure(503, "ServiceUnavailable", "the server is currently unable to handle the request", new JsonObject());

    /// <summary>410 for a continue token older than the last compaction; metadata carries a fresh token.</summary>
    public static KubeApiException Expired(string freshContinue) =>
        new(410, Body(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            "Expired", null, 410, new JsonObject { ["continue"] = freshContinue }));

    /// <summary>The Status a successful delete of an object without finalizers returns.</summary>
    public static JsonObject DeleteSuccess(string name, string group, string resource, string uid)
    {
        var details = Details(name, group, resource);
        details["uid"] = uid;
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    private static JsonObject Details(string name, string group, string kind)
    {
        var details = new JsonObject();
        if (name.Length > 0) details["name"] = name;
        if (group.Length > 0) details["group"] = group;
        if (kind.Length > 0) details["kind"] = kind;
        return details;
    }

    private static KubeApiException Failure(int code, string reason, string message, JsonObject? details) =>
        new(code, Body(message, reason, details, code, new JsonObject()));

    private static JsonObject Body(string message, string reason, JsonObject? details, int code, JsonObject metadata)
    {
        var body = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = metadata,
            ["status"] = "Failure",
            ["message"] = message,
        };
        if (reason.Length > 0) body["reason"] = reason;
        if (details is not null) body["details"] = details;
        body["code"] = code;
        return body;
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngressCerts.TestServer.Api;
using IngressCerts.TestServer.Auth;
using IngressCerts.TestServer.Faults;
using IngressCerts.TestServer.Json;
using IngressCerts.TestServer.Logging;
using IngressCerts.TestServer.Operations;
using IngressCerts.TestServer.Storage;
using Microsoft.AspNetCore.Http;

namespace IngressCerts.TestServer.Http;

/// <summary>
/// One request, start to end, in the apiserver's filter order: injected faults (they stand for
/// what happens in front of the server), authentication, routing, authorization, the operation.
/// Every request is logged with the status it got.
/// </summary>
internal sealed class ApiPipeline(
    ResourceCatalog catalog,
    Discovery discovery,
    Authenticator authenticator,
    Authorizer authorizer,
    SelfSubjectAccessReviews? reviews,
    ObjectReader reader,
    ObjectWriter writer,
    FaultInjector faults,
    RequestLog log,
    TimeProvider time,
    CancellationToken stopping)
{
    private static readonly byte[] NotFoundText = "404 page not found\n"u8.ToArray();

    public async Task HandleAsync(HttpContext context)
    {
        var started = time.GetUtcNow();
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var pathAndQuery = path + request.QueryString.Value;
        var info = RequestInfo.Parse(request.Method, path, request.Query, catalog);
        string? user = null;
        var status = 0;
        log.Begin();
        try
        {
            // Authenticate before faults so a faulted request is still logged with its user.
            var principal = authenticator.Authenticate(context);
            user = principal?.Name;
            var fault = faults.Take(request.Method, path, pathAndQuery, info?.Verb);
            if (fault is DropConnectionFault)
            {
                context.Abort();
                return;
            }
            if (fault is StallFault stall)
            {
                try
                {
                    // Ends early when the client gives up or the server stops, so shutdown never waits on a stall.
                    using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
                    await Task.Delay(stall.Duration, cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else if (fault is not null and not AppliedThenFault)
            {
                throw ToStatus(fault, info);
            }
            if (principal is null) throw Status.Unauthorized();
            var answer = await RouteAsync(context, path, info, principal);
            status = answer?.StatusCode ?? 404;
            if (fault is AppliedThenFault lost)
            {
                // The operation has run (a write is committed in the store); only its answer goes missing.
                await LoseReplyAsync(context, lost.Reply);
                return;
            }
            if (answer is null) await WriteAsync(context, 404, "text/plain; charset=utf-8", NotFoundText);
            else await WriteAsync(context, answer.StatusCode, "application/json", answer.Body);
        }
        catch (KubeApiException ex)
        {
            status = ex.Code;
            foreach (var (name, value) in ex.Headers) context.Response.Headers[name] = value;
            await WriteAsync(context, ex.Code, "application/json", ObjectCodec.Serialize(ex.Status));
        }
        finally
        {
            var body = log.CaptureBodies ? context.Items[BodyItem] as byte[] : null;
            log.Add(new RequestLogEntry(started, request.Method, pathAndQuery, user, status) { Body = body });
            log.End();
        }
    }

    private async Task<Answer?> RouteAsync(HttpContext context, string path, RequestInfo? info, KubeUser user)
    {
        if (info is null)
        {
            if (reviews is null || path != SelfSubjectAccessReviews.CollectionPath) return Discover(context.Request.Method, path);
            // Not stored, create only.
            if (context.Request.Method != "POST") throw Status.MethodNotAllowed();
            return reviews.Create(user, ManagerOf(context), await ReadObjectAsync(context, SelfSubjectAccessReviews.Kind));
        }
        authorizer.Authorize(user, info);
        var query = context.Request.Query;
        var write = new WriteContext(
            ManagerOf(context),
            ManagerGiven: query.ContainsKey("fieldManager"),
            DryRun: query["dryRun"].ToString() == "All",
            Force: query["force"].ToString() == "true");
        var type = info.Type;
        // kubectl get asks for server-side printing; includeObject defaults to PartialObjectMetadata.
        var table = TablePrinter.Wants(context.Request.Headers.Accept.ToString())
            ? query["includeObject"].ToString() is { Length: > 0 } include ? include : "PartialObjectMetadata"
            : null;
        if (info.Subresource == "status")
        {
            // A CRD's status subresource: get, update and patch only; the writes change nothing but status.
            switch (info.Verb)
            {
                case "get":
                    return reader.Get(type, info.Namespace, info.Name, table);
                case "update":
                    return writer.Update(type, info.Namespace, info.Name, await ReadObjectAsync(context, type.Kind), write, statusOnly: true);
                case "patch":
                    var statusPatch = PatchRequest.Decode(type, context.Request.ContentType, await ReadBodyAsync(context), write.ManagerGiven);
                    return writer.Patch(type, info.Namespace, info.Name, statusPatch, write, statusOnly: true);
                default:
                    throw Status.MethodNotAllowed();
            }
        }
        switch (info.Verb)
        {
            case "get":
                return reader.Get(type, info.Namespace, info.Name, table);
            case "list":
                return reader.List(type, info.Namespace, query, table);
            case "create":
                return writer.Create(type, info.Namespace, await ReadObjectAsync(context, type.Kind), write);
            case "update":
                return writer.Update(type, info.Namespace, info.Name, await ReadObjectAsync(context, type.Kind), write);
            case "patch":
                var patch = PatchRequest.Decode(type, context.Request.ContentType, await ReadBodyAsync(context), write.ManagerGiven);
                return writer.Patch(type, info.Namespace, info.Name, patch, write);
            case "delete":
                var body = await ReadBodyAsync(context);
                var options = body.Length == 0 ? null : ParseJson(body) as JsonObject;
                if (query["dryRun"].ToString() == "All" || (options?["dryRun"] as JsonArray)?.Any(v => v.AsString() == "All") == true)
                {
                    write = write with { DryRun = true };
                }
                return writer.Delete(type, info.Namespace, info.Name, options, write);
            default:
                // watch and deletecollection are not implemented.
                throw Status.MethodNotAllowed();
        }
    }

    private Answer? Discover(string method, string path)
    {
        if (method is not ("GET" or "HEAD")) return null;
        var trimmed = path.TrimEnd('/');
        var parts = trimmed.Trim('/').Split('/');
        byte[]? body = trimmed switch
        {
            "/version" => discovery.Version,
            "/api" => discovery.ApiVersions,
            "/apis" => discovery.Groups,
            "/api/v1" => discovery.CoreV1,
            _ when parts.Length == 2 && parts[0] == "apis" => discovery.Group(parts[1]),
            _ when parts.Length == 3 && parts[0] == "apis" => discovery.GroupVersion(parts[1], parts[2]),
            _ => null,
        };
        return body is null ? null : new Answer(200, body);
    }

    private static KubeApiException ToStatus(FaultKind fault, RequestInfo? info) => fault switch
    {
        TooManyRequestsFault tooMany => Status.TooManyRequests(tooMany.RetryAfterSeconds),
        InternalErrorFault internalError => Status.InternalError(internalError.Message),
        ForbiddenFault => Status.Forbidden(info?.Type.QualifiedResource ?? "", info?.Type.Group ?? "", info?.Type.Resource ?? "", info?.Name ?? "",
            "injected fault"),
        ConflictFault => Status.Conflict(info?.Type.QualifiedResource ?? "", info?.Type.Group ?? "", info?.Type.Resource ?? "", info?.Name ?? "",
            Status.ModifiedMessage),
        _ => Status.ServiceUnavailable(),
    };

    /// <summary>Replaces the answer of a request that was carried out with a 504, a reset, or silence.</summary>
    private async Task LoseReplyAsync(HttpContext context, LostReply reply)
    {
        switch (reply)
        {
            case LostReply.GatewayTimeout:
                await WriteAsync(context, 504, "application/json", ObjectCodec.Serialize(Status.GatewayTimeout().Status));
                break;
            case LostReply.NoAnswer:
                try
                {
                    using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
                    await Task.Delay(Timeout.Infinite, cancel.Token);
                }
                catch (OperationCanceledException)
                {
                }
                context.Abort();
                break;
            default:
                context.Abort();
                break;
        }
    }

    /// <summary>fieldManager if given, else the User-Agent up to its first "/" (how "Python-urllib" got into the references).</summary>
    private static string ManagerOf(HttpContext context)
    {
        var given = context.Request.Query["fieldManager"].ToString();
        if (given.Length > 0) return given;
        return context.Request.Headers.UserAgent.ToString().Split('/')[0];
    }

    // Where the body read is kept for the request log (used only when it captures bodies).
    private const string BodyItem = "IngressCerts.TestServer.Body";

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        context.Items[BodyItem] = body;
        return body;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, string kind)
    {
        var mediaType = (context.Request.ContentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();
        var body = await ReadBodyAsync(context);
        JsonNode? parsed;
        switch (mediaType)
        {
            case "application/json" or "":
                parsed = ParseJson(body);
                break;
            case "application/vnd.kubernetes.protobuf":
                // kubectl create secret/namespace/ingress sends protobuf, as a real server accepts it.
                return Protobuf.ProtoDecoder.Decode(body, kind);
            case "application/yaml":
                try
                {
                    parsed = YamlJson.Parse(Encoding.UTF8.GetString(body));
                }
                catch (FormatException ex)
                {
                    throw Status.BadRequest(ex.Message);
                }
                break;
            default:
                throw Status.UnsupportedMediaType(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]);
        }
        return parsed as JsonObject ?? throw Status.BadRequest("Object 'Kind' is missing in the request body: it is not a JSON object");
    }

    private static JsonNode? ParseJson(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            throw Status.BadRequest($"couldn't get version/kind; json parse error: {ex.Message}");
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (context.Request.Method == "HEAD") return;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}

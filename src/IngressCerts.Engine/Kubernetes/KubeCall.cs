using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>Runs one API call and turns every transport or API failure into a <see cref="KubeApiException"/>.</summary>
internal static class KubeCall
{
    public static async Task<T> RunAsync<T>(
        ClusterConnection connection,
        string verb,
        string resource,
        string? @namespace,
        string? name,
        Func<CancellationToken, Task<T>> call,
        CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            int code = (int)(ex.Response?.StatusCode ?? 0);
            var (reason, serverMessage) = ReadStatus(ex.Response?.Content);
            var kind = Classify(code, reason);
            string message = Describe(connection, verb, resource, @namespace, name, kind, code, serverMessage);

            // The client's exception is not chained: it carries the request, whose body may hold a private key.
            throw new KubeApiException(kind, code, message, verb, resource, @namespace, name, connection.ContextName, connection.UserName);
        }
        catch (HttpRequestException ex) when (ServerNameMismatchException.Find(ex) is { } mismatch)
        {
            // Not "unreachable": the server answered, and is not the one named. The request was not sent.
            string message = $"The request to {verb} {resource} in cluster '{connection.ContextName}' was not sent: {mismatch.Message}";
            throw new KubeApiException(KubeErrorKind.ServerNameMismatch, 0, message, verb, resource, @namespace, name, connection.ContextName, connection.UserName, mismatch);
        }
        catch (HttpRequestException ex)
        {
            string detail = ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;
            string hint = ex.InnerException is System.Security.Authentication.AuthenticationException
                ? " The server's certificate is not trusted: give its CA with -CertificateAuthority (or certificate-authority-data in the kubeconfig)."
                : string.Empty;
            string message = $"{connection.Description} is unreachable for {verb} {resource}: {detail}{hint}";
            throw new KubeApiException(KubeErrorKind.ClusterUnreachable, 0, message, verb, resource, @namespace, name, connection.ContextName, connection.UserName, ex);
        }
        catch (k8s.Exceptions.KubeConfigException ex)
        {
            // Raised during a request when an exec credential plugin fails or returns no credential.
            string message = $"The credentials of user '{connection.UserName}' for cluster '{connection.ContextName}' could not be obtained for {verb} {resource}: {ex.Message}";
            throw new KubeApiException(KubeErrorKind.Unauthorized, 0, message, verb, resource, @namespace, name, connection.ContextName, connection.UserName);
        }
        catch (JsonException ex)
        {
            string message = $"The answer of cluster '{connection.ContextName}' to {verb} {resource} could not be read: {ex.Message}";
            throw new KubeApiException(KubeErrorKind.Other, 0, message, verb, resource, @namespace, name, connection.ContextName, connection.UserName, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own timeout, not the user's Ctrl+C.
            string message = $"{connection.Description} did not answer {verb} {resource} in time.";
            throw new KubeApiException(KubeErrorKind.ClusterUnreachable, 0, message, verb, resource, @namespace, name, connection.ContextName, connection.UserName, ex);
        }
    }

    public static Task RunAsync(
        ClusterConnection connection, string verb, string resource, string? @namespace, string? name,
        Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        RunAsync<bool>(connection, verb, resource, @namespace, name, async ct => { await call(ct).ConfigureAwait(false); return true; }, cancellationToken);

    internal static KubeErrorKind Classify(int code, string? reason) => code switch
    {
        401 => KubeErrorKind.Unauthorized,
        403 => KubeErrorKind.Forbidden,
        404 => KubeErrorKind.NotFound,
        409 when reason == "AlreadyExists" => KubeErrorKind.AlreadyExists,
        409 => KubeErrorKind.Conflict,
        410 => KubeErrorKind.Expired,
        400 => KubeErrorKind.BadRequest,
        422 => KubeErrorKind.Invalid,
        429 => KubeErrorKind.TooManyRequests,
        >= 500 => KubeErrorKind.ServerError,
        _ => KubeErrorKind.Other,
    };

    private static string Describe(ClusterConnection c, string verb, string resource, string? ns, string? name, KubeErrorKind kind, int code, string? serverMessage)
    {
        string target = name is null
            ? (ns is null ? $"{resource} in all namespaces" : $"{resource} in namespace '{ns}'")
            : $"{resource} '{(ns is null ? name : ns + "/" + name)}'";
        string lead = kind switch
        {
            KubeErrorKind.Unauthorized => $"{c.Description} rejected the credentials of user '{c.UserName}' (401 Unauthorized) for {verb} {target}.",
            KubeErrorKind.Forbidden => $"User '{c.UserName}' may not {verb} {target} in cluster '{c.ContextName}' (403 Forbidden).",
            _ => $"{verb} {target} in cluster '{c.ContextName}' failed with HTTP {code}.",
        };
        return string.IsNullOrEmpty(serverMessage) ? lead : $"{lead} Server: {serverMessage}";
    }

    private static (string? Reason, string? Message) ReadStatus(string? content)
    {
        if (string.IsNullOrEmpty(content))
        {
            return (null, null);
        }

        try
        {
            using var doc = JsonDocument.Parse(content);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            string? reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            string? message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (reason, message);
        }
        catch (JsonException)
        {
            return (null, content.Length > 200 ? content[..200] : content);
        }
    }
}

using System.Collections.Concurrent;
using IngressCerts.Engine.Kubernetes;
using k8s;
using k8s.Models;

namespace IngressCerts.Engine.Publishing;

/// <summary>
/// Asks the cluster, before the first write, whether the user holds every right a write needs, so that a publish
/// that cannot complete writes nothing. Each distinct right is one SelfSubjectAccessReview (the question
/// <c>kubectl auth can-i</c> asks), sent a few at a time. The reviews are answered by the same authorizer as the
/// writes, so "allowed" here means the write will not get 403.
/// </summary>
/// <remarks>
/// When the cluster will not answer reviews (the API is forbidden to the user, or not served), nothing can be known
/// ahead: no right is reported denied, the <c>diagnostics</c> callback says why, and the writes themselves find out.
/// </remarks>
public sealed class WritePreflight
{
    /// <summary>The ErrorId of a publish refused for missing rights (category PermissionDenied).</summary>
    public const string ErrorId = "InsufficientRights";

    /// <summary>Reviews in flight at once: enough to hide the round trips, few enough to stay below client throttling.</summary>
    internal const int MaxConcurrentReviews = 4;

    private const string ReviewResource = "selfsubjectaccessreviews";

    private readonly Action<string>? _diagnostics;

    /// <param name="diagnostics">Told, in words, when rights cannot be checked ahead (e.g. written to Verbose).</param>
    public WritePreflight(Action<string>? diagnostics = null)
    {
        _diagnostics = diagnostics;
    }

    /// <summary>
    /// The rights among <paramref name="needed"/> that the connection's user does not hold, each distinct right once (in
    /// the order first needed, with the reasons of equal entries joined). Empty when every right is held, and when the
    /// cluster cannot say. Other failures (unreachable, 401, 5xx) throw <see cref="KubeApiException"/> as any call does.
    /// </summary>
    public async Task<IReadOnlyList<RequiredAccess>> FindDeniedAsync(ClusterConnection connection, IEnumerable<RequiredAccess> needed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(needed);
        var distinct = Distinct(needed);
        if (distinct.Count == 0)
        {
            return [];
        }

        var remembered = Remembered.Value is { } memo && ReferenceEquals(memo.Connection, connection) ? memo.Allowed : null;
        var denied = new ConcurrentDictionary<int, RequiredAccess>();
        var unanswered = new ConcurrentQueue<KubeApiException>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentReviews, CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, distinct.Count), parallel, async (index, c) =>
        {
            try
            {
                var right = distinct[index];
                if (remembered is not null && (remembered.ContainsKey(Key(right, right.Name)) || remembered.ContainsKey(Key(right, null))))
                {
                    return;
                }

                if (!await IsAllowedAsync(connection, right, c).ConfigureAwait(false))
                {
                    denied[index] = right;
                }
                else
                {
                    remembered?.TryAdd(Key(right, right.Name), true);
                }
            }
            catch (KubeApiException ex) when (ex.Kind is KubeErrorKind.Forbidden or KubeErrorKind.NotFound)
            {
                unanswered.Enqueue(ex);
            }
        }).ConfigureAwait(false);

        if (unanswered.TryPeek(out var reason))
        {
            _diagnostics?.Invoke(
                $"The rights of user '{connection.UserName}' in cluster '{connection.ContextName}' could not be checked before writing " +
                $"({(reason.Kind == KubeErrorKind.Forbidden ? "the user may not create SelfSubjectAccessReviews" : "the cluster does not serve SelfSubjectAccessReviews")}); " +
                "the writes go ahead and a missing right stops them at the first refusal.");
            return [];
        }

        return denied.OrderBy(pair => pair.Key).Select(pair => pair.Value).ToList();
    }

    // Rights found held on one connection, within the async flow of a caller that asked to remember them (a Sync run):
    // the rights preflight of its targets and of the publishes and requests it makes in one namespace ask the same
    // questions, once each. The flow's end forgets them: the next run asks again.
    private static readonly AsyncLocal<Memo?> Remembered = new();

    private sealed record Memo(ClusterConnection Connection, ConcurrentDictionary<string, bool> Allowed);

    /// <summary>
    /// For the rest of the calling async method (and what it awaits or starts), rights found held on
    /// <paramref name="connection"/> are remembered and not asked again; a right held in a whole namespace answers for
    /// every name in it. Denials are never remembered (a right granted meanwhile is found), and a right revoked
    /// meanwhile is a refused write, as it would be without a preflight.
    /// </summary>
    public static void RememberAllowed(ClusterConnection connection) =>
        Remembered.Value = new Memo(connection, new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));

    // The subresource is part of the right: update certificates/status is not update certificates.
    private static string Key(RequiredAccess right, string? name) =>
        string.Join('\u0001', right.Verb, right.Group, right.Subresource is null ? right.Resource : $"{right.Resource}/{right.Subresource}", right.Namespace, name ?? string.Empty);

    /// <summary>The refusal of a publish that lacks rights: <see cref="ErrorId"/> and <see cref="RefusalMessage"/>.</summary>
    public static PublishRefusal Refusal(ClusterConnection connection, IReadOnlyList<RequiredAccess> denied)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new PublishRefusal(ErrorId, RefusalMessage(denied, connection.UserName, connection.ContextName));
    }

    /// <summary>
    /// "Nothing was written: user 'alice' in cluster 'prod' may not update secrets 'shop-tls' in namespace 'shop' (needed
    /// to replace the certificate); ...". One clause per denied right, in the order given.
    /// </summary>
    public static string RefusalMessage(IReadOnlyList<RequiredAccess> denied, string userName, string clusterName)
    {
        ArgumentNullException.ThrowIfNull(denied);
        if (denied.Count == 0)
        {
            throw new ArgumentException("a refusal needs at least one denied right", nameof(denied));
        }

        string rights = string.Join("; nor ", denied.Select(d => d.ToString()));
        return $"Nothing was written: user '{userName}' in cluster '{clusterName}' may not {rights}. " +
               $"Ask for these rights (kubectl auth can-i shows them), or publish as a user that holds them.";
    }

    private static List<RequiredAccess> Distinct(IEnumerable<RequiredAccess> needed)
    {
        var order = new List<RequiredAccess>();
        var byKey = new Dictionary<(string, string, string, string, string?), int>();
        foreach (var access in needed)
        {
            ArgumentNullException.ThrowIfNull(access);
            if (!byKey.TryGetValue(access.Key, out int index))
            {
                byKey[access.Key] = order.Count;
                order.Add(access);
            }
            else if (!order[index].Why.Split("; ").Contains(access.Why))
            {
                order[index] = order[index] with { Why = $"{order[index].Why}; {access.Why}" };
            }
        }

        return order;
    }

    private static async Task<bool> IsAllowedAsync(ClusterConnection connection, RequiredAccess access, CancellationToken ct)
    {
        var review = new V1SelfSubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SelfSubjectAccessReview",
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes
                {
                    Verb = access.Verb,
                    Group = access.Group,
                    Resource = access.Resource,
                    Subresource = access.Subresource,
                    NamespaceProperty = access.Namespace.Length == 0 ? null : access.Namespace,
                    // A create or list request carries no name, so RBAC's resourceNames never match it: ask the same way.
                    Name = access.Verb is "create" or "list" or "deletecollection" or "watch" ? null : access.Name,
                },
            },
        };
        var answer = await KubeCall.RunAsync(
            connection, "create", ReviewResource, null, null,
            c => connection.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: c), ct).ConfigureAwait(false);
        return answer.Status is { Allowed: true, Denied: not true };
    }
}

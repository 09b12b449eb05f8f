using System.Runtime.CompilerServices;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Walks a paginated list (limit/continue). When a continue token expires (410, the store was compacted) the list
/// restarts from the beginning, as the API conventions say, and items already yielded are not yielded again.
/// </summary>
internal static class Paginator
{
    public const int PageSize = 500;
    private const int MaxRestarts = 3;

    public static async IAsyncEnumerable<IReadOnlyList<T>> PagesAsync<T>(
        Func<string?, CancellationToken, Task<(IList<T>? Items, string? Continue)>> fetchPage,
        Func<T, (string? Namespace, string? Name)> key,
        Action<string>? diagnostics,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        int restarts = 0;
        HashSet<(string? Namespace, string? Name)>? seen = null;
        while (true)
        {
            (IList<T>? Items, string? Continue) page;
            try
            {
                page = await fetchPage(token, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException ex) when (ex.Kind == KubeErrorKind.Expired && token is not null && restarts < MaxRestarts)
            {
                restarts++;
                diagnostics?.Invoke($"The list's continue token expired; restarting the list ({restarts}/{MaxRestarts}).");
                token = null;
                continue;
            }

            var items = page.Items ?? Array.Empty<T>();
            IReadOnlyList<T> fresh;
            if (restarts == 0)
            {
                // Remember keys only in case a restart happens later: pairs of the objects' own strings, so a list of
                // 10,000 objects keeps no 10,000 new strings alive for the whole scan.
                seen ??= new HashSet<(string? Namespace, string? Name)>();
                foreach (var item in items)
                {
                    seen.Add(key(item));
                }

                fresh = items as IReadOnlyList<T> ?? items.ToList();
            }
            else
            {
                fresh = items.Where(item => seen!.Add(key(item))).ToList();
            }

            if (fresh.Count > 0)
            {
                yield return fresh;
            }

            if (string.IsNullOrEmpty(page.Continue))
            {
                yield break;
            }

            token = page.Continue;
        }
    }
}

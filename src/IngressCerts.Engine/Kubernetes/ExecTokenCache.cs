using System.Net.Http.Headers;
using k8s.Authentication;
using k8s.Exceptions;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Hands out the bearer token an exec credential plugin returned until shortly before it expires, then runs the
/// plugin again, as kubectl does. One per connection, seeded with the credential the connection was built with,
/// so a plugin that takes seconds (cloud CLIs) runs once per connection rather than again on the first request.
/// </summary>
/// <remarks>
/// Thread-safe: a scan sends requests concurrently, and when the token needs renewing only one of them runs the
/// plugin while the others wait for its answer instead of starting plugins of their own.
/// </remarks>
internal sealed class ExecTokenCache : ITokenProvider
{
    /// <summary>How long before status.expirationTimestamp a token is renewed, as the client library and kubectl do.</summary>
    public static readonly TimeSpan RenewalMargin = TimeSpan.FromSeconds(30);

    private readonly Func<CancellationToken, Task<ExecCredential>> _runPlugin;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private volatile ExecCredential _current;

    public ExecTokenCache(ExecCredential initial, Func<CancellationToken, Task<ExecCredential>> runPlugin, TimeProvider? clock = null)
    {
        if (initial.Token is null)
        {
            throw new ArgumentException("The initial exec credential has no token.", nameof(initial));
        }

        _current = initial;
        _runPlugin = runPlugin;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Whether <paramref name="credential"/> is within <see cref="RenewalMargin"/> of its expiry (never, without one).</summary>
    public static bool NeedsRenewal(ExecCredential credential, DateTimeOffset now) =>
        credential.Expires is { } expires && now + RenewalMargin >= expires;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        var seen = _current;
        if (!NeedsRenewal(seen, _clock.GetUtcNow()))
        {
            return Header(seen);
        }

        await _renewing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another request renewed it while this one waited: use that answer, even a short-lived one, rather
            // than run the plugin once per waiting request.
            var current = _current;
            if (!ReferenceEquals(current, seen))
            {
                return Header(current);
            }

            var renewed = await _runPlugin(cancellationToken).ConfigureAwait(false);
            if (renewed.Token is null)
            {
                throw new KubeConfigException(
                    "The exec credential plugin returned a client certificate where it had returned a token; the connection cannot switch credentials.");
            }

            _current = renewed;
            return Header(renewed);
        }
        finally
        {
            _renewing.Release();
        }
    }

    private static AuthenticationHeaderValue Header(ExecCredential credential) => new("Bearer", credential.Token);
}

namespace IngressCerts.Engine.Tests.Support;

/// <summary>A clock the test moves, so that expiry is tested without waiting for it.</summary>
internal sealed class ManualClock : TimeProvider
{
    public ManualClock(DateTimeOffset now) => Now = now;

    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}

namespace IngressCerts.Engine.Probing;

/// <summary>Reads what certificate an endpoint serves for a name. The seam <see cref="ProbeRunner"/> drives.</summary>
public interface ITlsProbe
{
    /// <summary>
    /// Probes one endpoint. Never throws for anything the endpoint or network does: those are failed results.
    /// When <paramref name="cancellationToken"/> fires, returns promptly with <see cref="ProbeFailureKind.Cancelled"/>.
    /// </summary>
    Task<ProbeResult> ProbeAsync(ProbeRequest request, TimeSpan timeout, CancellationToken cancellationToken = default);
}

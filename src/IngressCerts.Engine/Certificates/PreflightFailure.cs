namespace IngressCerts.Engine.Certificates;

/// <summary>A reason not to publish a <see cref="CertificateBundle"/>.</summary>
/// <param name="Id">One of <see cref="PreflightCheckIds"/>.</param>
/// <param name="Message">The failure in words, naming the host or certificate concerned.</param>
public sealed record PreflightFailure(string Id, string Message)
{
    public override string ToString() => Message;
}

/// <summary>Stable identifiers of <see cref="PreflightFailure"/>s.</summary>
public static class PreflightCheckIds
{
    public const string KeyMismatch = nameof(KeyMismatch);
    public const string NoPrivateKey = nameof(NoPrivateKey);
    public const string CertificateExpired = nameof(CertificateExpired);
    public const string CertificateNotYetValid = nameof(CertificateNotYetValid);
    public const string HostNotCovered = nameof(HostNotCovered);
    public const string WeakRsaKey = nameof(WeakRsaKey);
}

/// <summary>A certificate bundle could not be built from its inputs. The message never holds key material.</summary>
public sealed class CertificateBundleException : Exception
{
    public CertificateBundleException(string message)
        : base(message)
    {
    }

    public CertificateBundleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

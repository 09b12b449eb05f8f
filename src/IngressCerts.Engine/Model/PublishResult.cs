namespace IngressCerts;

/// <summary>What Publish-IngressCertificate or Undo-IngressCertificate did for one target.</summary>
public sealed class PublishResult
{
    public string Context { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    public string SecretName { get; init; } = string.Empty;

    public string? IngressName { get; init; }

    /// <summary>The Gateway ("namespace/name") whose listeners the publish wired (or the undo unwired).</summary>
    public string? GatewayName { get; init; }

    /// <summary>The Gateway listeners served from the Secret (or no longer, for an undo).</summary>
    public StringList Listeners { get; init; } = StringList.Empty;

    public StringList Hosts { get; init; } = StringList.Empty;

    /// <summary>Created, Updated, Unchanged, Skipped, Deleted (an undo), or RolledBack (-Verify failed and the publish was rolled back).</summary>
    public string Action { get; set; } = string.Empty;

    public string? PreviousThumbprint { get; init; }

    public string Thumbprint { get; init; } = string.Empty;

    public DateTime NotAfter { get; init; }

    /// <summary>True when -Verify saw the endpoint serve the certificate; null when not verified.</summary>
    public bool? Verified { get; set; }

    public override string ToString() => $"{Namespace}/{SecretName} {Action} {Thumbprint}";
}

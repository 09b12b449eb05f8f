namespace IngressCerts.Commands.Infrastructure;

/// <summary>
/// Where Get-Help -Online sends a user: this project's own page for the cmdlet, generated from the MAML help by
/// build/New-CmdletDocs.ps1. The base is the manifest's ProjectUri (IngressCerts.psd1); a test holds them equal.
/// </summary>
internal static class HelpLinks
{
    public const string Cmdlets = "https://github.com/ingresscerts/IngressCerts/blob/main/docs/cmdlets/";
}

#Requires -Version 7.4
<#
.SYNOPSIS
    Publishes the certificates another system drops into a folder (PFX or PEM) to the Secrets that are due.

.DESCRIPTION
    For every reference that is due (expiring within -RenewWithinDays, expired, broken, a host added, a Secret
    missing), Sync-IngressCertificate -SourcePath takes the newest valid certificate in the folder, with its key, that
    covers every host of the reference and is newer than what the Secret holds, and publishes it (history for Undo, the
    Ingress wired). Files it cannot read (another password, half-copied, not a certificate) are warnings; a target with
    no fitting file is a failure, and the runbook fails at the end naming them.

    The PFX password comes from an Automation credential (-PasswordCredentialName, its password is used) or an
    encrypted Automation variable (-PasswordVariableName), and stays a SecureString. A folder on a file share needs a
    Hybrid Runbook Worker that can reach it; Azure Automation's cloud sandboxes cannot mount SMB shares.

.PARAMETER SourcePath
    The drop folder (or one file), e.g. \\fileserver\certs\drop or /mnt/certs.

.PARAMETER PasswordCredentialName
    The Automation credential whose password opens the PFX files.

.PARAMETER PasswordVariableName
    An encrypted Automation variable holding the PFX password.

.PARAMETER Server
    The AKS API server URL; with it the runbook signs in with the managed identity and uses an Entra ID token for AKS.

.PARAMETER CertificateAuthority
    With -Server: the cluster's CA certificate (PEM text or a path).

.PARAMETER IdentityClientId
    With -Server: the client ID of a user-assigned managed identity (default: the system-assigned one).

.PARAMETER KubeConfigPath
    Without -Server: kubeconfig files (default $env:KUBECONFIG, else ~/.kube/config).

.PARAMETER Context
    Without -Server: the kube context (default: the current one).

.PARAMETER Namespace
    Namespaces to renew in (wildcards allowed); all namespaces when not given.

.PARAMETER RenewWithinDays
    Renew certificates that expire within this many days (default 30).

.PARAMETER Verify
    After each publish, wait until the Ingress's address serves the new certificate, and roll back when it does not
    within 120 seconds (Sync-IngressCertificate -Verify).

.EXAMPLE
    ./Sync-DropFolder.ps1 -SourcePath \\fs01\certs\drop -PasswordCredentialName drop-pfx -Server https://aks-prod.hcp.westeurope.azmk8s.io:443 -CertificateAuthority (Get-AutomationVariable aks-prod-ca)

    On a Hybrid Runbook Worker with the share mounted, with the Automation account's managed identity.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $SourcePath,
    [string] $PasswordCredentialName,
    [string] $PasswordVariableName,
    [string] $Server,
    [string] $CertificateAuthority,
    [string] $IdentityClientId,
    [string[]] $KubeConfigPath,
    [string] $Context,
    [string[]] $Namespace,
    [int] $RenewWithinDays = 30,
    [switch] $Verify
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$cluster = @{}
if ($Server) {
    $identity = @{ Identity = $true }
    if ($IdentityClientId) { $identity.AccountId = $IdentityClientId }
    Connect-AzAccount @identity | Out-Null
    # 6dae42f8-...: the AKS AAD server application, the audience of every AKS Entra ID token.
    $cluster = @{ Server = $Server; Token = (Get-AzAccessToken -ResourceUrl 6dae42f8-4368-4678-94ff-3960e28e3630) }
    if ($CertificateAuthority) { $cluster.CertificateAuthority = $CertificateAuthority }
}
else {
    if ($KubeConfigPath) { $cluster.KubeConfigPath = $KubeConfigPath }
    if ($Context) { $cluster.Context = $Context }
}
$scope = if ($Namespace) { @{ Namespace = $Namespace } } else { @{ AllNamespaces = $true } }

$source = @{ SourcePath = $SourcePath }
if ($PasswordCredentialName) {
    $source.Password = (Get-AutomationPSCredential -Name $PasswordCredentialName).Password
}
elseif ($PasswordVariableName) {
    # An encrypted variable arrives as a string inside the sandbox; it goes on as a SecureString only.
    $source.Password = ConvertTo-SecureString (Get-AutomationVariable -Name $PasswordVariableName) -AsPlainText -Force
}

$results = Sync-IngressCertificate @cluster @scope @source -RenewWithinDays $RenewWithinDays -Verify:$Verify `
    -ErrorAction Continue -ErrorVariable failures
$results
$failed = @($results | Where-Object Action -in 'Failed', 'RolledBack')
if ($failed -or $failures) {
    throw "Sync failed for $(@($failed).Count) target(s): $(($failed | ForEach-Object { "$($_.Namespace)/$($_.SecretName) ($($_.ErrorId))" }) -join ', ')"
}

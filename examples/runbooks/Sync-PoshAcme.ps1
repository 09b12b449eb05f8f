#Requires -Version 7.4
<#
.SYNOPSIS
    Renews what is due in a cluster with Let's Encrypt (or another ACME CA) through Posh-ACME and its Azure DNS plugin.

.DESCRIPTION
    Sync-IngressCertificate finds what is due (expiring within -RenewWithinDays, expired, broken, a host added, a Secret
    missing), makes each target's new key in the cluster (a pending request) and calls the script block below with the
    request. The block asks the ACME CA to sign the request's CSR (New-PACertificate -CSRString): the key never leaves
    the cluster, and the dns-01 challenge is answered in Azure DNS with Posh-ACME's Azure plugin. Sync then publishes
    the certificate (history for Undo, the Ingress wired, -Verify when given).

    One Posh-ACME order per target Secret, named <namespace>_<secret>. A run that ends before the CA answers (a DNS
    timeout, a job stopped) leaves the request pending in the cluster; the next run passes the same CSR, and
    New-PACertificate resumes that order instead of making a new one. When an earlier run got the certificate but could
    not publish it, New-PACertificate says the order is complete and returns nothing; Get-PACertificate then gives the
    certificate already issued for this CSR, so no second certificate is ordered.

    Submit-Renewal is not used: it renews a Posh-ACME order with the CSR that order was made with, that is with the old
    key, while Sync makes a new key for each renewal.

    Overlapping runs are safe: each target is held by one run at a time through a Lease (coordination.k8s.io/v1).
    Failed targets do not stop the others; the runbook fails at the end when any target failed, naming them.

.PARAMETER Server
    The AKS API server URL (https://<cluster>.hcp.<region>.azmk8s.io:443). With -Server the runbook signs in with the
    Automation account's managed identity (Connect-AzAccount -Identity) and uses an Entra ID token for AKS; without it,
    the kubeconfig (-KubeConfigPath, -Context) is used.

.PARAMETER CertificateAuthority
    With -Server: the cluster's CA certificate (PEM text or a path), e.g. from an Automation variable.

.PARAMETER IdentityClientId
    With -Server: the client ID of a user-assigned managed identity (default: the system-assigned one).

.PARAMETER KubeConfigPath
    Without -Server: kubeconfig files (default $env:KUBECONFIG, else ~/.kube/config).

.PARAMETER Context
    Without -Server: the kube context (default: the current one).

.PARAMETER Namespace
    Namespaces to renew in (wildcards allowed); all namespaces when not given.

.PARAMETER AZSubscriptionId
    The subscription of the Azure DNS zones the challenges are written to.

.PARAMETER UseImds
    Let Posh-ACME's Azure plugin get its own token from the managed identity (AZUseIMDS; works in Azure Automation,
    on Azure VMs and Arc servers). Without it, the runbook passes an ARM token from Get-AzAccessToken (AZAccessToken),
    fetched again for each target, since such tokens last an hour.

.PARAMETER Contact
    E-mail address(es) of the ACME account (optional).

.PARAMETER DirectoryUrl
    The ACME directory: LE_PROD (default), LE_STAGE, or a URL.

.PARAMETER PoshAcmeHome
    Where Posh-ACME keeps its accounts and orders (POSHACME_HOME). Azure Automation's sandboxes forget their disk after
    each job; on a Hybrid Worker give a folder that persists, so the ACME account is reused.

.PARAMETER RenewWithinDays
    Renew certificates that expire within this many days (default 30).

.PARAMETER DnsSleep
    Seconds to wait for Azure DNS to serve the challenge record before the CA checks it (Posh-ACME's default: 120).

.PARAMETER ThrottleLimit
    How many targets Sync works on at once (default 4). The ACME calls themselves run one at a time.

.EXAMPLE
    ./Sync-PoshAcme.ps1 -Server https://aks-prod.hcp.westeurope.azmk8s.io:443 -CertificateAuthority (Get-AutomationVariable aks-prod-ca) -AZSubscriptionId 11111111-2222-3333-4444-555555555555 -UseImds -Contact certs@contoso.example

    An Azure Automation job: the managed identity reads and writes the cluster (RBAC: examples/rbac/sync.yaml) and
    writes the TXT records (DNS Zone Contributor on the zones).

.EXAMPLE
    ./Sync-PoshAcme.ps1 -Context prod -Namespace shop -AZSubscriptionId 11111111-2222-3333-4444-555555555555 -Contact certs@contoso.example -DirectoryUrl LE_STAGE

    From a workstation signed in with Connect-AzAccount, against Let's Encrypt's staging CA.
#>
[CmdletBinding()]
param(
    [string] $Server,
    [string] $CertificateAuthority,
    [string] $IdentityClientId,
    [string[]] $KubeConfigPath,
    [string] $Context,
    [string[]] $Namespace,
    [Parameter(Mandatory)] [string] $AZSubscriptionId,
    [switch] $UseImds,
    [string[]] $Contact,
    [string] $DirectoryUrl = 'LE_PROD',
    [string] $PoshAcmeHome = (Join-Path ([IO.Path]::GetTempPath()) 'posh-acme'),
    [int] $RenewWithinDays = 30,
    [int] $DnsSleep = 120,
    [int] $ThrottleLimit = 4
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# The cluster: an AKS token from the managed identity, or a kubeconfig.
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

# Posh-ACME reads POSHACME_HOME when it loads, which is at its first command below.
New-Item -ItemType Directory -Force -Path $PoshAcmeHome | Out-Null
$env:POSHACME_HOME = $PoshAcmeHome

function Get-AzureDnsPluginArgs {
    if ($UseImds) { return @{ AZSubscriptionId = $AZSubscriptionId; AZUseIMDS = $true } }
    # The plugin takes the token as a string; Az.Accounts 5+ returns it as a SecureString.
    $arm = Get-AzAccessToken -ResourceUrl 'https://management.azure.com/'
    $token = if ($arm.Token -is [securestring]) { [System.Net.NetworkCredential]::new('', $arm.Token).Password } else { $arm.Token }
    @{ AZSubscriptionId = $AZSubscriptionId; AZAccessToken = $token }
}

$issuer = {
    param($Request)
    $order = "$($Request.Namespace)_$($Request.SecretName)"
    $acme = @{
        CSRString    = $Request.Csr
        Name         = $order
        Plugin       = 'Azure'
        PluginArgs   = (Get-AzureDnsPluginArgs)
        AcceptTOS    = $true
        DirectoryUrl = $DirectoryUrl
        DnsSleep     = $DnsSleep
    }
    if ($Contact) { $acme.Contact = $Contact }
    $certificate = New-PACertificate @acme -WarningAction SilentlyContinue
    if (-not $certificate) {
        # The order for this very CSR was completed by an earlier run: its certificate, not a new one.
        $certificate = Get-PACertificate -Name $order
    }
    $certificate   # FullChainFile: the leaf and the CA's chain
}

$results = Sync-IngressCertificate @cluster @scope -Issuer $issuer -RenewWithinDays $RenewWithinDays -ThrottleLimit $ThrottleLimit `
    -ErrorAction Continue -ErrorVariable failures
$results
$failed = @($results | Where-Object Action -in 'Failed', 'RolledBack')
if ($failed -or $failures) {
    throw "Sync failed for $(@($failed).Count) target(s): $(($failed | ForEach-Object { "$($_.Namespace)/$($_.SecretName) ($($_.ErrorId))" }) -join ', ')"
}

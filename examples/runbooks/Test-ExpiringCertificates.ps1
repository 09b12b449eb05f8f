#Requires -Version 7.4
<#
.SYNOPSIS
    The weekly "what will expire" check: reports the certificates that expire within -ExpiringWithinDays, and fails
    when there are any.

.DESCRIPTION
    Lists every Ingress and Gateway certificate in the cluster(s) whose certificate expires within
    -ExpiringWithinDays days or already has (Get-IngressCertificate -AllNamespaces -ExpiringWithinDays), writes the
    list as HTML, Markdown and/or Prometheus text to -ReportDirectory, writes the Markdown to the output (the job's
    output in Azure Automation), and then fails when the list is not empty: a thrown error, which marks an Azure
    Automation job Failed and makes `pwsh -File` exit with 1, so a scheduler or pipeline alerts someone. An empty list
    ends quietly with exit code 0.

    It changes nothing in the cluster: it needs only the read rights of examples/rbac/inventory.yaml.

.PARAMETER ExpiringWithinDays
    Days ahead to look (default 30). Certificates already expired are always listed.

.PARAMETER ReportDirectory
    Where to write the reports (expiring.html, expiring.md, expiring.prom); none written when not given.

.PARAMETER Format
    Which reports to write (default: Html, Markdown and Prometheus).

.PARAMETER Server
    The AKS API server URL; with it the runbook signs in with the managed identity and uses an Entra ID token for AKS.

.PARAMETER CertificateAuthority
    With -Server: the cluster's CA certificate (PEM text or a path).

.PARAMETER IdentityClientId
    With -Server: the client ID of a user-assigned managed identity (default: the system-assigned one).

.PARAMETER KubeConfigPath
    Without -Server: kubeconfig files (default $env:KUBECONFIG, else ~/.kube/config).

.PARAMETER Context
    Without -Server: kube contexts to check (wildcards allowed; default: the current one).

.EXAMPLE
    ./Test-ExpiringCertificates.ps1 -Server https://aks-prod.hcp.westeurope.azmk8s.io:443 -CertificateAuthority (Get-AutomationVariable aks-prod-ca) -ExpiringWithinDays 21

    A weekly Azure Automation schedule: the job fails (and its alert fires) when something expires within three weeks.

.EXAMPLE
    pwsh -File ./Test-ExpiringCertificates.ps1 -Context 'prod-*' -ReportDirectory ./reports; if ($LASTEXITCODE) { 'something is due' }

    From a pipeline: exit code 1 when something is due, the reports in ./reports either way.
#>
[CmdletBinding()]
param(
    [ValidateRange(0, 36500)] [int] $ExpiringWithinDays = 30,
    [string] $ReportDirectory,
    [ValidateSet('Html', 'Markdown', 'Prometheus')] [string[]] $Format = @('Html', 'Markdown', 'Prometheus'),
    [string] $Server,
    [string] $CertificateAuthority,
    [string] $IdentityClientId,
    [string[]] $KubeConfigPath,
    [string[]] $Context
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

$due = @(Get-IngressCertificate @cluster -AllNamespaces -ExpiringWithinDays $ExpiringWithinDays | Sort-Object DaysRemaining)
$title = "Certificates expiring within $ExpiringWithinDays days ($(Get-Date -AsUTC -Format 'yyyy-MM-dd'))"

if ($ReportDirectory) {
    New-Item -ItemType Directory -Force -Path $ReportDirectory | Out-Null
    $files = @{ Html = 'expiring.html'; Markdown = 'expiring.md'; Prometheus = 'expiring.prom' }
    foreach ($f in $Format) {
        # An empty list still writes its (empty) report, so last week's list never stays behind.
        $due | Export-IngressCertificateReport $f -Path (Join-Path $ReportDirectory $files[$f]) -Title $title
    }
}

if ($due.Count -eq 0) {
    "Nothing expires within $ExpiringWithinDays days."
    return
}

$due | Export-IngressCertificateReport Markdown -Title $title
$list = ($due | ForEach-Object { "$($_.Context) $($_.Namespace)/$($_.Name) Secret $($_.SecretName): $($_.DaysRemaining) day(s)" }) -join '; '
throw "$($due.Count) certificate(s) expire within $ExpiringWithinDays days: $list"

#Requires -Version 7.4
<#
.SYNOPSIS
    Renews what is due in a cluster with an enterprise CA (Active Directory Certificate Services) through certreq.exe.

.DESCRIPTION
    Sync-IngressCertificate makes each due target's new key in the cluster (a pending request) and calls the script
    block below with the request. The block submits the request's CSR to the CA with a certificate template:

        certreq.exe -submit -config <CA> -attrib "CertificateTemplate:<template>" <csr> <cer>

    When the CA issues at once, the block returns the certificate and Sync publishes it. When the template needs a CA
    manager's approval, the CA answers "pending" with a RequestId: the block remembers the id in -StateDirectory and
    returns nothing, so Sync reports the target as Requested and keeps the key pending in the cluster. The next run
    (an hourly schedule) gets the same request, fetches the certificate with certreq.exe -retrieve <RequestId>, and Sync
    publishes it: no second key, no second CA request. A denied request fails that target (the runbook fails at the
    end, naming it); remove the pending request (Remove-IngressCertificateRequest) to start over.

    certreq.exe needs Windows in the CA's domain: run this on a Hybrid Runbook Worker, with -StateDirectory on its disk.

.PARAMETER CAConfig
    The CA, as certreq -config takes it: "<CA host>\<CA name>", e.g. "ca01.contoso.com\Contoso Issuing CA 1".

.PARAMETER Template
    The certificate template's name (not its display name), e.g. WebServer.

.PARAMETER ChainPath
    PEM file(s) of the issuing CA chain to put in the Secret after the leaf (certreq writes only the leaf).

.PARAMETER StateDirectory
    Where the RequestIds of pending CA requests are kept between runs (one small file per pending request).

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

.EXAMPLE
    ./Sync-AdcsCertreq.ps1 -CAConfig 'ca01.contoso.com\Contoso Issuing CA 1' -Template WebServer -ChainPath C:\pki\issuing-chain.pem -StateDirectory C:\ProgramData\IngressCerts\certreq -Context prod

    On a Hybrid Runbook Worker joined to the CA's domain, with a kubeconfig on its disk.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $CAConfig,
    [Parameter(Mandatory)] [string] $Template,
    [string[]] $ChainPath,
    [string] $StateDirectory = (Join-Path ([IO.Path]::GetTempPath()) 'ingresscerts-certreq'),
    [string] $Server,
    [string] $CertificateAuthority,
    [string] $IdentityClientId,
    [string[]] $KubeConfigPath,
    [string] $Context,
    [string[]] $Namespace,
    [int] $RenewWithinDays = 30
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

New-Item -ItemType Directory -Force -Path $StateDirectory | Out-Null
$chain = [System.Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
foreach ($p in $ChainPath) { $chain.ImportFromPemFile((Resolve-Path $p).ProviderPath) }

$issuer = {
    param($Request)
    # One set of files per pending key: a new key (a new request) never picks up an old RequestId.
    $base = Join-Path $StateDirectory ('{0}_{1}_{2}' -f $Request.Namespace, $Request.SecretName, $Request.PublicKeySha256.Substring(0, 16))
    $idFile = "$base.requestid"
    $cer = "$base.cer"
    Remove-Item $cer -ErrorAction Ignore
    if (Test-Path $idFile) {
        $id = (Get-Content $idFile -Raw).Trim()
        $answer = certreq.exe -retrieve -config $CAConfig -q -f $id $cer 2>&1
    }
    else {
        Set-Content "$base.csr" $Request.Csr
        $answer = certreq.exe -submit -config $CAConfig -attrib "CertificateTemplate:$Template" -q -f "$base.csr" $cer 2>&1
        if ("$answer" -match 'RequestId:\s*"?(\d+)') { Set-Content $idFile $Matches[1] }
    }
    $text = $answer -join "`n"
    if (Test-Path $cer) {
        $leaf = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($cer)
        Remove-Item "$base.*" -ErrorAction Ignore
        return @($leaf) + @($chain)
    }
    if ($text -match 'denied') {
        Remove-Item "$base.*" -ErrorAction Ignore
        throw "The CA denied the request for $($Request.Namespace)/$($Request.SecretName): $text"
    }
    if ($text -match 'pending|Taken Under Submission') {
        return   # nothing: Sync reports Requested, the next run asks again
    }
    throw "certreq.exe failed for $($Request.Namespace)/$($Request.SecretName) (exit code $LASTEXITCODE): $text"
}

$results = Sync-IngressCertificate @cluster @scope -Issuer $issuer -RenewWithinDays $RenewWithinDays `
    -ErrorAction Continue -ErrorVariable failures
$results
$failed = @($results | Where-Object Action -in 'Failed', 'RolledBack')
if ($failed -or $failures) {
    throw "Sync failed for $(@($failed).Count) target(s): $(($failed | ForEach-Object { "$($_.Namespace)/$($_.SecretName) ($($_.ErrorId))" }) -join ', ')"
}

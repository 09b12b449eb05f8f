#Requires -Version 7.4
using namespace System.Security.Cryptography
using namespace System.Security.Cryptography.X509Certificates
<#
.SYNOPSIS
    Writes the example manifests to a folder, with TLS Secrets whose certificates are made now.
.DESCRIPTION
    The Ingresses, Gateways, Istio Gateways, Traefik IngressRoutes and Contour HTTPProxies in examples/manifests are
    copied as they are. Their Secrets are generated at build time so that dates stay meaningful (a certificate
    "expiring in 12 days" must be so whenever the repo is built), and so that no private key is ever committed; so
    are the OpenShift Routes (openshift.yaml), whose certificate and key are inline. The example CA's root
    certificate is written beside them (example-root-ca.crt) for -TrustedRootPath.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$null = New-Item -ItemType Directory -Force $OutputPath
Copy-Item (Join-Path $PSScriptRoot 'manifests/*.yaml') $OutputPath -Force
$now = [DateTimeOffset]::UtcNow

function New-Certificate {
    param(
        [string] $Subject,
        [string[]] $DnsNames = @(),
        [DateTimeOffset] $NotBefore = $now.AddDays(-30),
        [DateTimeOffset] $NotAfter = $now.AddDays(335),
        $Issuer,
        [switch] $CertificateAuthority
    )
    $key = [ECDsa]::Create([ECCurve+NamedCurves]::nistP256)
    $request = [CertificateRequest]::new($Subject, $key, [HashAlgorithmName]::SHA256)
    $request.CertificateExtensions.Add([X509BasicConstraintsExtension]::new($CertificateAuthority.IsPresent, $false, 0, $true))
    $request.CertificateExtensions.Add([X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))
    if ($CertificateAuthority) {
        $request.CertificateExtensions.Add([X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
    }
    else {
        $request.CertificateExtensions.Add([X509KeyUsageExtension]::new('DigitalSignature', $true))
        $san = [SubjectAlternativeNameBuilder]::new()
        foreach ($name in $DnsNames) { $san.AddDnsName($name) }
        $request.CertificateExtensions.Add($san.Build())
    }
    if ($Issuer) {
        $request.CertificateExtensions.Add([X509AuthorityKeyIdentifierExtension]::CreateFromCertificate($Issuer.Certificate, $true, $false))
        $serial = [byte[]]::new(16); [RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7F
        $cert = $request.Create($Issuer.Certificate.SubjectName, [X509SignatureGenerator]::CreateForECDsa($Issuer.Key), $NotBefore, $NotAfter, $serial)
    }
    else {
        $cert = $request.CreateSelfSigned($NotBefore, $NotAfter)
    }
    [pscustomobject]@{ Certificate = $cert; Key = $key }
}

function ConvertTo-Pem([X509Certificate2[]] $Certificates) {
    ($Certificates | ForEach-Object { $_.ExportCertificatePem() }) -join "`n"
}

function New-TlsSecret {
    param([string] $Namespace, [string] $Name, [X509Certificate2[]] $Certificates, $Key, [switch] $WithoutKey, [X509Certificate2] $Ca)
    $data = [ordered]@{ 'tls.crt' = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes((ConvertTo-Pem $Certificates) + "`n")) }
    if (-not $WithoutKey) {
        $data['tls.key'] = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($Key.ExportPkcs8PrivateKeyPem() + "`n"))
    }
    if ($Ca) {
        $data['ca.crt'] = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes((ConvertTo-Pem $Ca) + "`n"))
    }
    $lines = @('---', 'apiVersion: v1', 'kind: Secret', 'type: kubernetes.io/tls', 'metadata:', "  name: $Name", "  namespace: $Namespace", 'data:')
    foreach ($entry in $data.GetEnumerator()) { $lines += "  $($entry.Key): $($entry.Value)" }
    $lines -join "`n"
}

$root = New-Certificate -Subject 'CN=Contoso Example Root CA, O=Contoso Example' -NotAfter $now.AddYears(10) -CertificateAuthority
$intermediate = New-Certificate -Subject 'CN=Contoso Example Issuing CA 1, O=Contoso Example' -NotAfter $now.AddYears(5) -Issuer $root -CertificateAuthority

$storefront = New-Certificate 'CN=shop.contoso.example' @('shop.contoso.example', 'www.contoso.example') -Issuer $intermediate
$api = New-Certificate 'CN=api.contoso.example' @('api.contoso.example') -NotBefore $now.AddDays(-78) -NotAfter $now.AddDays(12).AddHours(1) -Issuer $intermediate
$payments = New-Certificate 'CN=payments.contoso.example' @('payments.contoso.example') -Issuer $intermediate
$otherKey = New-Certificate 'CN=unrelated' @('unrelated.contoso.example') -Issuer $intermediate
$blog = New-Certificate 'CN=blog.contoso.example' @('blog.contoso.example') -NotBefore $now.AddDays(-93) -NotAfter $now.AddDays(-3) -Issuer $intermediate
$docs = New-Certificate 'CN=docs.fabrikam.example' @('docs.fabrikam.example') -Issuer $intermediate
$apps = New-Certificate 'CN=*.apps.contoso.example' @('*.apps.contoso.example') -Issuer $intermediate
$partners = New-Certificate 'CN=partners.contoso.example' @('partners.contoso.example') -Issuer $intermediate
$spare = New-Certificate 'CN=old-shop.contoso.example' @('old-shop.contoso.example') -Issuer $intermediate

# The other controllers' kinds (istio.yaml, traefik.yaml, contour.yaml, openshift.yaml).
$store = New-Certificate 'CN=store.contoso.example' @('store.contoso.example') -Issuer $intermediate
$legacyStore = New-Certificate 'CN=legacy-store.contoso.example' @('legacy-store.contoso.example') -NotBefore $now.AddDays(-400) -NotAfter $now.AddDays(-35) -Issuer $intermediate
$b2b = New-Certificate 'CN=b2b.contoso.example' @('b2b.contoso.example') -Issuer $intermediate
$clientRoot = New-Certificate -Subject 'CN=Contoso Partner Clients CA, O=Contoso Example' -NotAfter $now.AddYears(3) -CertificateAuthority
$uptime = New-Certificate 'CN=uptime.contoso.example' @('uptime.contoso.example') -Issuer $intermediate
$metrics = New-Certificate 'CN=metrics.contoso.example' @('metrics.contoso.example') -Issuer $intermediate
$portal = New-Certificate 'CN=portal.contoso.example' @('portal.contoso.example') -NotBefore $now.AddDays(-70) -NotAfter $now.AddDays(20).AddHours(1) -Issuer $intermediate
$intranet = New-Certificate 'CN=intranet.contoso.example' @('intranet.contoso.example') -Issuer $intermediate
$console = New-Certificate 'CN=console.contoso.example' @('console.contoso.example') -Issuer $intermediate

$chain = @($intermediate.Certificate)
$secrets = @(
    New-TlsSecret shop storefront-tls (@($storefront.Certificate) + $chain) $storefront.Key
    New-TlsSecret shop api-tls (@($api.Certificate) + $chain) $api.Key
    New-TlsSecret shop payments-tls (@($payments.Certificate) + $chain) $otherKey.Key
    New-TlsSecret marketing blog-tls (@($blog.Certificate) + $chain) $blog.Key
    New-TlsSecret marketing docs-tls (@($docs.Certificate) + $chain) $docs.Key
    New-TlsSecret certificates apps-wildcard-tls (@($apps.Certificate) + $chain) $apps.Key
    New-TlsSecret gateway partners-tls @($partners.Certificate) $partners.Key
    # Left behind by a migration: nothing refers to it (Get-IngressCertificate -IncludeUnreferenced).
    New-TlsSecret shop old-shop-tls (@($spare.Certificate) + $chain) $spare.Key
    New-TlsSecret mesh store-cred (@($store.Certificate) + $chain) $store.Key
    New-TlsSecret mesh legacy-store-cred (@($legacyStore.Certificate) + $chain) $legacyStore.Key
    New-TlsSecret mesh b2b-cred (@($b2b.Certificate) + $chain) $b2b.Key -Ca $clientRoot.Certificate
    New-TlsSecret traefik uptime-tls (@($uptime.Certificate) + $chain) $uptime.Key
    New-TlsSecret traefik metrics-tls (@($metrics.Certificate) + $chain) $metrics.Key
    New-TlsSecret contour portal-tls (@($portal.Certificate) + $chain) $portal.Key
    New-TlsSecret certificates intranet-tls (@($intranet.Certificate) + $chain) $intranet.Key
)

# OpenShift Routes keep the certificate and key inline in spec.tls: made now, like the Secrets.
function ConvertTo-YamlBlock([string] $Text, [int] $Indent) {
    "|`n" + (($Text.Trim() -split "`n" | ForEach-Object { (' ' * $Indent) + $_.TrimEnd("`r") }) -join "`n")
}
$routes = @(
    '# OpenShift Routes (route.openshift.io): the certificate is inline in spec.tls (no Secret), or in the Secret that'
    '# spec.tls.externalCertificate names; a passthrough Route has no certificate at the router. Made at build time.'
    'apiVersion: route.openshift.io/v1', 'kind: Route', 'metadata:', '  name: console', '  namespace: openshift', 'spec:'
    '  host: console.contoso.example', '  to: {kind: Service, name: console}', '  tls:', '    termination: edge'
    "    certificate: $(ConvertTo-YamlBlock (ConvertTo-Pem (@($console.Certificate) + $chain)) 6)"
    "    key: $(ConvertTo-YamlBlock $console.Key.ExportPkcs8PrivateKeyPem() 6)"
    '---', 'apiVersion: route.openshift.io/v1', 'kind: Route', 'metadata:', '  name: reports', '  namespace: openshift', 'spec:'
    '  host: reports.contoso.example', '  to: {kind: Service, name: reports}', '  tls:', '    termination: reencrypt'
    '    externalCertificate: {name: reports-tls}     # no such Secret: SecretNotFound'
    '---', 'apiVersion: route.openshift.io/v1', 'kind: Route', 'metadata:', '  name: ledger', '  namespace: openshift', 'spec:'
    '  host: ledger.contoso.example', '  to: {kind: Service, name: ledger}', '  tls:', '    termination: passthrough'
)
Set-Content -Path (Join-Path $OutputPath 'openshift.yaml') -Value ($routes -join "`n") -Encoding utf8NoBOM
Set-Content -Path (Join-Path $OutputPath 'secrets.yaml') -Value ($secrets -join "`n") -Encoding utf8NoBOM
Set-Content -Path (Join-Path $OutputPath 'example-root-ca.crt') -Value $root.Certificate.ExportCertificatePem() -Encoding utf8NoBOM
Write-Verbose "Example manifests written to $OutputPath"

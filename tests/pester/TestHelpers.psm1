# Shared by the Pester suites: where the built module is, and certificates made at test time.
using namespace System.Security.Cryptography
using namespace System.Security.Cryptography.X509Certificates

function Get-BuiltModulePath {
    if ($env:INGRESSCERTS_MODULE_PATH) { return $env:INGRESSCERTS_MODULE_PATH }
    return (Join-Path $PSScriptRoot '../../out/IngressCerts/IngressCerts.psd1')
}

function New-TestCertificate {
    <# A certificate with its key; self-signed unless -Issuer is given (an object from this function). #>
    param(
        [string] $Subject = 'CN=test',
        [string[]] $DnsName = @(),
        [int] $Days = 90,
        [int] $DaysAgo = 1,
        $Issuer,
        [switch] $CertificateAuthority,
        [switch] $Rsa
    )
    $key = if ($Rsa) { [RSA]::Create(2048) } else { [ECDsa]::Create([ECCurve+NamedCurves]::nistP256) }
    $request = if ($Rsa) { [CertificateRequest]::new($Subject, $key, [HashAlgorithmName]::SHA256, [RSASignaturePadding]::Pkcs1) }
               else { [CertificateRequest]::new($Subject, $key, [HashAlgorithmName]::SHA256) }
    $request.CertificateExtensions.Add([X509BasicConstraintsExtension]::new($CertificateAuthority.IsPresent, $false, 0, $true))
    $request.CertificateExtensions.Add([X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))
    if ($DnsName) {
        $san = [SubjectAlternativeNameBuilder]::new()
        foreach ($n in $DnsName) { $san.AddDnsName($n) }
        $request.CertificateExtensions.Add($san.Build())
    }
    $notBefore = [DateTimeOffset]::UtcNow.AddDays(-$DaysAgo)
    $notAfter = [DateTimeOffset]::UtcNow.AddDays($Days)
    if ($Issuer) {
        $serial = [byte[]]::new(12); [RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7F
        $generator = if ($Issuer.Key -is [RSA]) { [X509SignatureGenerator]::CreateForRSA($Issuer.Key, [RSASignaturePadding]::Pkcs1) } else { [X509SignatureGenerator]::CreateForECDsa($Issuer.Key) }
        $cert = $request.Create($Issuer.Certificate.SubjectName, $generator, $notBefore, $notAfter, $serial)
    }
    else {
        $cert = $request.CreateSelfSigned($notBefore, $notAfter)
    }
    [pscustomobject]@{
        Certificate = $cert
        Key         = $key
        CertPem     = $cert.ExportCertificatePem()
        KeyPem      = $key.ExportPkcs8PrivateKeyPem()
    }
}

function New-TlsSecretYaml {
    param([string] $Namespace, [string] $Name, [string] $CertPem, [string] $KeyPem, [hashtable] $Annotations = @{})
    $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($s)) }
    $lines = @('---', 'apiVersion: v1', 'kind: Secret', 'type: kubernetes.io/tls', 'metadata:', "  name: $Name", "  namespace: $Namespace")
    if ($Annotations.Count) {
        $lines += '  annotations:'
        foreach ($a in $Annotations.GetEnumerator()) { $lines += "    $($a.Key): '$($a.Value)'" }
    }
    $lines += 'data:'
    $lines += "  tls.crt: $(& $b64 $CertPem)"
    if ($KeyPem) { $lines += "  tls.key: $(& $b64 $KeyPem)" }
    $lines -join "`n"
}

function New-IngressYaml {
    param([string] $Namespace, [string] $Name, [string[]] $Hosts, [string] $SecretName)
    @"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: $Name
  namespace: $Namespace
spec:
  tls:
    - hosts: [$($Hosts -join ', ')]
$(if ($SecretName) { "      secretName: $SecretName" })
  rules:
    - host: $($Hosts[0])
"@
}

Export-ModuleMember -Function *

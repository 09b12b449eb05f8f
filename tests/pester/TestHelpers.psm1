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


function Invoke-ChildPwsh {
    <# Runs a command in a fresh pwsh like this one (also when this one runs as 'dotnet pwsh.dll'), returning its output. #>
    param([string] $Command)
    $self = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        & $self (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $Command 2>&1
    }
    else {
        & $self -NoProfile -NonInteractive -Command $Command 2>&1
    }
}

function Invoke-ChildPwshFile {
    <# Runs a script file in a fresh pwsh like this one (pwsh -File), returning its output; $LASTEXITCODE is its exit code. #>
    param([string] $File, [string[]] $ArgumentList = @())
    $self = (Get-Process -Id $PID).Path
    [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    & $self @prefix -NoProfile -NonInteractive -File $File @ArgumentList 2>&1
}

function Get-TestServerPath {
    if ($env:INGRESSCERTS_TESTSERVER_DLL) { return $env:INGRESSCERTS_TESTSERVER_DLL }
    $candidates = Get-ChildItem (Join-Path $PSScriptRoot '../IngressCerts.TestServer/bin') -Recurse -Filter IngressCerts.TestServer.dll -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTime -Descending
    if (-not $candidates) { throw 'The test server is not built: run ./build.ps1 -Task Test, or dotnet build tests/IngressCerts.TestServer.' }
    return $candidates[0].FullName
}

function Start-KubeTestServer {
    <#
    Starts the standalone Kubernetes API test server and returns its process and kubeconfig. The context, cluster and
    user in the kubeconfig are renamed to -ContextName so several servers can be merged into one KUBECONFIG.
    #>
    param([string] $ContextName = 'test', [string[]] $Seed = @(), [switch] $NoGatewayApi, [switch] $NoOtherKinds, [switch] $ModelNamespaceDefaults, [string] $UsersFile)
    $kubeconfig = Join-Path ([IO.Path]::GetTempPath()) "ic-$([guid]::NewGuid().ToString('N')).kubeconfig"
    $requestLog = [IO.Path]::ChangeExtension($kubeconfig, '.requests')
    $arguments = @((Get-TestServerPath), '--kubeconfig-out', $kubeconfig, '--request-log', $requestLog)
    foreach ($s in $Seed) { $arguments += @('--seed', $s) }
    if ($NoGatewayApi) { $arguments += '--no-gateway-api' }
    if ($NoOtherKinds) { $arguments += '--no-other-kinds' }
    if ($ModelNamespaceDefaults) { $arguments += '--model-namespace-defaults' }
    if ($UsersFile) { $arguments += @('--users', $UsersFile) }
    $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $arguments) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardInput = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $ready = $process.StandardOutput.ReadLineAsync()
    if (-not $ready.Wait([TimeSpan]::FromSeconds(60)) -or $ready.Result -notmatch '^READY (\S+) ') {
        $process.Kill($true)
        throw "The test server did not start: $($ready.Result)"
    }
    $url = $Matches[1]
    $text = Get-Content $kubeconfig -Raw
    $original = [regex]::Match($text, 'current-context:\s*(\S+)').Groups[1].Value
    # Users are renamed too: merged kubeconfigs keep the first user of a name, as kubectl does.
    $text = $text -replace [regex]::Escape($original), $ContextName -replace '"admin"', "`"$ContextName-admin`""
    Set-Content $kubeconfig $text
    [pscustomobject]@{ Process = $process; KubeConfig = $kubeconfig; Url = $url; Context = $ContextName; RequestLog = $requestLog }
}

function Stop-KubeTestServer {
    param($Server)
    if ($Server -and -not $Server.Process.HasExited) { $Server.Process.Kill($true); $Server.Process.WaitForExit(5000) | Out-Null }
    if ($Server) { Remove-Item $Server.KubeConfig, $Server.RequestLog -ErrorAction SilentlyContinue }
}

function New-TestPfx {
    <# Writes a PFX of the certificate with its key; returns its path. #>
    param($Issued, [string] $Path, [securestring] $Password)
    $withKey = if ($Issued.Certificate.HasPrivateKey) { $Issued.Certificate }
    elseif ($Issued.Key -is [System.Security.Cryptography.RSA]) {
        [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($Issued.Certificate, $Issued.Key)
    } else {
        [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($Issued.Certificate, $Issued.Key)
    }
    $plain = [System.Net.NetworkCredential]::new('', $Password).Password
    [IO.File]::WriteAllBytes($Path, $withKey.Export('Pfx', $plain))
    $Path
}

function New-TestCluster {
    <#
    The cluster a Pester test works on: a fresh test server by default, or the real cluster named by
    INGRESSCERTS_TEST_KUBECONFIG (and INGRESSCERTS_TEST_CONTEXT), in namespaces the test creates and deletes.
    #>
    param([string] $ContextName = 'test')
    if ($env:INGRESSCERTS_TEST_KUBECONFIG) {
        $context = if ($env:INGRESSCERTS_TEST_CONTEXT) { $env:INGRESSCERTS_TEST_CONTEXT } else { (& kubectl --kubeconfig $env:INGRESSCERTS_TEST_KUBECONFIG config current-context) }
        return [pscustomobject]@{ IsReal = $true; KubeConfig = $env:INGRESSCERTS_TEST_KUBECONFIG; Context = $context; Server = $null; Namespaces = [Collections.Generic.List[string]]::new() }
    }
    $server = Start-KubeTestServer -ContextName $ContextName
    [pscustomobject]@{ IsReal = $false; KubeConfig = $server.KubeConfig; Context = $server.Context; Server = $server; Namespaces = [Collections.Generic.List[string]]::new() }
}

function Remove-TestCluster {
    param($Cluster)
    if (-not $Cluster) { return }
    if ($Cluster.IsReal) {
        foreach ($ns in $Cluster.Namespaces) { & kubectl --kubeconfig $Cluster.KubeConfig --context $Cluster.Context delete namespace $ns --wait=false 2>$null | Out-Null }
    }
    else {
        Stop-KubeTestServer $Cluster.Server
    }
}

function Get-TestServerWrite {
    <# The write requests (anything but GET) the test server has answered so far: "METHOD path" lines. #>
    param($Server)
    if (-not (Test-Path $Server.RequestLog)) { return @() }
    @(Get-Content $Server.RequestLog | ForEach-Object { $f = $_ -split "`t"; if ($f[0] -ne 'GET') { "$($f[0]) $($f[1])" } })
}

function Invoke-TestClusterApi {
    <# A raw API request with the test server's admin token (test server only). #>
    param($Cluster, [string] $Method, [string] $Path, $Body, [string] $ContentType = 'application/json')
    $text = Get-Content $Cluster.KubeConfig -Raw
    $token = [regex]::Match($text, 'token:\s*(\S+)').Groups[1].Value.Trim('"')
    $server = [regex]::Match($text, 'server:\s*(\S+)').Groups[1].Value
    $parameters = @{ Method = $Method; Uri = "$server$Path"; Headers = @{ Authorization = "Bearer $token" }; SkipCertificateCheck = $true; ContentType = $ContentType }
    if ($Body) { $parameters.Body = ($Body | ConvertTo-Json -Depth 20) }
    Invoke-RestMethod @parameters
}

function New-TestNamespace {
    param($Cluster, [string] $Prefix = 'pester-')
    $name = $Prefix + -join ((48..57) + (97..122) | Get-Random -Count 8 | ForEach-Object { [char]$_ })
    Add-ClusterObject $Cluster @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $name } }
    $Cluster.Namespaces.Add($name)
    $name
}

function Add-ClusterObject {
    <# Creates an object (a hashtable in manifest form) on the test server or, with kubectl, on a real cluster. #>
    param($Cluster, [hashtable] $Object)
    if ($Cluster.IsReal) {
        # --validate=false: the schema check needs OpenAPI, which the test server does not serve (it may stand in for a real cluster).
        $Object | ConvertTo-Json -Depth 20 | & kubectl --kubeconfig $Cluster.KubeConfig --context $Cluster.Context apply --validate=false -f - | Out-Null
        return
    }
    $ns = $Object.metadata.namespace
    if ($Object.kind -eq 'Namespace') { $path = '/api/v1/namespaces' }
    else {
        # The group and version are the object's own (an Istio Gateway is not a Gateway API one); the plural is the kind's.
        $plural = switch ($Object.kind) {
            'Ingress' { 'ingresses' }
            'HTTPProxy' { 'httpproxies' }
            default { $Object.kind.ToLowerInvariant() + 's' }
        }
        $prefix = if ($Object.apiVersion -eq 'v1') { '/api/v1' } else { "/apis/$($Object.apiVersion)" }
        $path = "$prefix/namespaces/$ns/$plural"
    }
    Invoke-TestClusterApi $Cluster Post $path $Object | Out-Null
}

function Update-ClusterObject {
    <# Another writer changes an object: a JSON merge patch, on the test server or, with kubectl, on a real cluster. #>
    param($Cluster, [ValidateSet('secrets', 'ingresses')] [string] $Resource, [string] $Namespace, [string] $Name, [hashtable] $Patch)
    if ($Cluster.IsReal) {
        & kubectl --kubeconfig $Cluster.KubeConfig --context $Cluster.Context -n $Namespace patch $Resource $Name --type merge -p ($Patch | ConvertTo-Json -Depth 20 -Compress) | Out-Null
        return
    }
    $group = if ($Resource -eq 'ingresses') { '/apis/networking.k8s.io/v1' } else { '/api/v1' }
    Invoke-TestClusterApi $Cluster Patch "$group/namespaces/$Namespace/$Resource/$Name" $Patch -ContentType 'application/merge-patch+json' | Out-Null
}

function Get-ClusterObject {
    param($Cluster, [string] $Path)
    if ($Cluster.IsReal) {
        return (& kubectl --kubeconfig $Cluster.KubeConfig --context $Cluster.Context get --raw $Path | ConvertFrom-Json)
    }
    Invoke-TestClusterApi $Cluster Get $Path
}

function ConvertTo-SecretObject {
    param([string] $Namespace, [string] $Name, $Issued, $KeyOf, [hashtable] $Annotations = @{})
    $key = if ($KeyOf) { $KeyOf.KeyPem } else { $Issued.KeyPem }
    @{
        apiVersion = 'v1'; kind = 'Secret'; type = 'kubernetes.io/tls'
        metadata   = @{ name = $Name; namespace = $Namespace; annotations = $Annotations }
        data       = @{
            'tls.crt' = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($Issued.CertPem))
            'tls.key' = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($key))
        }
    }
}

function ConvertTo-IngressObject {
    param([string] $Namespace, [string] $Name, [string[]] $Hosts, [string] $SecretName, [string[]] $RuleHosts)
    $tls = @(@{ hosts = @($Hosts) })
    if ($SecretName) { $tls[0].secretName = $SecretName }
    if (-not $RuleHosts) { $RuleHosts = $Hosts }
    @{
        apiVersion = 'networking.k8s.io/v1'; kind = 'Ingress'
        metadata   = @{ name = $Name; namespace = $Namespace }
        spec       = @{
            # [object[]] keeps one-element arrays arrays through ConvertTo-Json.
            tls   = [object[]]$(if ($Hosts) { $tls } else { @() })
            rules = [object[]]@($RuleHosts | ForEach-Object { @{ host = $_; http = @{ paths = [object[]]@(@{ path = '/'; pathType = 'Prefix'; backend = @{ service = @{ name = 'web'; port = @{ number = 80 } } } }) } } })
        }
    }
}

function ConvertTo-GatewayObject {
    <# A Gateway with one HTTPS listener for -Hostname whose certificate is the Secret -SecretNamespace/-SecretName. #>
    param([string] $Namespace, [string] $Name, [string] $Hostname, [string] $SecretNamespace, [string] $SecretName)
    @{
        apiVersion = 'gateway.networking.k8s.io/v1'; kind = 'Gateway'
        metadata   = @{ name = $Name; namespace = $Namespace }
        spec       = @{
            gatewayClassName = 'example'
            listeners        = [object[]]@(@{
                    name = 'https'; protocol = 'HTTPS'; port = 443; hostname = $Hostname
                    tls  = @{ mode = 'Terminate'; certificateRefs = [object[]]@(@{ kind = 'Secret'; name = $SecretName; namespace = $SecretNamespace }) }
                })
        }
    }
}

function ConvertTo-ReferenceGrantObject {
    <# A ReferenceGrant in -Namespace that lets Gateways from -From use every Secret there. #>
    param([string] $Namespace, [string] $From)
    @{
        apiVersion = 'gateway.networking.k8s.io/v1beta1'; kind = 'ReferenceGrant'
        metadata   = @{ name = "gateways-from-$From"; namespace = $Namespace }
        spec       = @{
            from = [object[]]@(@{ group = 'gateway.networking.k8s.io'; kind = 'Gateway'; namespace = $From })
            to   = [object[]]@(@{ group = ''; kind = 'Secret' })
        }
    }
}

function Start-OpenSslServer {
    <#
    .SYNOPSIS
        openssl s_server on a free loopback port with the given certificate and key (PEM text), ready to accept when
        this returns. Returns Process and Endpoint ("127.0.0.1:port"). -Accepts limits how many connections it takes
        (one more is used here to see that it listens).
    #>
    param([Parameter(Mandatory)] [string] $CertPem, [Parameter(Mandatory)] [string] $KeyPem, [Parameter(Mandatory)] [string] $Directory, [int] $Accepts = 0)
    # A port the system says is free: a random one was sometimes taken, and s_server then exited at once.
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $crt = Join-Path $Directory "$port.crt"; $key = Join-Path $Directory "$port.key"
    Set-Content $crt $CertPem; Set-Content $key $KeyPem
    $arguments = @('s_server', '-accept', "127.0.0.1:$port", '-cert', $crt, '-key', $key, '-quiet')
    if ($Accepts -gt 0) { $arguments += '-naccept', ($Accepts + 1) }
    $p = Start-Process openssl -ArgumentList $arguments -PassThru -RedirectStandardOutput (Join-Path $Directory "$port.out") -RedirectStandardError (Join-Path $Directory "$port.err")
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($true) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $port); break } catch { } finally { $client.Dispose() }
        if ($p.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            throw "openssl s_server did not start on port ${port}: $(Get-Content (Join-Path $Directory "$port.err") -Raw)"
        }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{ Process = $p; Endpoint = "127.0.0.1:$port" }
}

function Test-GatewayApiServed {
    <# Whether the cluster serves gateway.networking.k8s.io/v1 (a real cluster only with the Gateway API CRDs). #>
    param($Cluster)
    Test-ApiServed $Cluster 'gateway.networking.k8s.io/v1'
}

function Test-ApiServed {
    <#
    Whether the cluster serves a group version (route.openshift.io/v1, ...: a real cluster only with its CRDs), from its
    discovery. Only a 404 says no; any other failure says yes, so the test runs and shows the real problem.
    #>
    param($Cluster, [string] $GroupVersion)
    $path = "/apis/$GroupVersion"
    if ($Cluster.IsReal) {
        $answer = & kubectl --kubeconfig $Cluster.KubeConfig --context $Cluster.Context get --raw $path 2>&1
        return $LASTEXITCODE -eq 0 -or -not ("$answer" -match 'NotFound|\(404\)|the server could not find')
    }
    try { Invoke-TestClusterApi $Cluster Get $path | Out-Null; $true }
    catch { $_.Exception.Response.StatusCode -ne [System.Net.HttpStatusCode]::NotFound }
}

# Keys with a certificate's public half and a broken private half (issue 10, item 6).
# PKCS#8 written field by field: the platform refuses to export such keys. Nothing is written to disk.
function ConvertTo-Pkcs8Pem([string] $Algorithm, [string] $Curve, [byte[]] $PrivateKey) {
    $w = [System.Formats.Asn1.AsnWriter]::new([System.Formats.Asn1.AsnEncodingRules]::DER)
    $outer = $w.PushSequence(); $w.WriteInteger(0)
    $id = $w.PushSequence(); $w.WriteObjectIdentifier($Algorithm)
    if ($Curve) { $w.WriteObjectIdentifier($Curve) } else { $w.WriteNull() }
    $id.Dispose(); $w.WriteOctetString($PrivateKey); $outer.Dispose()
    [System.Security.Cryptography.PemEncoding]::WriteString('PRIVATE KEY', $w.Encode())
}
function New-ForeignScalarKeyPem($Issued) {
    # The certificate's public point with another key's private scalar.
    $public = $Issued.Key.ExportParameters($false)
    $scalar = [System.Security.Cryptography.ECDsa]::Create($public.Curve).ExportParameters($true).D
    $w = [System.Formats.Asn1.AsnWriter]::new([System.Formats.Asn1.AsnEncodingRules]::DER)
    $s = $w.PushSequence(); $w.WriteInteger(1); $w.WriteOctetString($scalar)
    $t = $w.PushSequence([System.Formats.Asn1.Asn1Tag]::new([System.Formats.Asn1.TagClass]::ContextSpecific, 1, $true))
    $w.WriteBitString([byte[]](@(4) + $public.Q.X + $public.Q.Y)); $t.Dispose(); $s.Dispose()
    ConvertTo-Pkcs8Pem '1.2.840.10045.2.1' $public.Curve.Oid.Value $w.Encode()
}
function New-CorruptDKeyPem($Issued) {
    # The certificate's n and e with a changed private exponent d.
    $p = $Issued.Key.ExportParameters($true)
    $d = [byte[]]$p.D.Clone(); $d[[int]($d.Length / 2)] = $d[[int]($d.Length / 2)] -bxor 0x5A
    $w = [System.Formats.Asn1.AsnWriter]::new([System.Formats.Asn1.AsnEncodingRules]::DER)
    $s = $w.PushSequence(); $w.WriteInteger(0)
    foreach ($v in $p.Modulus, $p.Exponent, $d, $p.P, $p.Q, $p.DP, $p.DQ, $p.InverseQ) {
        # Fixed-length exports may start with zero bytes, which DER does not allow.
        $i = 0; while ($i -lt $v.Length - 1 -and $v[$i] -eq 0) { $i++ }
        $w.WriteIntegerUnsigned([byte[]]$v[$i..($v.Length - 1)])
    }
    $s.Dispose()
    ConvertTo-Pkcs8Pem '1.2.840.113549.1.1.1' $null $w.Encode()
}

function Invoke-TestCaSigning {
    <# A test CA: the intermediate signs the CSR the way it chooses (names added, another key, other dates). #>
    param($Root, $Intermediate, [string] $Csr, [string] $Subject, [string[]] $AddDnsName = @(), [int] $Days = 90, [int] $DaysAgo = 1, [switch] $OtherKey)
    $request = [CertificateRequest]::LoadSigningRequestPem($Csr, [HashAlgorithmName]::SHA256, [CertificateRequestLoadOptions]::UnsafeLoadCertificateExtensions)
    $names = [SubjectAlternativeNameBuilder]::new()
    $asked = $request.CertificateExtensions | Where-Object { $_.Oid.Value -eq '2.5.29.17' }
    $asked = [X509SubjectAlternativeNameExtension]::new($asked.RawData)
    foreach ($n in @($asked.EnumerateDnsNames()) + $AddDnsName) { $names.AddDnsName($n) }
    foreach ($ip in $asked.EnumerateIPAddresses()) { $names.AddIpAddress($ip) }
    $publicKey = if ($OtherKey) { [CertificateRequest]::new('CN=x', [ECDsa]::Create(), 'SHA256').PublicKey } else { $request.PublicKey }
    $issued = [CertificateRequest]::new([X500DistinguishedName]::new($(if ($Subject) { $Subject } else { $request.SubjectName.Name })), $publicKey, [HashAlgorithmName]::SHA256)
    $issued.CertificateExtensions.Add($names.Build())
    $issued.CertificateExtensions.Add([X509BasicConstraintsExtension]::new($false, $false, 0, $true))
    $serial = [byte[]]::new(12); [RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7F
    $cert = $issued.Create($Intermediate.Certificate.SubjectName, [X509SignatureGenerator]::CreateForECDsa($Intermediate.Key),
        [DateTimeOffset]::UtcNow.AddDays(-$DaysAgo), [DateTimeOffset]::UtcNow.AddDays($Days), $serial)
    [pscustomobject]@{ Certificate = $cert; CertPem = $cert.ExportCertificatePem(); ChainPem = $Intermediate.CertPem + "`n" + $Root.CertPem }
}

function Add-TestDueTarget {
    <# An Ingress and its Secret, whose certificate (from -Issuer, a New-TestCertificate CA) expires in -Days days; returns the certificate. #>
    param($Cluster, $Issuer, [string] $Namespace, [string] $Name, [string[]] $Hosts, [int] $Days = 5)
    $old = New-TestCertificate -Subject "CN=$($Hosts[0])" -DnsName $Hosts -Days $Days -DaysAgo 80 -Issuer $Issuer
    Add-ClusterObject $Cluster (ConvertTo-SecretObject $Namespace "$Name-tls" $old)
    Add-ClusterObject $Cluster (ConvertTo-IngressObject $Namespace $Name $Hosts "$Name-tls")
    $old
}

function Get-TestSecretCertificate {
    <#
    The leaf in a TLS Secret joined with the Secret's tls.key (so it throws when the key is not the certificate's), or
    $null when the Secret does not exist.
    #>
    param($Cluster, [string] $Namespace, [string] $Name)
    try { $s = Get-ClusterObject $Cluster "/api/v1/namespaces/$Namespace/secrets/$Name" } catch { return $null }
    $text = { param($b64) [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($b64)) }
    [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((& $text $s.data.'tls.crt'), (& $text $s.data.'tls.key'))
}

function Get-TestClusterCaPem {
    <# The API server's CA certificate (PEM) from the cluster's kubeconfig (certificate-authority-data). #>
    param($Cluster)
    $data = [regex]::Match((Get-Content $Cluster.KubeConfig -Raw), 'certificate-authority-data:\s*"?([A-Za-z0-9+/=]+)').Groups[1].Value
    [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($data))
}

function Get-TestClusterToken {
    <# The bearer token in the cluster's kubeconfig (the test server's admin). #>
    param($Cluster)
    [regex]::Match((Get-Content $Cluster.KubeConfig -Raw), 'token:\s*(\S+)').Groups[1].Value.Trim('"')
}

Export-ModuleMember -Function *

#Requires -Version 7.4
<#
.SYNOPSIS
    Sync-IngressCertificate on 1,000 due references against 1,000 Publish-IngressCertificate calls in a loop, both
    measured in the same run, each on a freshly seeded test server. Prints times, the ratio and API requests per
    renewed target; asserts nothing.
.DESCRIPTION
    Each measurement starts its own test server (tests/IngressCerts.TestServer, over HTTPS on loopback) seeded with
    -Count Ingresses in -Namespaces namespaces, each naming its own TLS Secret whose certificate expires in 5 days
    (one ECDSA P-256 leaf for *.bench.example, shared by the Secrets), so every reference is due.

      sync    Sync-IngressCertificate -AllNamespaces -Issuer {in-process CA} -ThrottleLimit N: per target a new key made in
              the cluster (a pending request), the CA script block signs its CSR, a Publish, the request removed, all
              under a Lease.
      loop    foreach reference (from Get-IngressCertificate, listed before the clock starts): a new ECDSA P-256 key and
              CSR, the same in-process CA signs it, then Publish-IngressCertificate -CertificatePem -KeyPem -ChainPem.
              Keys and certificates are made inside the loop, as Sync makes them inside its run, so both sides pay
              for key generation and signing in the measured time.

    Both sides use the same CA code (Invoke-TestCaSigning from tests/pester/TestHelpers.psm1: an intermediate signs the
    CSR with ECDSA P-256, no network). A warm-up of both on a small server comes first (-WarmUp references: JIT,
    TLS, first connection).
    API requests are counted from the test server's request log, between the start and the end of each measurement.
    The order of the two alternates between rounds (-Runs).
.EXAMPLE
    dotnet pwsh -NoProfile ./build.ps1; dotnet build tests/IngressCerts.TestServer -c Release; dotnet pwsh -NoProfile bench/sync/run.ps1
.EXAMPLE
    dotnet pwsh -NoProfile bench/sync/run.ps1 -Count 200 -ThrottleLimit 8 -Runs 2
#>
[CmdletBinding()]
param(
    [int] $Count = 1000,
    [int] $Namespaces = 10,
    [int] $ThrottleLimit = 4,
    [int] $Runs = 1,
    [int] $WarmUp = 64
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$loadBefore = ((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ')[0]
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
Import-Module (Join-Path $repo 'tests/pester/TestHelpers.psm1') -Force
Import-Module (Join-Path $repo 'out/IngressCerts/IngressCerts.psd1') -Force

$rootCa = New-TestCertificate -Subject 'CN=Bench Root CA' -CertificateAuthority -Days 3650
$issuingCa = New-TestCertificate -Subject 'CN=Bench Issuing CA' -CertificateAuthority -Issuer $rootCa -Days 1000
$dir = Join-Path ([IO.Path]::GetTempPath()) "ingresscerts-sync-bench-$PID"
New-Item -ItemType Directory -Force $dir | Out-Null

function New-SeedFile([int] $N) {
    # One due certificate for every Secret: expires in 5 days, inside Sync's default 30-day window.
    $old = New-TestCertificate -Subject 'CN=*.bench.example' -DnsName '*.bench.example' -Days 5 -DaysAgo 85 -Issuer $issuingCa
    $objects = foreach ($i in 0..($N - 1)) {
        $ns = 'bench-{0:D2}' -f ($i % $Namespaces)
        ConvertTo-SecretObject $ns "app-$i-tls" $old
        ConvertTo-IngressObject $ns "app-$i" "app-$i.bench.example" "app-$i-tls"
    }
    $path = Join-Path $dir "seed-$N.json"
    ConvertTo-Json -InputObject @($objects) -Depth 20 -Compress | Set-Content $path
    $path
}

# The in-process CA, used by both sides.
$ca = { param($Request) (Invoke-TestCaSigning -Root $rootCa -Intermediate $issuingCa -Csr $Request.Csr).CertPem }.GetNewClosure()

function Get-RequestCount($Server) { @(Get-Content $Server.RequestLog -ErrorAction Ignore).Count }

function Get-RequestBreakdown($Server, [int] $Skip) {
    # "METHOD resource" with names left out: which calls the requests per target are made of.
    Get-Content $Server.RequestLog | Select-Object -Skip $Skip | ForEach-Object {
        $f = $_ -split "`t"
        $path = ($f[1] -split '\?')[0]
        $resource = if ($path -match '/(namespaces/[^/]+/)?([a-z]+)(/[^/]+)?$') { $Matches[2] + $(if ($Matches[3]) { '/name' } else { '' }) } else { $path }
        "$($f[0]) $resource"
    } | Group-Object -NoElement | Sort-Object Count -Descending | ForEach-Object { "$($_.Count) $($_.Name)" }
}

function Measure-Variant([string] $Variant, [string] $Seed, [int] $N) {
    $server = Start-KubeTestServer -ContextName "bench-$Variant" -Seed $Seed
    try {
        $kc = @{ KubeConfigPath = $server.KubeConfig; Context = $server.Context }
        $self = [Diagnostics.Process]::GetCurrentProcess()
        if ($Variant -eq 'sync') {
            Start-Sleep -Milliseconds 200
            $before = Get-RequestCount $server
            $self.Refresh(); $server.Process.Refresh()
            $cpu = $self.TotalProcessorTime; $serverCpu = $server.Process.TotalProcessorTime
            $elapsed = Measure-Command {
                $script:results = @(Sync-IngressCertificate @kc -AllNamespaces -Issuer $ca -ThrottleLimit $ThrottleLimit -InformationAction SilentlyContinue)
            }
            $done = @($script:results | Where-Object Action -eq 'Renewed').Count
        }
        else {
            $refs = @(Get-IngressCertificate @kc -AllNamespaces)
            Start-Sleep -Milliseconds 200
            $before = Get-RequestCount $server
            $self.Refresh(); $server.Process.Refresh()
            $cpu = $self.TotalProcessorTime; $serverCpu = $server.Process.TotalProcessorTime
            $elapsed = Measure-Command {
                $script:results = foreach ($r in $refs) {
                    $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
                    $csr = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$($r.Hosts[0])", $key, 'SHA256')
                    $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
                    foreach ($h in $r.Hosts) { $san.AddDnsName($h) }
                    $csr.CertificateExtensions.Add($san.Build())
                    $issued = & $ca ([pscustomobject]@{ Csr = $csr.CreateSigningRequestPem() })
                    Publish-IngressCertificate @kc -Namespace $r.Namespace -SecretName $r.SecretName -IngressName $r.Name `
                        -CertificatePem $issued -KeyPem $key.ExportPkcs8PrivateKeyPem() -ChainPem $issuingCa.CertPem -WarningAction SilentlyContinue
                }
            }
            $done = @($script:results | Where-Object Action -in 'Updated', 'Created').Count
        }
        $self.Refresh(); $server.Process.Refresh()
        $clientCpuMs = ($self.TotalProcessorTime - $cpu).TotalMilliseconds
        $serverCpuMs = ($server.Process.TotalProcessorTime - $serverCpu).TotalMilliseconds
        Start-Sleep -Milliseconds 500   # the request log is mirrored to its file as requests end
        $requests = (Get-RequestCount $server) - $before
        [pscustomobject]@{
            Variant = $Variant; Ms = $elapsed.TotalMilliseconds; Done = $done; Requests = $requests; ClientCpuMs = $clientCpuMs; ServerCpuMs = $serverCpuMs
            Actions = ($script:results | Group-Object Action | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', '
            Breakdown = (Get-RequestBreakdown $server $before) -join ', '
        }
    }
    finally { Stop-KubeTestServer $server }
}

# Enough calls for the runtime's tiered JIT to recompile the hot paths of both (it does after 30 calls). Even so the
# first large measurement in a process costs more CPU than the second (measured: Sync 29 s then 17 s, the loop
# 17 s then 14 s), so -Runs 2 alternates the order and the README compares both positions.
Write-Host "Warming up both variants on $WarmUp references..." -ForegroundColor DarkGray
$small = New-SeedFile $WarmUp
$null = Measure-Variant 'sync' $small $WarmUp
$null = Measure-Variant 'loop' $small $WarmUp

$seed = New-SeedFile $Count
$rounds = foreach ($run in 1..$Runs) {
    $order = if ($run % 2) { 'sync', 'loop' } else { 'loop', 'sync' }
    foreach ($v in $order) { Write-Host "Round ${run}: $v..." -ForegroundColor DarkGray; Measure-Variant $v $seed $Count }
}

"$Count due references in $Namespaces namespaces, Sync -ThrottleLimit $ThrottleLimit, $Runs round(s); load average before/after: $loadBefore/$(((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ')[0])"
foreach ($r in $rounds) {
    '{0,-5} {1,9:N0} ms  CPU client {2,7:N0} ms, server {3,7:N0} ms  {4,5} renewed  {5,6} requests ({6,5:N2} per renewed target)  [{7}]' -f `
        $r.Variant, $r.Ms, $r.ClientCpuMs, $r.ServerCpuMs, $r.Done, $r.Requests, ($r.Requests / [math]::Max(1, $r.Done)), $r.Actions
}
foreach ($r in $rounds | Select-Object -First 2) { "requests of $($r.Variant): $($r.Breakdown)" }
$syncMs = ($rounds | Where-Object Variant -eq 'sync' | Measure-Object Ms -Average).Average
$loopMs = ($rounds | Where-Object Variant -eq 'loop' | Measure-Object Ms -Average).Average
$ratio = { param($v, $p) ($rounds | Where-Object Variant -eq $v | Measure-Object $p -Average).Average }
'sync / loop: {0:N2} x wall time (target: at most 1 x); CPU: client {1:N2} x, server {2:N2} x' -f ($syncMs / $loopMs),
    ((& $ratio sync ClientCpuMs) / (& $ratio loop ClientCpuMs)), ((& $ratio sync ServerCpuMs) / (& $ratio loop ServerCpuMs))

Remove-Item $dir -Recurse -Force -ErrorAction Ignore

#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the inventory benchmark: the inventory of 10,000 Ingresses and TLS Secrets against baselines measured in the
    same run, with one summary table.
.DESCRIPTION
    Builds the module (./build.ps1) and the bench (Release), then runs bench/inventory: it starts the test server
    in-process, seeds 1,000 namespaces x 10 Ingresses with their TLS Secrets, and measures
      - the inventory (ClusterScanner, as Get-IngressCertificate -AllNamespaces runs it),
      - the raw fetch of the same paginated lists with KubernetesClient (the baseline for the ratios),
      - a naive client (list Ingresses, then GET each Secret one by one),
      - kubectl get ingress,secret -A -o json (when kubectl is installed),
      - the engine alone and Get-IngressCertificate in pwsh, each in a separate process (time, CPU, peak working set),
    and prints ratios, request counts (from the server's request log) and peak working sets. Nothing is asserted.
    Takes about 3-5 minutes on 2 cores, plus the builds.
.PARAMETER NoBuild
    Use the module in out/IngressCerts and the bench as last built.
.PARAMETER BenchArgs
    Passed to the bench, e.g. -BenchArgs '--runs', '3', '--skip-kubectl' (see --help in README.md).
.EXAMPLE
    dotnet tool restore; dotnet pwsh bench/inventory/run.ps1
.EXAMPLE
    dotnet pwsh bench/inventory/run.ps1 -NoBuild -BenchArgs '--namespaces', '100'
#>
[CmdletBinding()]
param(
    [switch] $NoBuild,
    [string[]] $BenchArgs = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$project = Join-Path $PSScriptRoot 'IngressCerts.Bench.Inventory.csproj'
$module = Join-Path $root 'out/IngressCerts/IngressCerts.psd1'
$benchDll = Join-Path $PSScriptRoot 'bin/Release/net10.0/IngressCerts.Bench.Inventory.dll'
$json = Join-Path $root 'out/bench/inventory.json'

if (-not $NoBuild) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    & (Join-Path $root 'build.ps1')
    & dotnet build $project -c Release --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "building the bench failed ($LASTEXITCODE)" }
    Write-Host "Built the module and the bench in $([int]$sw.Elapsed.TotalSeconds) s." -ForegroundColor DarkGray
}
if (-not (Test-Path $module)) { throw "No module at ${module}: run without -NoBuild." }
if (-not (Test-Path $benchDll)) { throw "No bench at ${benchDll}: run without -NoBuild." }

# The pwsh child runs the same PowerShell as this script: under `dotnet pwsh` that is pwsh.dll on the dotnet host.
$self = [Environment]::ProcessPath
$pwsh = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { [Environment]::GetCommandLineArgs()[0] } else { $self }

& dotnet $benchDll --module $module --pwsh $pwsh --repo $root --json $json @BenchArgs
if ($LASTEXITCODE -ne 0) { throw "the bench exited with $LASTEXITCODE" }

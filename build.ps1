#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages the IngressCerts module.
.DESCRIPTION
    Build   (default) leaves an importable module at out/IngressCerts and example manifests at out/examples.
    Test    builds, then runs the xunit suites and the Pester suite (in a fresh pwsh), and fails on any failure.
    Package builds, then writes out/package/IngressCerts.<version>.nupkg (Install-PSResource from a local
            repository) and out/package/IngressCerts.zip (Azure Automation module import).
    Clean   removes out/ and every bin/obj folder.
    Docs    writes docs/cmdlets/*.md (the pages Get-Help -Online opens) from module/en-US; run it after changing the help.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean', 'Docs')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (a path under tests/pester); all by default.
    [string] $PesterPath = 'tests/pester'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'IngressCerts'
$manifest = Import-PowerShellDataFile (Join-Path $root 'IngressCerts.psd1')

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    Write-Host "> $File $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File exited with code $LASTEXITCODE" }
}

function Invoke-Build {
    $publish = Join-Path $out 'obj/publish'
    $loader = Join-Path $out 'obj/loader'
    Remove-Item $moduleOut, $publish, $loader -Recurse -Force -ErrorAction SilentlyContinue
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/IngressCerts/IngressCerts.csproj'), '-c', $Configuration, '-o', $publish, '--nologo', '-v', 'quiet')
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/IngressCerts.LoadContext/IngressCerts.LoadContext.csproj'), '-c', $Configuration, '-o', $loader, '--nologo', '-v', 'quiet')

    $bin = New-Item -ItemType Directory -Force (Join-Path $moduleOut 'bin')
    $deps = New-Item -ItemType Directory -Force (Join-Path $bin 'deps')
    Copy-Item (Join-Path $loader 'IngressCerts.LoadContext.dll') $bin
    # Only assemblies: PowerShell's own (System.Management.Automation) is never shipped.
    Get-ChildItem $publish -Filter *.dll | Copy-Item -Destination $deps
    Copy-Item (Join-Path $root 'IngressCerts.psd1') $moduleOut
    Copy-Item (Join-Path $root 'module/*') $moduleOut -Recurse
    & (Join-Path $root 'examples/New-ExampleManifests.ps1') -OutputPath (Join-Path $out 'examples')
    Write-Host "Module: $moduleOut"
}

function Get-PesterModulePath {
    $version = '5.7.1'
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $psd1 = Join-Path $packages.Trim() "pester/$version/tools/Pester.psd1"
    # Restores Pester and the packages the isolation test loads; quick when they are already there.
    Invoke-Native dotnet @('restore', (Join-Path $root 'build/tools.proj'), '--nologo', '-v', 'quiet')
    $env:INGRESSCERTS_NUGET_PACKAGES = $packages.Trim()
    if (-not (Test-Path $psd1)) { throw "Pester $version was not found at $psd1 after restore." }
    return $psd1
}

function Read-TrxCounters([string] $directory) {
    $totals = [ordered]@{ passed = 0; failed = 0; skipped = 0 }
    foreach ($trx in Get-ChildItem $directory -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $totals.passed += [int]$counters.passed
        $totals.failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $totals.skipped += [int]$counters.notExecuted
    }
    return $totals
}

function Invoke-Test {
    Invoke-Package
    $results = Join-Path $out 'test-results'
    Remove-Item $results -Recurse -Force -ErrorAction SilentlyContinue
    $failures = @()

    # xunit: every test project in the solution.
    & dotnet test (Join-Path $root 'IngressCerts.sln') -c $Configuration --nologo --logger 'trx' --logger 'console;verbosity=minimal' --results-directory $results
    if ($LASTEXITCODE -ne 0) { $failures += "dotnet test exited with $LASTEXITCODE" }
    $xunit = Read-TrxCounters $results

    # Pester in a fresh process: a loaded binary module cannot be reloaded, and the tests must see the built module.
    $pester = Get-PesterModulePath
    $pesterXml = Join-Path $results 'pester.xml'
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester'
`$config = New-PesterConfiguration
`$config.Run.Path = '$(Join-Path $root $PesterPath)'
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Normal'
`$config.TestResult.Enabled = `$true
`$config.TestResult.OutputPath = '$pesterXml'
`$r = Invoke-Pester -Configuration `$config
"PESTER-COUNTS `$(`$r.PassedCount) `$(`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount) `$(`$r.SkippedCount)"
exit ([int](`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount -gt 0))
"@
    $env:INGRESSCERTS_MODULE_PATH = Join-Path $moduleOut 'IngressCerts.psd1'
    $env:INGRESSCERTS_TESTSERVER_DLL = Join-Path $root "tests/IngressCerts.TestServer/bin/$Configuration/net10.0/IngressCerts.TestServer.dll"
    # This pwsh may itself run as 'dotnet pwsh.dll' (the local tool): start the child the same way.
    $self = (Get-Process -Id $PID).Path
    $pwsh = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { @($self, (Join-Path $PSHOME 'pwsh.dll')) } else { @($self) }
    $pesterCounts = @(0, 0, 0)
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script | ForEach-Object {
        if ($_ -match '^PESTER-COUNTS (\d+) (\d+) (\d+)$') { $pesterCounts = @([int]$Matches[1], [int]$Matches[2], [int]$Matches[3]) }
        else { $_ }
    } | Out-Host
    if ($LASTEXITCODE -ne 0) { $failures += "Pester exited with $LASTEXITCODE" }

    $passed = $xunit.passed + $pesterCounts[0]
    $failed = $xunit.failed + $pesterCounts[1]
    $skipped = $xunit.skipped + $pesterCounts[2]
    Write-Host "xunit: $($xunit.passed) passed, $($xunit.failed) failed, $($xunit.skipped) skipped; Pester: $($pesterCounts[0]) passed, $($pesterCounts[1]) failed, $($pesterCounts[2]) skipped"
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failures.Count -gt 0 -or $failed -gt 0 -or $passed -eq 0) {
        throw "Tests failed: $($failures -join '; ')"
    }
}

function Invoke-Package {
    Invoke-Build
    $package = New-Item -ItemType Directory -Force (Join-Path $out 'package')
    $version = $manifest.ModuleVersion

    # Azure Automation imports a zip whose top folder is the module name.
    $zip = Join-Path $package 'IngressCerts.zip'
    Remove-Item $zip -ErrorAction SilentlyContinue
    Compress-Archive -Path $moduleOut -DestinationPath $zip

    # A PowerShellGet/PSResourceGet nupkg is the module folder plus a nuspec at the top.
    $staging = Join-Path $out 'obj/nupkg'
    Remove-Item $staging -Recurse -Force -ErrorAction SilentlyContinue
    Copy-Item $moduleOut $staging -Recurse
    $tags = ($manifest.PrivateData.PSData.Tags + 'PSModule' + ($manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_", "PSCommand_$_" })) -join ' '
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>IngressCerts</id>
    <version>$version</version>
    <authors>$([Security.SecurityElement]::Escape($manifest.Author))</authors>
    <description>$([Security.SecurityElement]::Escape($manifest.Description))</description>
    <tags>$([Security.SecurityElement]::Escape($tags))</tags>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
  </metadata>
</package>
"@
    Set-Content (Join-Path $staging 'IngressCerts.nuspec') $nuspec -Encoding utf8
    $nupkg = Join-Path $package "IngressCerts.$version.nupkg"
    Remove-Item $nupkg -ErrorAction SilentlyContinue
    [System.IO.Compression.ZipFile]::CreateFromDirectory($staging, $nupkg)
    Write-Host "Packages: $nupkg, $zip"
}

function Invoke-Docs {
    & (Join-Path $root 'build/New-CmdletDocs.ps1') | ForEach-Object { Write-Host "Wrote $_" }
}

function Invoke-Clean {
    Remove-Item $out -Recurse -Force -ErrorAction SilentlyContinue
    Get-ChildItem $root -Directory -Recurse -Include bin, obj -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -notlike "$root/.git*" } |
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
}

foreach ($t in $Task) {
    & "Invoke-$t"
}

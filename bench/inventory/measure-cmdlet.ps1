#Requires -Version 7.4
<#
.SYNOPSIS
    Times Get-IngressCertificate -AllNamespaces in this (fresh) pwsh process and reports its peak working set.
.DESCRIPTION
    Started by the inventory bench as a child process, against the bench's test server. Runs the cmdlet -Runs times
    with Measure-Command (the first run is the cold one: JIT, connection, system trust store) and prints one line
    "RESULT <json>" with each run's time, CPU time and allocations and the process's peak working set.
    -Mode Stream pipes the results to Measure-Object (nothing is kept); -Mode Collect assigns them to a variable,
    as `$certs = Get-IngressCertificate -AllNamespaces` does, and reads the peak while they are still held.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $KubeConfigPath,
    [string] $Context,
    [int] $Runs = 3,
    [ValidateSet('Stream', 'Collect')] [string] $Mode = 'Stream'
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version Latest

$process = [System.Diagnostics.Process]::GetCurrentProcess()
Import-Module $ModulePath
$target = @{ KubeConfigPath = $KubeConfigPath }
if ($Context) { $target.Context = $Context }
$process.Refresh()
$startupWs = $process.WorkingSet64
$startupPeak = $process.PeakWorkingSet64

$runList = [System.Collections.Generic.List[object]]::new()
$statuses = @{}
for ($i = 0; $i -lt $Runs; $i++) {
    $process.Refresh()
    $cpu = $process.TotalProcessorTime
    $allocated = [GC]::GetTotalAllocatedBytes($true)
    $pause = [GC]::GetTotalPauseDuration()
    $gen = 0..2 | ForEach-Object { [GC]::CollectionCount($_) }
    if ($Mode -eq 'Stream') {
        $elapsed = Measure-Command {
            $script:items = (Get-IngressCertificate -AllNamespaces @target | Measure-Object).Count
        }
    }
    else {
        $elapsed = Measure-Command {
            $script:certs = Get-IngressCertificate -AllNamespaces @target
        }
        $script:items = $script:certs.Count
        if ($i -eq 0) {
            foreach ($group in $script:certs | Group-Object Status -NoElement) { $statuses[$group.Name] = $group.Count }
        }
    }
    $allocatedNow = [GC]::GetTotalAllocatedBytes($true)
    $process.Refresh()
    $runList.Add([ordered]@{
        ms             = $elapsed.TotalMilliseconds
        cpuMs          = ($process.TotalProcessorTime - $cpu).TotalMilliseconds
        allocatedBytes = $allocatedNow - $allocated
        items          = $script:items
        peakWorkingSet = $process.PeakWorkingSet64
        gcPauseMs      = ([GC]::GetTotalPauseDuration() - $pause).TotalMilliseconds
        gen0           = [GC]::CollectionCount(0) - $gen[0]
        gen1           = [GC]::CollectionCount(1) - $gen[1]
        gen2           = [GC]::CollectionCount(2) - $gen[2]
    })

    # Between two commands of a session: the previous results are dropped before the next run.
    $script:certs = $null
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    [GC]::Collect()
}

$process.Refresh()
$result = [ordered]@{
    mode                  = "pwsh-$($Mode.ToLowerInvariant())"
    startupWorkingSet     = $startupWs
    startupPeakWorkingSet = $startupPeak
    runs                  = $runList
    peakWorkingSet        = $process.PeakWorkingSet64
    statuses              = if ($statuses.Count) { $statuses } else { $null }
    endWorkingSet         = $process.WorkingSet64
    endGcCommitted        = [GC]::GetGCMemoryInfo().TotalCommittedBytes
}
'RESULT ' + ($result | ConvertTo-Json -Compress -Depth 5)

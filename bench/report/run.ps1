# Export-IngressCertificateReport on 10,000 references: render time and file size per format, as a ratio to a baseline
# measured in the same run (only enumerating the same input through the pipeline), and how long Chromium takes to
# load the 10,000-row HTML (against an empty page). Prints figures; asserts nothing.
#   dotnet pwsh bench/report/run.ps1 [-Count 10000] [-Runs 5]
param([int] $Count = 10000, [int] $Runs = 5)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../../out/IngressCerts/IngressCerts.psd1') -Force

$statuses = (Get-Command Get-IngressCertificate).Parameters['Status'].Attributes.ValidValues
$now = [datetime]::UtcNow
$items = foreach ($i in 0..($Count - 1)) {
    [pscustomobject]@{
        Context = "cluster-$($i % 4)"; Namespace = "team-$($i % 50)"; Kind = 'Ingress'; Name = "app-$i"; Listener = $null
        Hosts = @("app-$i.contoso.example", "www.app-$i.contoso.example"); SecretName = "app-$i-tls"; Status = $statuses[$i % $statuses.Count]
        Issues = @("finding about app-$i"); NotBefore = $now.AddDays(-30); NotAfter = $now.AddDays(($i % 400) - 20); DaysRemaining = ($i % 400) - 20
        Subject = "CN=app-$i.contoso.example"; Issuer = 'CN=Contoso Issuing CA 1, O=Contoso'; SerialNumber = '{0:X8}' -f $i
        Thumbprint = '{0:X40}' -f $i; Sha256Fingerprint = '{0:X64}' -f $i
    }
}
$dir = Join-Path ([System.IO.Path]::GetTempPath()) "ingresscerts-report-bench-$PID"
New-Item -ItemType Directory $dir -Force | Out-Null

$baseline = (Measure-Command { $items | ForEach-Object { $_ } | Out-Null }).TotalMilliseconds
"$Count references; baseline (enumerate the input through the pipeline): {0:N0} ms" -f $baseline
foreach ($format in 'Html', 'Markdown', 'Prometheus', 'Json') {
    $file = Join-Path $dir "report.$($format.ToLower())"
    $ms = (Measure-Command { $items | Export-IngressCertificateReport $format -Path $file }).TotalMilliseconds
    '{0,-10} {1,7:N0} ms ({2,4:N1} x baseline) {3,7:N2} MB' -f $format, $ms, ($ms / $baseline), ((Get-Item $file).Length / 1MB)
}

$chromium = (Get-Command chromium, chromium-browser -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
if ($chromium) {
    # The machine this runs on is often shared and loaded: every figure is the median of -Runs runs, and reported as a
    # ratio to the same measurement of an empty page, taken in the same round.
    $empty = Join-Path $dir 'empty.html'
    Set-Content $empty '<!DOCTYPE html><html><body></body></html>'
    $report = Join-Path $dir 'report.html'

    # An instrumented copy for the in-page figure: the report itself has no script (its CSP forbids it). The script at
    # the end of the body runs once the whole table is parsed, then forces style and layout of the page as the first
    # paint would, and writes both times (ms since navigation start) into the DOM that --dump-dom prints.
    $probe = '<script>var p=performance.now();document.body.getBoundingClientRect();document.documentElement.scrollHeight;' +
        'var l=performance.now();var o=document.createElement("output");o.id="bench";o.textContent=p.toFixed(1)+" "+l.toFixed(1);document.body.appendChild(o);</script>'
    $instrumented = Join-Path $dir 'report-timed.html'
    $emptyTimed = Join-Path $dir 'empty-timed.html'
    (Get-Content $report -Raw) -replace '<meta http-equiv="Content-Security-Policy"[^>]*>', '' -replace '</body>', "$probe</body>" | Set-Content $instrumented -NoNewline
    Set-Content $emptyTimed "<!DOCTYPE html><html><body>$probe</body></html>"

    $headless = '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,900'
    $wall = { param($f, $mode) (Measure-Command { & $chromium @headless $mode "file://$f" 2>$null | Out-Null }).TotalMilliseconds }
    $inPage = {
        param($f)
        $dom = (& $chromium @headless '--dump-dom' "file://$f" 2>$null) -join "`n"
        if ($dom -notmatch '<output id="bench">([\d.]+) ([\d.]+)</output>') { throw "no timing in the DOM of $f" }
        [pscustomobject]@{ Parsed = [double]$Matches[1]; LaidOut = [double]$Matches[2] }
    }
    $median = { param($values) $sorted = @($values | Sort-Object); $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)] }

    $shot = Join-Path $dir 'shot.png'
    $null = & $wall $empty '--dump-dom'; $null = & $wall $report '--dump-dom' # warm the disk cache and Chromium's files
    $rounds = foreach ($run in 1..$Runs) {
        [pscustomobject]@{
            EmptyDump  = & $wall $empty '--dump-dom'
            ReportDump = & $wall $report '--dump-dom'
            EmptyShot  = & $wall $empty "--screenshot=$shot"
            ReportShot = & $wall $report "--screenshot=$shot"
            EmptyPage  = (& $inPage $emptyTimed).LaidOut
            Page       = & $inPage $instrumented
        }
    }
    $m = @{}
    foreach ($name in 'EmptyDump', 'ReportDump', 'EmptyShot', 'ReportShot', 'EmptyPage') { $m[$name] = & $median $rounds.$name }
    $parsed = & $median $rounds.Page.Parsed
    $laidOut = & $median $rounds.Page.LaidOut
    "Chromium $((& $chromium --version) -replace '^Chromium\s+', ''), medians of $Runs runs, load average $((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ' | Select-Object -First 1):"
    '  whole process, load + DOM dump:   empty page {0,6:N0} ms, {1}-row report {2,6:N0} ms ({3:N2} x the empty page; the report adds {4:N0} ms)' -f $m.EmptyDump, $Count, $m.ReportDump, ($m.ReportDump / $m.EmptyDump), ($m.ReportDump - $m.EmptyDump)
    '  whole process, load + screenshot: empty page {0,6:N0} ms, {1}-row report {2,6:N0} ms ({3:N2} x the empty page; the report adds {4:N0} ms)' -f $m.EmptyShot, $Count, $m.ReportShot, ($m.ReportShot / $m.EmptyShot), ($m.ReportShot - $m.EmptyShot)
    '  in the page (instrumented copy):  parsed at {0:N0} ms, laid out at {1:N0} ms after navigation start (empty page laid out at {2:N0} ms)' -f $parsed, $laidOut, $m.EmptyPage
}
else {
    'chromium not installed: no browser load time'
}

Remove-Item $dir -Recurse -Force

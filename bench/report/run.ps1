# Export-IngressCertificateReport on 10,000 references: render time and file size per format, as a ratio to a baseline
# measured in the same run (only enumerating the same input through the pipeline), and how long Chromium takes to
# load the 10,000-row HTML (against an empty page). Prints figures; asserts nothing.
#   dotnet pwsh bench/report/run.ps1 [-Count 10000] [-Runs 5] [-BeforeHtml <a report.html of an earlier version>]
param([int] $Count = 10000, [int] $Runs = 5, [string] $BeforeHtml)
$loadBefore = ((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ')[0]
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

    $headless = '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,900'
    # Output to /dev/null through sh: read into PowerShell, a 2.5 MB DOM dump costs seconds of line splitting that are
    # not Chromium's.
    $wall = { param($f, $mode) (Measure-Command { & /bin/sh -c "exec `"`$0`" `"`$@`" >/dev/null 2>&1" $chromium @headless $mode "file://$f" }).TotalMilliseconds }
    $inPage = {
        param($f)
        $dom = (& $chromium @headless '--dump-dom' "file://$f" 2>$null) -join "`n"
        if ($dom -notmatch '<output id="bench">([\d.]+) ([\d.]+)</output>') { throw "no timing in the DOM of $f" }
        [pscustomobject]@{ Parsed = [double]$Matches[1]; LaidOut = [double]$Matches[2] }
    }
    $median = { param($values) $sorted = @($values | Sort-Object); $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)] }

    # The pages measured in every round, in turn: the empty page, this report, and -BeforeHtml (a report written by an
    # earlier version, to compare under the same load).
    $pages = [ordered]@{ 'empty page' = $empty; "$Count-row report" = $report }
    if ($BeforeHtml) { $pages["-BeforeHtml"] = (Resolve-Path $BeforeHtml).Path }
    $timed = @{}
    foreach ($name in $pages.Keys) {
        $timed[$name] = Join-Path $dir "timed-$($timed.Count).html"
        (Get-Content $pages[$name] -Raw) -replace '<meta http-equiv="Content-Security-Policy"[^>]*>', '' -replace '</body>', "$probe</body>" | Set-Content $timed[$name] -NoNewline
    }

    $shot = Join-Path $dir 'shot.png'
    foreach ($file in $pages.Values) { $null = & $wall $file '--dump-dom' } # warm the disk cache and Chromium's files
    $samples = @{}
    foreach ($name in $pages.Keys) { $samples[$name] = [Collections.Generic.List[object]]::new() }
    foreach ($run in 1..$Runs) {
        foreach ($name in $pages.Keys) {
            $page = & $inPage $timed[$name]
            $samples[$name].Add([pscustomobject]@{
                Dump = & $wall $pages[$name] '--dump-dom'; Shot = & $wall $pages[$name] "--screenshot=$shot"; Parsed = $page.Parsed; LaidOut = $page.LaidOut
            })
        }
    }
    $m = @{}
    foreach ($name in $pages.Keys) {
        $m[$name] = @{}
        foreach ($measure in 'Dump', 'Shot', 'Parsed', 'LaidOut') { $m[$name][$measure] = & $median $samples[$name].$measure }
    }
    $base = $m['empty page']
    "Chromium $((& $chromium --version 2>$null) -replace '^Chromium\s+', ''), medians of $Runs runs, load average before/after: $loadBefore/$(((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ')[0])"
    '{0,-18} {1,22} {2,22} {3,26}' -f '', 'load + DOM dump', 'load + screenshot', 'in page: parsed / laid out'
    foreach ($name in $pages.Keys) {
        $r = $m[$name]
        '{0,-18} {1,8:N0} ms ({2,5:N2} x) {3,8:N0} ms ({4,5:N2} x) {5,9:N0} / {6,6:N0} ms' -f $name, $r.Dump, ($r.Dump / $base.Dump), $r.Shot, ($r.Shot / $base.Shot), $r.Parsed, $r.LaidOut
    }
    '(x: times the empty page in the same rounds; "in page" is ms after navigation start, from an instrumented copy)'
}
else {
    'chromium not installed: no browser load time'
}

Remove-Item $dir -Recurse -Force

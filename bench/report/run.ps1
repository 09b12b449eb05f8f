# Export-IngressCertificateReport on 10,000 references: render time and file size per format, as a ratio to a baseline
# measured in the same run (only enumerating the same input through the pipeline), and how long Chromium takes to
# load the 10,000-row HTML (against an empty page). Prints figures; asserts nothing.
#   dotnet pwsh bench/report/run.ps1 [-Count 10000]
param([int] $Count = 10000)
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
    $empty = Join-Path $dir 'empty.html'
    Set-Content $empty '<!DOCTYPE html><html><body></body></html>'
    $load = { param($f) (Measure-Command { & $chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$f" 2>$null | Out-Null }).TotalMilliseconds }
    $null = & $load $empty # warm the disk cache
    $emptyMs = & $load $empty
    $reportMs = & $load (Join-Path $dir 'report.html')
    'Chromium load + DOM dump: empty page {0:N0} ms, {1}-row report {2:N0} ms (the report adds {3:N0} ms)' -f $emptyMs, $Count, $reportMs, ($reportMs - $emptyMs)
}
else {
    'chromium not installed: no browser load time'
}

Remove-Item $dir -Recurse -Force

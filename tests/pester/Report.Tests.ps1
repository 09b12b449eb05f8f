# Export-IngressCertificateReport on a fleet with every status: the HTML rendered in a real Chromium, the metrics
# parsed by Prometheus's reference parser (Debian's python3-prometheus-client), the JSON validated against its schema.
# .ci/run installs chromium and python3-prometheus-client; without them those tests are skipped and say why.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force

    $examples = Join-Path $TestDrive 'examples'
    & (Join-Path $PSScriptRoot '../../examples/New-ExampleManifests.ps1') -OutputPath $examples
    $root = Join-Path $examples 'example-root-ca.crt'
    $asOf = [datetime]::UtcNow

    # The example manifests give most statuses; objects with the module's property names give the rest (and a
    # hostile value), as a future kind of input would.
    $extra = @(
        [pscustomobject]@{ Context = 'extra'; Namespace = 'locked'; Kind = 'Ingress'; Name = 'vault'; Hosts = @('vault.contoso.example'); SecretName = 'vault-tls'; Status = 'Forbidden'; Issues = @('secret locked/vault-tls cannot be read') }
        [pscustomobject]@{ Context = 'extra'; Namespace = 'locked'; Kind = 'Ingress'; Name = 'broken'; Hosts = @('broken.contoso.example'); SecretName = 'broken-tls'; Status = 'InvalidSecret'; Issues = @('tls.crt is not a certificate') }
        [pscustomobject]@{ Context = 'extra'; Namespace = 'future'; Kind = 'Ingress'; Name = 'soon'; Hosts = @('soon.contoso.example'); SecretName = 'soon-tls'; Status = 'NotYetValid'
            NotBefore = $asOf.AddDays(5); NotAfter = $asOf.AddDays(95); Subject = 'CN=soon.contoso.example'; Issuer = 'CN=Contoso Example Issuing CA 1, O=Contoso Example'; SerialNumber = '0A1B' ; Issues = @('not valid before') }
        [pscustomobject]@{ Context = 'extra'; Namespace = 'edge'; Kind = 'Gateway'; Name = 'public'; Listener = 'https'; Hosts = @('portal.contoso.example'); SecretNamespace = 'certs'; SecretName = 'portal-tls'; Status = 'ReferenceNotPermitted'; Issues = @('no ReferenceGrant in certs allows Gateways from edge') }
        [pscustomobject]@{ Context = 'extra'; Namespace = 'hostile'; Kind = 'Ingress'; Name = '<script>alert(1)</script>'; Hosts = @('"quoted"\back|pipe<img src=x onerror=alert(2)>'); SecretName = 'evil-tls'; Status = 'Expired'
            NotBefore = $asOf.AddDays(-50); NotAfter = $asOf.AddDays(-2); Subject = 'CN=evil.contoso.example'; Issuer = 'CN=Evil CA'; SerialNumber = '01'; Issues = @("line one`nline two <b>") }
        # Managed by cert-manager, whose Certificate is not Ready (as Get-IngressCertificate reports it with cert-manager served).
        [pscustomobject]@{ Context = 'extra'; Namespace = 'edge'; Kind = 'Gateway'; Name = 'managed'; Listener = 'https'; Hosts = @('managed.contoso.example'); SecretName = 'managed-tls'; Status = 'Valid'
            NotBefore = $asOf.AddDays(-10); NotAfter = $asOf.AddDays(80); Subject = 'CN=managed.contoso.example'; Issuer = 'CN=Contoso Example Issuing CA 1'; SerialNumber = '0C0D'
            CertManagerCertificate = 'managed'; CertManagerIssuer = 'ClusterIssuer/contoso-acme'; CertManagerIssuerGroup = 'cert-manager.io'; CertManagerReady = 'False'
            CertManagerReadyReason = 'Failed'; CertManagerReadyMessage = 'The certificate request has failed to complete'; CertManagerRenewalTime = $asOf.AddDays(50) }
    )
    # The storefront again, without the private root: UntrustedRoot.
    $untrusted = @(Get-IngressCertificate -Path $examples -Name storefront -AsOf $asOf)
    # With the hosts served in plain HTTP (NoTls, no certificate) and the Secret nothing refers to (Kind Secret).
    $fleet = @(Get-IngressCertificate -Path $examples -TrustedRootPath $root -AsOf $asOf -IncludeUnprotected -IncludeUnreferenced) + $untrusted + $extra
    $byStatus = @{}
    $fleet | Group-Object Status | ForEach-Object { $byStatus[$_.Name] = $_.Count }

    $chromium = (Get-Command chromium, chromium-browser -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    $python = '/usr/bin/python3'
    $hasParser = (Test-Path $python) -and $(& $python -c 'import prometheus_client' 2>$null; $LASTEXITCODE -eq 0)

    # Chromium headless: the DOM after load, and every console message (CSP violations included) from its log.
    function Invoke-Chromium([string] $File, [string[]] $Arguments) {
        $log = Join-Path $TestDrive "chromium-$([guid]::NewGuid().ToString('N')).log"
        $out = & $chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 @Arguments "file://$File" 2> $log
        [pscustomobject]@{ Output = ($out -join "`n"); Console = @(Get-Content $log | Where-Object { $_ -match ':CONSOLE[:(]' }) }
    }

    # Width and height from a PNG's IHDR chunk.
    function Get-PngSize([string] $File) {
        $bytes = [System.IO.File]::ReadAllBytes($File)
        [System.Text.Encoding]::ASCII.GetString($bytes, 1, 3) | Should -Be 'PNG'
        [pscustomobject]@{
            Width  = ([int]$bytes[16] -shl 24) -bor ([int]$bytes[17] -shl 16) -bor ([int]$bytes[18] -shl 8) -bor $bytes[19]
            Height = ([int]$bytes[20] -shl 24) -bor ([int]$bytes[21] -shl 16) -bor ([int]$bytes[22] -shl 8) -bor $bytes[23]
            Length = $bytes.Length
        }
    }
}

Describe 'Export-IngressCertificateReport' {
    It 'has a fleet with every status Get-IngressCertificate knows' {
        $known = (Get-Command Get-IngressCertificate).Parameters['Status'].Attributes.ValidValues
        $known | Where-Object { -not $byStatus.ContainsKey($_) } | Should -BeNullOrEmpty
    }

    Context 'Html in Chromium' {
        BeforeAll {
            $html = Join-Path $TestDrive 'report.html'
            $fleet | Export-IngressCertificateReport -Format Html -Path $html -AsOf $asOf
        }

        It 'shows the counts of the input, with no console error' {
            if (-not $chromium) { Set-ItResult -Skipped -Because 'chromium is not installed (.ci/run installs it)'; return }
            $run = Invoke-Chromium $html '--dump-dom'
            $run.Console | Should -BeNullOrEmpty
            $shown = @{}
            foreach ($m in [regex]::Matches($run.Output, '<tr data-status="(\w+)"><th scope="row"><span[^>]*>\w+</span></th><td class="num" data-count="(\d+)"')) {
                $shown[$m.Groups[1].Value] = [int]$m.Groups[2].Value
            }
            ($shown.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' ' |
                Should -Be (($byStatus.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' ')
            $run.Output | Should -Match "data-total=`"$($fleet.Count)`""
            # One table row per reference, and the hostile name as text, not an element.
            [regex]::Matches($run.Output, '<tr data-status="\w+"><th scope="row">(Ingress|Gateway|Secret|Route|IngressRoute|HTTPProxy)/').Count | Should -Be $fleet.Count
            $run.Output | Should -Match '<tr data-status="NoTls"><th scope="row">Gateway/edge \(http\)'
            $run.Output | Should -Match '<tr data-status="Valid"><th scope="row">Secret/old-shop-tls'
            $run.Output | Should -Not -Match '<script|<img'
            $run.Output | Should -Match '&lt;script&gt;alert\(1\)&lt;/script&gt;'
            $run.Output | Should -Match 'managed by cert-manager Certificate managed \(ClusterIssuer/contoso-acme\), Ready False: Failed'
        }

        It 'notices a console error when there is one (the check above can fail)' {
            if (-not $chromium) { Set-ItResult -Skipped -Because 'chromium is not installed (.ci/run installs it)'; return }
            $broken = Join-Path $TestDrive 'broken.html'
            (Get-Content $html -Raw) -replace '<main>', '<main><script>console.error("injected")</script>' | Set-Content $broken
            (Invoke-Chromium $broken '--dump-dom').Console | Should -Not -BeNullOrEmpty -Because 'the page forbids inline script, and Chromium logs the violation'
        }

        It 'renders to a screenshot of the window size that is not blank' {
            if (-not $chromium) { Set-ItResult -Skipped -Because 'chromium is not installed (.ci/run installs it)'; return }
            $png = Join-Path $TestDrive 'report.png'
            $blankHtml = Join-Path $TestDrive 'blank.html'
            $blankPng = Join-Path $TestDrive 'blank.png'
            Set-Content $blankHtml '<!DOCTYPE html><html><body></body></html>'
            (Invoke-Chromium $html "--screenshot=$png", '--window-size=1200,1600').Console | Should -BeNullOrEmpty
            $null = Invoke-Chromium $blankHtml "--screenshot=$blankPng", '--window-size=1200,1600'
            $shot = Get-PngSize $png
            $shot.Width | Should -Be 1200
            $shot.Height | Should -Be 1600
            # A page of one colour compresses to almost nothing: text, badges and bars make the file many times larger.
            $shot.Length | Should -BeGreaterThan (10 * (Get-PngSize $blankPng).Length)
        }
    }

    It 'writes Markdown whose summary counts equal the input' {
        $md = $fleet | Export-IngressCertificateReport Markdown -AsOf $asOf
        foreach ($status in $byStatus.Keys) { $md | Should -Match "\n\| $status \| $($byStatus[$status]) \|\n" }
        $md | Should -Match "\| \*\*Total\*\* \| $($fleet.Count) \|"
        $md | Should -Match '\\\|pipe&lt;img'
        $md | Should -Match 'status\.contoso\.example'
        $md | Should -Match 'old-shop-tls'
        $md | Should -Match 'managed by cert-manager Certificate managed \(ClusterIssuer/contoso-acme\), Ready False: Failed: The certificate request has failed to complete'
    }

    It 'writes metrics that Prometheus''s parser reads, with the values of the input' {
        if (-not $hasParser) { Set-ItResult -Skipped -Because '/usr/bin/python3 with prometheus_client is not installed (.ci/run installs python3-prometheus-client)'; return }
        $prom = Join-Path $TestDrive 'report.prom'
        $fleet | Export-IngressCertificateReport Prometheus -Path $prom -AsOf $asOf
        $parse = @'
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
    for s in family.samples:
        out.append({"name": s.name, "labels": s.labels, "value": s.value, "type": family.type})
print(json.dumps(out))
'@
        $samples = & $python -c $parse $prom | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0

        $status = @($samples | Where-Object name -eq 'ingresscerts_reference_status')
        $status.Count | Should -Be $fleet.Count
        ($status | Group-Object { $_.labels.status } | ForEach-Object { "$($_.Name)=$($_.Count)" } | Sort-Object) -join ' ' |
            Should -Be (($byStatus.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" } | Sort-Object) -join ' ')
        @($status | Where-Object { $_.labels.hosts -eq '"quoted"\back|pipe<img src=x onerror=alert(2)>' }).Count | Should -Be 1

        foreach ($item in $fleet | Where-Object { $_.NotAfter -and $_.SecretName }) {
            $ns = if ($item.SecretNamespace) { $item.SecretNamespace } else { $item.Namespace }
            # Offline the cluster is the file: a Secret two files refer to is one series per file.
            $series = @($samples | Where-Object { $_.name -eq 'x509_cert_not_after' -and $_.labels.secret_name -eq $item.SecretName -and $_.labels.secret_namespace -eq $ns -and $_.labels.cluster -eq $item.Context })
            $series.Count | Should -Be 1 -Because "one x509_cert_not_after series for $($item.Context) $ns/$($item.SecretName)"
            $series[0].value | Should -Be ([DateTimeOffset][datetime]::SpecifyKind($item.NotAfter, 'Utc')).ToUnixTimeSeconds()
            $series[0].labels.subject_CN | Should -Not -BeNullOrEmpty
            $series[0].type | Should -Be 'gauge'
        }
        # Hosts with no TLS have no certificate, so no x509 series, but a reference status; an unreferenced Secret has both.
        @($samples | Where-Object { $_.name -eq 'ingresscerts_reference_status' -and $_.labels.status -eq 'NoTls' }).Count | Should -Be 2
        @($samples | Where-Object { $_.name -like 'x509_*' -and $_.labels.secret_name -eq 'old-shop-tls' }).Count | Should -Be 3
        # A Route's inline certificate has no Secret: its series name the Route and the field instead, none of them empty.
        $inline = @($fleet | Where-Object { $_.NotAfter -and -not $_.SecretName })
        @($inline | Where-Object Kind -eq 'Route').Count | Should -BeGreaterThan 0 -Because 'the example fleet has Routes with inline certificates'
        foreach ($item in $inline) {
            $series = @($samples | Where-Object { $_.name -eq 'x509_cert_not_after' -and $_.labels.kind -eq $item.Kind -and $_.labels.namespace -eq $item.Namespace -and $_.labels.name -eq $item.Name -and $_.labels.cluster -eq $item.Context })
            $series.Count | Should -Be 1 -Because "one x509_cert_not_after series for $($item.Kind) $($item.Namespace)/$($item.Name)"
            $series[0].value | Should -Be ([DateTimeOffset][datetime]::SpecifyKind($item.NotAfter, 'Utc')).ToUnixTimeSeconds()
            ($series[0].labels.field, $series[0].labels.hosts) | Should -Be @('spec.tls.certificate', ($item.Hosts -join ','))
            $series[0].labels.PSObject.Properties.Name | Should -Not -Contain 'secret_name'
        }
        @($samples | Where-Object { $_.name -like 'x509_*' } | Where-Object { $_.labels.PSObject.Properties.Value -contains '' }) | Should -BeNullOrEmpty
        ($samples | Where-Object { $_.name -like 'x509_*' }).Count | Should -Be (3 * (@($fleet | Where-Object { $_.NotAfter -and $_.SecretName } |
            ForEach-Object { "$($_.Context)|$(if ($_.SecretNamespace) { $_.SecretNamespace } else { $_.Namespace })/$($_.SecretName)" } | Select-Object -Unique).Count + $inline.Count))
        ($samples | Where-Object name -eq 'x509_cert_expired' | Where-Object value -eq 1).labels.secret_name | Sort-Object |
            Should -Be @('blog-tls', 'evil-tls', 'legacy-store-cred')
        $ready = @($samples | Where-Object name -eq 'ingresscerts_certmanager_ready')
        $ready.Count | Should -Be 1
        ($ready[0].labels.name, $ready[0].labels.listener, $ready[0].labels.certificate, $ready[0].labels.issuer, $ready[0].labels.condition, $ready[0].value) |
            Should -Be @('managed', 'https', 'managed', 'ClusterIssuer/contoso-acme', 'False', 0)
        $renewal = @($samples | Where-Object name -eq 'ingresscerts_certmanager_renewal_timestamp_seconds')
        ($renewal.labels.certificate, $renewal.value) | Should -Be @('managed', ([DateTimeOffset][datetime]::SpecifyKind($asOf.AddDays(50), 'Utc')).ToUnixTimeSeconds())
        ($samples | Where-Object name -eq 'ingresscerts_report_timestamp_seconds').value | Should -Be ([DateTimeOffset]$asOf).ToUnixTimeSeconds()
    }

    It 'writes JSON that its schema accepts, one record per reference' {
        $json = $fleet | Export-IngressCertificateReport Json -AsOf $asOf
        $json | Test-Json -SchemaFile (Join-Path $PSScriptRoot '../../docs/report.schema.json') | Should -BeTrue
        $doc = $json | ConvertFrom-Json -AsHashtable
        $doc.records.Count | Should -Be $fleet.Count
        ($doc.records | Group-Object { $_.status } | ForEach-Object { "$($_.Name)=$($_.Count)" } | Sort-Object) -join ' ' |
            Should -Be (($byStatus.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" } | Sort-Object) -join ' ')
        $storefront = $doc.records | Where-Object { $_.name -eq 'storefront' -and $_.status -eq 'Valid' }
        $storefront.thumbprint | Should -Be ($fleet | Where-Object { $_.Name -eq 'storefront' -and $_.Status -eq 'Valid' }).Thumbprint
        $storefront.served | Should -BeNullOrEmpty
        $open = @($doc.records | Where-Object status -eq 'NoTls')
        ($open | ForEach-Object { $_.hosts -join ',' } | Sort-Object) | Should -Be @('*', 'status.contoso.example')
        @($open.secretName | Where-Object { $_ }) | Should -BeNullOrEmpty
        $spare = $doc.records | Where-Object kind -eq 'Secret'
        ($spare.name, $spare.secretName, $spare.status) | Should -Be @('old-shop-tls', 'old-shop-tls', 'Valid')
        $spare.thumbprint | Should -Not -BeNullOrEmpty
        $managed = $doc.records | Where-Object name -eq 'managed'
        ($managed.certManager.certificate, $managed.certManager.issuer, $managed.certManager.ready, $managed.certManager.readyReason) |
            Should -Be @('managed', 'ClusterIssuer/contoso-acme', 'False', 'Failed')
        @($doc.records | Where-Object { $null -ne $_.certManager }).Count | Should -Be 1
    }

    It 'refuses JSON the schema does not describe (the validation above can fail)' {
        '{"schemaVersion":2,"title":"x","asOf":"2030-01-01T00:00:00Z","count":1,"records":[{"status":"Valid"}]}' |
            Test-Json -SchemaFile (Join-Path $PSScriptRoot '../../docs/report.schema.json') -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'writes the file in one move and leaves nothing beside it' {
        $folder = Join-Path $TestDrive 'share'
        New-Item -ItemType Directory $folder | Out-Null
        Set-Content (Join-Path $folder 'weekly.html') 'the old report'
        $fleet | Export-IngressCertificateReport Html -Path (Join-Path $folder 'weekly.html') | Should -BeNullOrEmpty
        (Get-ChildItem $folder).Name | Should -Be 'weekly.html'
        Get-Content (Join-Path $folder 'weekly.html') -Raw | Should -Match '^<!DOCTYPE html>'
    }

    It 'reports test results with whether they passed' {
        $results = @(
            [pscustomobject]@{ Namespace = 'shop'; Name = 'storefront'; Host = 'shop.contoso.example'; Passed = $true }
            [pscustomobject]@{ Namespace = 'shop'; Name = 'api'; Host = 'api.contoso.example'; Passed = $false }
        )
        $doc = $results | Export-IngressCertificateReport Json | ConvertFrom-Json
        $doc.records.status | Should -Be @('Passed', 'Failed')
    }
}

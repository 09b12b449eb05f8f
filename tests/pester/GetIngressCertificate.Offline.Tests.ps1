BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force

    $examples = Join-Path $TestDrive 'examples'
    & (Join-Path $PSScriptRoot '../../examples/New-ExampleManifests.ps1') -OutputPath $examples
    $root = Join-Path $examples 'example-root-ca.crt'
}

Describe 'Get-IngressCertificate -Path (offline manifests)' {
    It 'reports every TLS reference of the example manifests with the status its certificate earns' {
        $result = Get-IngressCertificate -Path $examples -TrustedRootPath $root
        $byHost = @{}
        foreach ($r in $result) { $byHost[$r.Hosts[0]] = $r.Status }

        $result.Count | Should -Be 22
        $byHost['shop.contoso.example'] | Should -Be 'Valid'
        $byHost['api.contoso.example'] | Should -Be 'Expiring'
        $byHost['payments.contoso.example'] | Should -Be 'KeyMismatch'
        $byHost['blog.contoso.example'] | Should -Be 'Expired'
        $byHost['docs.contoso.example'] | Should -Be 'HostMismatch'
        $byHost['news.contoso.example'] | Should -Be 'SecretNotFound'
        $byHost['legacy.contoso.example'] | Should -Be 'DefaultCertificate'
        $byHost['*.apps.contoso.example'] | Should -Be 'Valid'
        $byHost['partners.contoso.example'] | Should -Be 'IncompleteChain'

        # The other controllers' kinds (istio.yaml, traefik.yaml, contour.yaml, openshift.yaml).
        $byHost['store.contoso.example'] | Should -Be 'Valid'
        $byHost['legacy-store.contoso.example'] | Should -Be 'Expired'
        $byHost['b2b.contoso.example'] | Should -Be 'Valid'
        $byHost['db.contoso.example'] | Should -Be 'Valid'
        $byHost['uptime.contoso.example'] | Should -Be 'Valid'
        $byHost['grafana.contoso.example'] | Should -Be 'HostMismatch'
        $byHost['wiki.contoso.example'] | Should -Be 'Valid'
        $byHost['portal.contoso.example'] | Should -Be 'Expiring'
        $byHost['tools.apps.contoso.example'] | Should -Be 'Valid'
        $byHost['intranet.contoso.example'] | Should -Be 'ReferenceNotPermitted'
        $byHost['console.contoso.example'] | Should -Be 'Valid'
        $byHost['reports.contoso.example'] | Should -Be 'SecretNotFound'
        $byHost['ledger.contoso.example'] | Should -Be 'Valid'
        @($result | Group-Object Kind | Sort-Object Name | ForEach-Object { "$($_.Name) $($_.Count)" }) |
            Should -Be @('Gateway 6', 'HTTPProxy 3', 'Ingress 7', 'IngressRoute 3', 'Route 3')
    }

    It 'says what it cannot check in the other kinds: passthrough, ACME, a MUTUAL server''s client CA, an inline key' {
        $r = Get-IngressCertificate -Path $examples
        ($r | Where-Object { $_.Hosts -contains 'db.contoso.example' }).Findings.Id | Should -Be 'Passthrough'
        ($r | Where-Object { $_.Hosts -contains 'ledger.contoso.example' }).Findings.Id | Should -Be 'Passthrough'
        ($r | Where-Object { $_.Hosts -contains 'wiki.contoso.example' }).Findings.Id | Should -Be 'ControllerManagedCertificate'
        ($r | Where-Object Listener -eq 'https-partners').Issues -join "`n" | Should -Match "MUTUAL.+'CN=Contoso Partner Clients CA, O=Contoso Example', expires \d{4}-\d\d-\d\d"
        ($r | Where-Object Name -eq 'console').Findings.Id | Should -Contain 'InlineCertificate'
        ($r | Where-Object Name -eq 'status-page').Hosts | Should -Be @('uptime.contoso.example') -Because '!Host(...) is no host'
    }

    It 'returns typed objects whose Context is the file they came from' {
        $r = Get-IngressCertificate -Path $examples -Name storefront
        # The type lives in the module's private load context, so scripts see it by name rather than as [type].
        $r.GetType().FullName | Should -Be 'IngressCerts.IngressCertificate'
        $r.PSObject.TypeNames[0] | Should -Be 'IngressCerts.IngressCertificate'
        $r.Context | Should -BeLike '*shop.yaml'
        $r.Kind | Should -Be 'Ingress'
        $r.SecretName | Should -Be 'storefront-tls'
        $r.Thumbprint | Should -Match '^[0-9A-F]{40}$'
        $r.Certificate.HasPrivateKey | Should -BeFalse
        $r.Chain.Count | Should -Be 1
    }

    It 'reads a Gateway listener through a ReferenceGrant and names the listener' {
        $r = Get-IngressCertificate -Path $examples -Name edge -TrustedRootPath $root | Where-Object Listener -eq 'wildcard'
        $r.Kind | Should -Be 'Gateway'
        $r.SecretNamespace | Should -Be 'certificates'
        $r.Status | Should -Be 'Valid'
    }

    It 'filters by status, host wildcard, namespace and expiry window' {
        (Get-IngressCertificate -Path $examples -Status Expired, KeyMismatch).Hosts | Sort-Object |
            Should -Be @('blog.contoso.example', 'legacy-store.contoso.example', 'payments.contoso.example')
        (Get-IngressCertificate -Path $examples -Host 'www.*').Name | Should -Be 'storefront'
        (Get-IngressCertificate -Path $examples -Namespace mark*).Count | Should -Be 4
        (Get-IngressCertificate -Path $examples -ExpiringWithinDays 45).Hosts | Sort-Object |
            Should -Be @('api.contoso.example', 'blog.contoso.example', 'legacy-store.contoso.example', 'portal.contoso.example')
    }

    It 'filters by thumbprint whatever its case or separators' {
        $one = Get-IngressCertificate -Path $examples -Name storefront
        $spaced = ($one.Thumbprint.ToLower() -split '(..)' -ne '') -join ':'
        (Get-IngressCertificate -Path $examples -Thumbprint $spaced).Name | Should -Be 'storefront'
    }

    It 'takes wildcards, and files piped one by one resolve Secrets across files' {
        (Get-IngressCertificate -Path (Join-Path $examples '*.yaml') -TrustedRootPath $root).Count | Should -Be 22
        $piped = Get-ChildItem $examples -Filter *.yaml | Get-IngressCertificate -TrustedRootPath $root
        $piped.Count | Should -Be 22
        ($piped | Where-Object Name -eq storefront).Status | Should -Be 'Valid'
    }

    It 'evaluates validity at another time with -AsOf' {
        $later = Get-IngressCertificate -Path $examples -Name storefront -AsOf (Get-Date).AddDays(400)
        $later.Status | Should -Be 'Expired'
    }

    It 'reads kubectl list dumps in JSON and Helm-style multi-document YAML with comments and empty documents' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'dump')
        $cert = New-TestCertificate -Subject 'CN=a.example' -DnsName 'a.example'
        $secret = @{
            apiVersion = 'v1'; kind = 'Secret'; type = 'kubernetes.io/tls'
            metadata = @{ name = 'a-tls'; namespace = 'ns1' }
            data = @{ 'tls.crt' = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($cert.CertPem)); 'tls.key' = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($cert.KeyPem)) }
        }
        $ingress = @{
            apiVersion = 'networking.k8s.io/v1'; kind = 'Ingress'
            metadata = @{ name = 'a'; namespace = 'ns1' }
            spec = @{ tls = @(@{ hosts = @('a.example'); secretName = 'a-tls' }) }
        }
        @{ apiVersion = 'v1'; kind = 'List'; items = @($ingress, $secret) } | ConvertTo-Json -Depth 10 |
            Set-Content (Join-Path $dir 'dump.json')
        "# Source: chart/templates/ingress.yaml`n---`n---`n" + (New-IngressYaml -Namespace ns2 -Name b -Hosts 'b.example' -SecretName missing) |
            Set-Content (Join-Path $dir 'helm.yaml')

        $r = Get-IngressCertificate -Path $dir
        ($r | Where-Object Name -eq a).SecretName | Should -Be 'a-tls'
        ($r | Where-Object Name -eq a).Status | Should -Be 'Valid'
        ($r | Where-Object Name -eq a).Issues -join ' ' | Should -Match 'self-signed'
        ($r | Where-Object Name -eq b).Status | Should -Be 'SecretNotFound'
    }

    It 'reports cert-manager as the manager of a Secret it owns' {
        $cert = New-TestCertificate -Subject 'CN=cm.example' -DnsName 'cm.example'
        $file = Join-Path $TestDrive 'cm.yaml'
        (New-IngressYaml -Namespace cm -Name cm -Hosts 'cm.example' -SecretName cm-tls) + "`n" +
        (New-TlsSecretYaml -Namespace cm -Name cm-tls -CertPem $cert.CertPem -KeyPem $cert.KeyPem -Annotations @{ 'cert-manager.io/certificate-name' = 'cm' }) |
            Set-Content $file
        (Get-IngressCertificate -Path $file).ManagedBy | Should -Be 'cert-manager'
    }

    It 'writes a non-terminating InvalidManifest error naming a file that is not YAML, and goes on' {
        $bad = Join-Path $TestDrive 'bad.yaml'
        "key: [unclosed" | Set-Content $bad
        $r = Get-IngressCertificate -Path $bad, $examples -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be $bad
        $r.Count | Should -Be 22
    }

    It 'writes a PathNotFound error for a path that does not exist' {
        Get-IngressCertificate -Path (Join-Path $TestDrive 'nope') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'never outputs private key material' {
        $text = Get-IngressCertificate -Path $examples | Format-List * | Out-String
        $text | Should -Not -Match 'PRIVATE KEY'
        $json = Get-IngressCertificate -Path $examples | Select-Object * -ExcludeProperty Certificate, Chain | ConvertTo-Json -Depth 4
        $json | Should -Not -Match 'PRIVATE KEY'
    }

    It 'shows the table view with the columns a person scans' {
        $table = Get-IngressCertificate -Path $examples -Name storefront -TrustedRootPath $root | Out-String -Width 200
        $table | Should -Match 'Namespace\s+Name\s+Kind\s+Status\s+Days\s+SecretName\s+Hosts\s+Context'
        $table | Should -Match 'shop\s+storefront\s+Ingress\s+Valid\s+\d+\s+storefront-tls\s+shop.contoso.example, www.contoso.example\s+\S+shop.yaml'
    }
}

Describe 'Get-IngressCertificate -Path with hostile manifest files' {
    BeforeAll {
        $hostile = New-Item -ItemType Directory (Join-Path $TestDrive 'hostile')
        $laughs = "a: &a [""lol"",""lol"",""lol"",""lol"",""lol"",""lol"",""lol"",""lol"",""lol""]`n"
        foreach ($level in 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i') {
            $previous = [char]([int][char]$level - 1)
            $laughs += "${level}: &$level [$((@("*$previous") * 9) -join ',')]`n"
        }
        $files = [ordered]@{
            'self-alias.yaml'    = "x: &a`n  self: *a`n"
            'open-brackets.yaml' = 'a: ' + ('[' * 200000)
            'brackets.yaml'      = 'a: ' + ('[' * 200000) + (']' * 200000)
            'brackets.json'      = ('[' * 200000) + (']' * 200000)
            'laughs.yaml'        = $laughs
        }
        foreach ($f in $files.GetEnumerator()) { Set-Content -LiteralPath (Join-Path $hostile $f.Key) -Value $f.Value -NoNewline }

        # A fresh pwsh reads each file: a stack overflow ends a process (exit 134) and cannot be caught, so it must
        # fail these tests rather than end the test run.
        $script = "Import-Module '$(Get-BuiltModulePath)'; foreach (`$f in Get-ChildItem '$hostile') { " +
            "`$r = Get-IngressCertificate -LiteralPath `$f.FullName -ErrorVariable e -ErrorAction SilentlyContinue; " +
            "[pscustomobject]@{ Name = `$f.Name; Results = @(`$r).Count; Errors = `$e.Count; Id = `$e[0].FullyQualifiedErrorId; Category = `$e[0].CategoryInfo.Category.ToString(); Target = `$e[0].TargetObject; Message = `$e[0].Exception.Message } | ConvertTo-Json -Compress }; 'SURVIVED'"
        $child = Invoke-ChildPwsh $script
        $childExit = $LASTEXITCODE
        $records = @{}
        foreach ($line in $child) { if ("$line" -like '{*') { $r = "$line" | ConvertFrom-Json; $records[$r.Name] = $r } }
    }

    It 'survives every one of them in one process' {
        $childExit | Should -Be 0 -Because ($child | Out-String)
        "$($child[-1])" | Should -Be 'SURVIVED'
    }

    It 'reads <Name> as one InvalidManifest error on that file, naming the line' -ForEach @(
        @{ Name = 'self-alias.yaml'; Reason = 'recursive alias' }
        @{ Name = 'open-brackets.yaml'; Reason = 'nesting is deeper than 64 levels' }
        @{ Name = 'brackets.yaml'; Reason = 'nesting is deeper than 64 levels' }
        @{ Name = 'brackets.json'; Reason = 'nesting is deeper than 64 levels' }
        @{ Name = 'laughs.yaml'; Reason = 'aliases expand to more than' }
    ) {
        $r = $records[$Name]
        $r | Should -Not -BeNullOrEmpty -Because 'the child process reported on the file'
        $r.Results | Should -Be 0
        $r.Errors | Should -Be 1
        $r.Id | Should -BeLike 'InvalidManifest,*'
        $r.Category | Should -Be 'InvalidData'
        $r.Target | Should -Be (Join-Path $hostile $Name)
        $r.Message | Should -Match ([regex]::Escape($Reason))
        $r.Message | Should -Match 'line [0-9]+'
    }

    It 'writes one error per hostile file in this session and still reads the other files of the call' {
        if ($childExit -ne 0) { Set-ItResult -Skipped -Because 'the child process did not survive them'; return }
        $r = Get-IngressCertificate -Path (Join-Path $hostile '*'), $examples -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Count | Should -Be 22
        $errs.Count | Should -Be $files.Count
        foreach ($e in $errs) {
            $e.FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidData'
            $e.TargetObject | Should -BeIn @($files.Keys | ForEach-Object { Join-Path $hostile $_ })
        }
    }

    It 'reads a big file of other kinds (ConfigMaps, Deployments) and reports exactly its references' {
        $cert = New-TestCertificate -Subject 'CN=big.example' -DnsName 'big.example'
        $sb = [Text.StringBuilder]::new()
        foreach ($i in 1..1500) {
            [void]$sb.Append("---`napiVersion: v1`ndata:`n  nginx.conf: |`n    worker_processes $i;`nkind: ConfigMap`nmetadata:`n  name: c$i`n  namespace: big`n")
            [void]$sb.Append("---`napiVersion: apps/v1`nkind: Deployment`nmetadata:`n  name: d$i`n  namespace: big`nspec:`n  template:`n    spec:`n      containers:`n      - {name: web, image: nginx}`n")
        }
        [void]$sb.Append((New-IngressYaml -Namespace big -Name web -Hosts 'big.example' -SecretName big-tls) + "`n")
        [void]$sb.Append((New-IngressYaml -Namespace big -Name lost -Hosts 'lost.example' -SecretName lost-tls) + "`n")
        [void]$sb.Append((New-TlsSecretYaml -Namespace big -Name big-tls -CertPem $cert.CertPem -KeyPem $cert.KeyPem) + "`n")
        $file = Join-Path $TestDrive 'big.yaml'
        Set-Content -LiteralPath $file -Value $sb.ToString()
        $r = Get-IngressCertificate -Path $file -ErrorVariable errs
        $errs.Count | Should -Be 0
        $r.Count | Should -Be 2
        ($r | Where-Object Name -eq web).Status | Should -Be 'Valid'
        ($r | Where-Object Name -eq web).Thumbprint | Should -Be $cert.Certificate.Thumbprint
        ($r | Where-Object Name -eq lost).Status | Should -Be 'SecretNotFound'
    }
}

Describe 'Findings, -Status and trust (offline manifests)' {
    BeforeAll {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'findings')
        $privateRoot = New-TestCertificate -Subject 'CN=Findings Private Root' -CertificateAuthority -Days 3650
        $issuing = New-TestCertificate -Subject 'CN=Findings Issuing CA' -CertificateAuthority -Days 1800 -Issuer $privateRoot
        $rootPath = Join-Path $dir 'root.pem'
        Set-Content $rootPath $privateRoot.CertPem

        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($s)) }
        function New-SecretYaml([string] $Name, [string] $Crt, [string] $Key, [string] $Ca) {
            $yaml = "---`napiVersion: v1`nkind: Secret`ntype: kubernetes.io/tls`nmetadata:`n  name: $Name`n  namespace: findings`ndata:`n  tls.crt: $(& $b64 $Crt)`n  tls.key: $(& $b64 $Key)`n"
            if ($Ca) { $yaml += "  ca.crt: $(& $b64 $Ca)`n" }
            $yaml
        }

        # Expires in 9 days, and tls.crt lacks its intermediate: the worst finding is IncompleteChain.
        $soon = New-TestCertificate -Subject 'CN=soon.contoso.example' -DnsName 'soon.contoso.example' -Days 9 -Issuer $issuing
        # A private CA's chain as it should be served (leaf, intermediate), its root not trusted here.
        $chained = New-TestCertificate -Subject 'CN=chained.contoso.example' -DnsName 'chained.contoso.example' -Issuer $issuing
        # Issued by the root itself, whose certificate the Secret's ca.crt holds.
        $direct = New-TestCertificate -Subject 'CN=direct.contoso.example' -DnsName 'direct.contoso.example' -Issuer $privateRoot
        $wild = New-TestCertificate -Subject 'CN=*.apps.contoso.example' -DnsName '*.apps.contoso.example'
        $gateway = @"
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge-gw, namespace: edge}
spec:
  listeners:
  - name: https
    protocol: HTTPS
    port: 443
    hostname: '*.apps.contoso.example'
    tls:
      certificateRefs:
      - {kind: Secret, name: wild-tls, namespace: findings}
"@
        $manifest = Join-Path $dir 'findings.yaml'
        @(
            (New-IngressYaml -Namespace findings -Name soon -Hosts 'soon.contoso.example' -SecretName soon-tls)
            (New-SecretYaml soon-tls $soon.CertPem $soon.KeyPem)
            (New-IngressYaml -Namespace findings -Name chained -Hosts 'chained.contoso.example' -SecretName chained-tls)
            (New-SecretYaml chained-tls ($chained.CertPem + "`n" + $issuing.CertPem) $chained.KeyPem)
            (New-IngressYaml -Namespace findings -Name direct -Hosts 'direct.contoso.example' -SecretName direct-tls)
            (New-SecretYaml direct-tls $direct.CertPem $direct.KeyPem $privateRoot.CertPem)
            (New-SecretYaml wild-tls $wild.CertPem $wild.KeyPem)
            $gateway
        ) -join "`n" | Set-Content $manifest
    }

    It 'keeps the worst finding as Status and lists every finding, typed and worst first' {
        $r = Get-IngressCertificate -Path $manifest -Name soon -TrustedRootPath $rootPath
        $r.Status | Should -Be 'IncompleteChain'
        $r.Findings.Id | Should -Be @('MissingIssuer', 'Expiring')
        $r.Findings.Status | Should -Be @('IncompleteChain', 'Expiring')
        $r.Findings[0].PSObject.TypeNames[0] | Should -Be 'IngressCerts.Finding'
        $r.GetFindings()[0].GetType().FullName | Should -Be 'IngressCerts.Finding'
        $r.Findings[1].Message | Should -Match 'in 9 days|in 8 days'
        $r.Issues | Should -Be $r.Findings.Message
    }

    It 'selects a certificate by every finding it has with -Status, not only by the worst' {
        (Get-IngressCertificate -Path $manifest -TrustedRootPath $rootPath -Status Expiring, Expired).Name | Should -Be 'soon'
        (Get-IngressCertificate -Path $manifest -TrustedRootPath $rootPath -Status IncompleteChain).Name | Should -Be 'soon'
        Get-IngressCertificate -Path $manifest -TrustedRootPath $rootPath -Status Expired | Should -BeNullOrEmpty
        (Get-IngressCertificate -Path $manifest -TrustedRootPath $rootPath | Where-Object { $_.Findings.HasStatus('Expiring') }).Name | Should -Be 'soon'
    }

    It 'writes the findings'' Ids in one CSV cell' {
        $csv = Get-IngressCertificate -Path $manifest -Name soon -TrustedRootPath $rootPath | Select-Object Name, Findings | ConvertTo-Csv
        $csv[1] | Should -Be '"soon","MissingIssuer, Expiring"'
    }

    It 'calls a private CA''s complete chain UntrustedRoot, and Valid once its root is trusted' {
        $untrusted = Get-IngressCertificate -Path $manifest -Name chained
        $untrusted.Status | Should -Be 'UntrustedRoot'
        $untrusted.Issues | Should -Match "'Findings Private Root'.*-TrustedRootPath"
        (Get-IngressCertificate -Path $manifest -Name chained -TrustedRootPath $rootPath).Status | Should -Be 'Valid'
        (Get-IngressCertificate -Path $manifest -Status UntrustedRoot).Name | Sort-Object | Should -Be @('chained', 'direct')
    }

    It 'counts a root in the Secret''s ca.crt as known but not trusted' {
        (Get-IngressCertificate -Path $manifest -Name direct).Status | Should -Be 'UntrustedRoot'
        (Get-IngressCertificate -Path $manifest -Name direct -TrustedRootPath $rootPath).Status | Should -Be 'Valid'
    }

    It 'reports a cross-namespace Gateway reference without a ReferenceGrant as ReferenceNotPermitted, with no certificate' {
        $r = Get-IngressCertificate -Path $manifest -Name edge-gw
        $r.Status | Should -Be 'ReferenceNotPermitted'
        $r.Findings.Id | Should -Be 'ReferenceNotPermitted'
        $r.Issues | Should -Match "listener 'https' of Gateway edge/edge-gw .* no ReferenceGrant in 'findings' allows Gateways from 'edge'"
        $r.NotAfter | Should -BeNullOrEmpty
        $r.DaysRemaining | Should -BeNullOrEmpty
        $r.Thumbprint | Should -BeNullOrEmpty
        (Get-IngressCertificate -Path $manifest -Status ReferenceNotPermitted).Name | Should -Be 'edge-gw'
    }
}

Describe 'Many results in ConvertTo-Json and Export-Csv (issue 11)' {
    BeforeAll {
        # Without the example root: several references have more than one finding (Expired and UntrustedRoot).
        $all = Get-IngressCertificate -Path $examples
        $expired = $all | Where-Object { $_.Status -eq 'Expired' -and $_.Kind -eq 'Ingress' }
    }

    It 'converts an array of results at the default depth, without a warning, each finding as its Id' {
        $json = $all | ConvertTo-Json -WarningVariable depthWarnings
        $depthWarnings | Should -BeNullOrEmpty
        $json | Should -Not -Match 'RawData|"Certificate"|"Chain"|PublicKey'
        $parsed = $json | ConvertFrom-Json
        $parsed.Count | Should -Be $all.Count
        for ($i = 0; $i -lt $all.Count; $i++) { @($parsed[$i].Findings) | Should -Be @($all[$i].Findings.Id) }
        ($parsed | Where-Object { $_.Status -eq 'Expired' -and $_.Kind -eq 'Ingress' }).Findings | Should -Be @('Expired', 'UntrustedRoot')
        ($expired | ConvertTo-Json | ConvertFrom-Json).Findings | Should -Be @('Expired', 'UntrustedRoot') -Because 'one result reads the same'
    }

    It 'writes the Ids in one CSV cell' {
        ($all | ConvertTo-Csv | ConvertFrom-Csv | Where-Object { $_.Status -eq 'Expired' -and $_.Kind -eq 'Ingress' }).Findings | Should -Be 'Expired, UntrustedRoot'
    }

    It 'keeps each finding''s Id, Status and Message at the prompt' {
        $expired.Findings -contains 'UntrustedRoot' | Should -BeTrue
        $expired.Findings.Status | Should -Be @('Expired', 'UntrustedRoot')
        $expired.Findings[0].Message | Should -Match 'expired on'
        ($all | Where-Object { $_.Findings.Status -contains 'Expiring' }).Name | Should -Be 'api', 'portal'
        ($expired.Findings | Format-Table Id, Status, Message | Out-String -Width 200) | Should -Match 'UntrustedRoot\s+UntrustedRoot\s+the chain is complete'
        $expired.Findings.HasStatus('UntrustedRoot') | Should -BeTrue
        $expired.GetFindings().Id | Should -Be @('Expired', 'UntrustedRoot')
    }
}

# Publish-IngressCertificate, Undo-IngressCertificate and Test-IngressCertificate against a cluster.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'pub'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $password = ConvertTo-SecureString 'pfx-pass-123' -AsPlainText -Force

    function Get-Secret([string] $Namespace, [string] $Name) {
        try { Get-ClusterObject $cluster "/api/v1/namespaces/$Namespace/secrets/$Name" } catch { $null }
    }
    function Get-SecretCertificate($Secret) {
        $pem = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($Secret.data.'tls.crt'))
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($pem)
    }
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe 'Publish-IngressCertificate' {
    BeforeAll {
        $ns = New-TestNamespace $cluster 'pub-'
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'shop' @('api.contoso.example') 'api-tls' -RuleHosts 'shop.contoso.example', 'api.contoso.example')
        $first = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example', 'www.contoso.example' -Rsa
        $pfx = New-TestPfx $first (Join-Path $TestDrive 'shop.pfx') $password
    }

    It 'says exactly what it would do with -WhatIf and writes nothing' {
        # What-if text goes to the host, not to a stream: run it in a child pwsh and read what it prints.
        $script = "Import-Module '$(Get-BuiltModulePath)'; `$pw = ConvertTo-SecureString 'pfx-pass-123' -AsPlainText -Force; " +
            "Publish-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $ns -SecretName shop-tls -IngressName shop -PfxPath '$pfx' -Password `$pw -WhatIf"
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $out = Invoke-ChildPwsh $script | Out-String
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore -Because 'the request log shows no write' }
        $out | Should -Match ([regex]::Escape("Create Secret $ns/shop-tls: $($first.Certificate.Thumbprint) (expires $($first.Certificate.NotAfter.ToUniversalTime().ToString('yyyy-MM-dd')))"))
        $out | Should -Match "Update Ingress $ns/shop: serve shop.contoso.example from Secret shop-tls"
        $out | Should -Not -Match 'PRIVATE KEY'
        Get-Secret $ns 'shop-tls' | Should -BeNullOrEmpty
        (Get-ClusterObject $cluster "/apis/networking.k8s.io/v1/namespaces/$ns/ingresses/shop").spec.tls.Count | Should -Be 1
    }

    It 'creates the Secret from a PFX and wires the covered rule hosts into the Ingress' {
        $r = Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -IngressName shop -PfxPath $pfx -Password $password -WarningVariable warnings -WarningAction SilentlyContinue
        $r.GetType().FullName | Should -Be 'IngressCerts.PublishResult'
        $r.Action | Should -Be 'Created'
        if ($cluster.Server) {
            # The same log the -WhatIf test reads does see writes: a POST of the Secret, then a PUT of the Ingress.
            $writes = Get-TestServerWrite $cluster.Server
            ($writes | Where-Object { $_ -match "^POST /api/v1/namespaces/$ns/secrets" }).Count | Should -Be 1
            ($writes | Where-Object { $_ -match "^PUT /apis/networking.k8s.io/v1/namespaces/$ns/ingresses/shop" }).Count | Should -Be 1
        }
        $r.Thumbprint | Should -Be $first.Certificate.Thumbprint
        $r.Hosts | Should -Be @('shop.contoso.example')
        $warnings -join ' ' | Should -Match 'api.contoso.example'
        $secret = Get-Secret $ns 'shop-tls'
        $secret.type | Should -Be 'kubernetes.io/tls'
        $secret.metadata.annotations.'ingresscerts.io/thumbprint' | Should -Be $first.Certificate.Thumbprint
        [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($secret.data.'tls.key')) | Should -Match '^-----BEGIN (PRIVATE) KEY-----'
        $tls = (Get-ClusterObject $cluster "/apis/networking.k8s.io/v1/namespaces/$ns/ingresses/shop").spec.tls
        $tls.Count | Should -Be 2
        ($tls | Where-Object secretName -eq 'api-tls').hosts | Should -Be @('api.contoso.example')
        ($tls | Where-Object secretName -eq 'shop-tls').hosts | Should -Be @('shop.contoso.example')
    }

    It 'reports Unchanged and writes nothing when run again with the same certificate' {
        $before = (Get-Secret $ns 'shop-tls').metadata.resourceVersion
        (Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -IngressName shop -PfxPath $pfx -Password $password -WarningAction SilentlyContinue).Action | Should -Be 'Unchanged'
        (Get-Secret $ns 'shop-tls').metadata.resourceVersion | Should -Be $before
    }

    It 'exports its result as one readable row and compact JSON (issue 11)' {
        Import-Module (Join-Path $PSScriptRoot 'ViewFleet.psm1')
        $r = Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -IngressName shop -PfxPath $pfx -Password $password -WarningAction SilentlyContinue
        $row = Assert-ReadableExport -InputObject @($r) -Path (Join-Path $TestDrive 'publish.csv')
        $row.Hosts | Should -Be 'shop.contoso.example'
        $row.NotAfter | Should -Be $first.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")
    }

    It 'binds a Posh-ACME certificate object from the pipeline and keeps the previous one for Undo' {
        $second = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example'
        $leaf = Join-Path $TestDrive 'cert.cer'; $key = Join-Path $TestDrive 'cert.key'; $full = Join-Path $TestDrive 'fullchain.cer'
        Set-Content $leaf $second.CertPem; Set-Content $key $second.KeyPem; Set-Content $full $second.CertPem
        $pa = [pscustomobject]@{
            PSTypeName = 'PoshACME.PACertificate'; Subject = 'CN=shop.contoso.example'
            CertFile = $leaf; KeyFile = $key; FullChainFile = $full; ChainFile = $null
            PfxFile = (New-TestPfx $second (Join-Path $TestDrive 'cert.pfx') $password); PfxFullChain = (Join-Path $TestDrive 'cert.pfx'); PfxPass = $password
        }
        $r = $pa | Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls
        $r.Action | Should -Be 'Updated'
        $r.PreviousThumbprint | Should -Be $first.Certificate.Thumbprint
        $r.Thumbprint | Should -Be $second.Certificate.Thumbprint

        $undo = Undo-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -Confirm:$false
        $undo.Thumbprint | Should -Be $first.Certificate.Thumbprint
        (Get-SecretCertificate (Get-Secret $ns 'shop-tls')).Thumbprint | Should -Be $first.Certificate.Thumbprint
    }

    It 'takes PEM files, an X509Certificate2 with its key, and PEM text with a SecureString key' {
        $c = New-TestCertificate -Subject 'CN=pem.contoso.example' -DnsName 'pem.contoso.example'
        Set-Content (Join-Path $TestDrive 'p.crt') $c.CertPem; Set-Content (Join-Path $TestDrive 'p.key') $c.KeyPem
        (Publish-IngressCertificate @kc -Namespace $ns -SecretName pem-tls -CertificatePath (Join-Path $TestDrive 'p.crt') -KeyPath (Join-Path $TestDrive 'p.key')).Action | Should -Be 'Created'

        $x = New-TestCertificate -Subject 'CN=x509.contoso.example' -DnsName 'x509.contoso.example'
        $x.Certificate.HasPrivateKey | Should -BeTrue
        ($x.Certificate | Publish-IngressCertificate @kc -Namespace $ns -SecretName x509-tls).Action | Should -Be 'Created'

        $t = New-TestCertificate -Subject 'CN=text.contoso.example' -DnsName 'text.contoso.example'
        (Publish-IngressCertificate @kc -Namespace $ns -SecretName text-tls -CertificatePem $t.CertPem -KeyPem (ConvertTo-SecureString $t.KeyPem -AsPlainText -Force)).Action | Should -Be 'Created'
    }

    It 're-targets every Secret an inventory found, from the pipeline' {
        $old = New-TestCertificate -Subject 'CN=re.contoso.example' -DnsName 're.contoso.example'
        Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 're-tls' $old)
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 're' @('re.contoso.example') 're-tls')
        $new = New-TestCertificate -Subject 'CN=re.contoso.example' -DnsName 're.contoso.example'
        $newPfx = New-TestPfx $new (Join-Path $TestDrive 're.pfx') $password
        $r = Get-IngressCertificate @kc -Namespace $ns -Thumbprint $old.Certificate.Thumbprint | Publish-IngressCertificate @kc -PfxPath $newPfx -Password $password
        $r.Action | Should -Be 'Updated'
        $r.SecretName | Should -Be 're-tls'
        (Get-IngressCertificate @kc -Namespace $ns -Name re).Thumbprint | Should -Be $new.Certificate.Thumbprint
    }

    It 'refuses an expired certificate with a clear error and sends no write' {
        $expired = New-TestCertificate -Subject 'CN=old.contoso.example' -DnsName 'old.contoso.example' -DaysAgo 30 -Days -1
        $p = New-TestPfx $expired (Join-Path $TestDrive 'expired.pfx') $password
        Publish-IngressCertificate @kc -Namespace $ns -SecretName expired-tls -PfxPath $p -Password $password -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CertificateExpired,*'
        $errs[0].TargetObject | Should -Be "$ns/expired-tls"
        Get-Secret $ns 'expired-tls' | Should -BeNullOrEmpty
    }

    It 'refuses a wrong PFX password without showing it' {
        $p = New-TestPfx $first (Join-Path $TestDrive 'other.pfx') $password
        $wrong = ConvertTo-SecureString 'wrong-password-456' -AsPlainText -Force
        Publish-IngressCertificate @kc -Namespace $ns -SecretName wrongpass-tls -PfxPath $p -Password $wrong -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidCertificateInput,*'
        ($errs | Out-String) | Should -Not -Match 'wrong-password-456'
    }

    It 'refuses to overwrite a Secret cert-manager manages, unless -Force' {
        $managed = New-TestCertificate -Subject 'CN=cm.contoso.example' -DnsName 'cm.contoso.example'
        Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'cm-tls' $managed -Annotations @{ 'cert-manager.io/certificate-name' = 'cm' })
        $mine = New-TestCertificate -Subject 'CN=cm.contoso.example' -DnsName 'cm.contoso.example'
        $p = New-TestPfx $mine (Join-Path $TestDrive 'cm.pfx') $password
        Publish-IngressCertificate @kc -Namespace $ns -SecretName cm-tls -PfxPath $p -Password $password -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CertManagerManaged,*'
        (Get-SecretCertificate (Get-Secret $ns 'cm-tls')).Thumbprint | Should -Be $managed.Certificate.Thumbprint
        (Publish-IngressCertificate @kc -Namespace $ns -SecretName cm-tls -PfxPath $p -Password $password -Force).Action | Should -Be 'Updated'
    }

    It 'never shows key material in any stream, even with -Verbose and -Debug' {
        $v = New-TestCertificate -Subject 'CN=v.contoso.example' -DnsName 'v.contoso.example'
        $p = New-TestPfx $v (Join-Path $TestDrive 'v.pfx') $password
        $all = Publish-IngressCertificate @kc -Namespace $ns -SecretName v-tls -PfxPath $p -Password $password -Verbose -Debug *>&1 | Out-String
        $keyBase64 = [Convert]::ToBase64String($v.Key.ExportPkcs8PrivateKey())
        $all | Should -Not -Match 'PRIVATE KEY'
        $all.Contains($keyBase64.Substring(10, 40)) | Should -BeFalse
    }

    It 'writes a manifest with -AsManifest offline, changing nothing, which kubectl applies' {
        $m = New-TestCertificate -Subject 'CN=git.contoso.example' -DnsName 'git.contoso.example'
        $p = New-TestPfx $m (Join-Path $TestDrive 'git.pfx') $password
        $manifests = Join-Path $TestDrive 'repo'
        New-Item -ItemType Directory $manifests | Out-Null
        (ConvertTo-IngressObject $ns 'git' @() $null -RuleHosts 'git.contoso.example') | ConvertTo-Json -Depth 20 | Set-Content (Join-Path $manifests 'ingress.json')
        $yaml = Publish-IngressCertificate -Namespace $ns -SecretName git-tls -IngressName git -PfxPath $p -Password $password -AsManifest -Path $manifests
        $yaml | Should -Match 'kind: Secret'
        $yaml | Should -Match 'kubernetes.io/tls'
        $yaml | Should -Match 'kind: Ingress'
        $yaml | Should -Match 'secretName: git-tls'
        Get-Secret $ns 'git-tls' | Should -BeNullOrEmpty

        $kubectl = Get-Command kubectl -ErrorAction SilentlyContinue
        if ($kubectl) {
            Set-Content (Join-Path $TestDrive 'out.yaml') $yaml
            & $kubectl.Source --kubeconfig $cluster.KubeConfig --context $cluster.Context apply --validate=false -f (Join-Path $TestDrive 'out.yaml') | Out-Null
            $LASTEXITCODE | Should -Be 0
            (Get-SecretCertificate (Get-Secret $ns 'git-tls')).Thumbprint | Should -Be $m.Certificate.Thumbprint
        }
    }
}

Describe 'Undo-IngressCertificate after a publish that created the Secret' {
    BeforeAll {
        $uns = New-TestNamespace $cluster 'undo-'
        Add-ClusterObject $cluster (ConvertTo-IngressObject $uns 'shop' @('api.contoso.example') 'api-tls' -RuleHosts 'shop.contoso.example', 'api.contoso.example')
        $made = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example'
        $madePfx = New-TestPfx $made (Join-Path $TestDrive 'undo.pfx') $password
        $published = Publish-IngressCertificate @kc -Namespace $uns -SecretName shop-tls -IngressName shop -PfxPath $madePfx -Password $password -WarningAction SilentlyContinue
        $published.Action | Should -Be 'Created'
    }

    It 'says with -WhatIf what it would unwire and delete, from the plan, and writes nothing' {
        $script = "Import-Module '$(Get-BuiltModulePath)'; " +
            "Undo-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $uns -SecretName shop-tls -WhatIf -Verbose"
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $out = Invoke-ChildPwsh $script | Out-String
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore -Because 'the request log shows no write' }
        $out | Should -Match "Update Ingress $uns/shop: stop serving shop.contoso.example from Secret shop-tls"
        $out | Should -Match ([regex]::Escape("Delete Secret $uns/shop-tls: $($made.Certificate.Thumbprint) (expires $($made.Certificate.NotAfter.ToUniversalTime().ToString('yyyy-MM-dd')))"))
        $out | Should -Not -Match 'PRIVATE KEY'
        Get-Secret $uns 'shop-tls' | Should -Not -BeNullOrEmpty
        (Get-ClusterObject $cluster "/apis/networking.k8s.io/v1/namespaces/$uns/ingresses/shop").spec.tls.Count | Should -Be 2
    }

    It 'removes just the wiring the publish added, then deletes the Secret it created' {
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $r = $published | Undo-IngressCertificate @kc -Confirm:$false
        $r.GetType().FullName | Should -Be 'IngressCerts.PublishResult'
        $r.Action | Should -Be 'Deleted'
        $r.PreviousThumbprint | Should -Be $made.Certificate.Thumbprint
        $r.IngressName | Should -Be 'shop'
        $r.Hosts | Should -Be @('shop.contoso.example')
        if ($cluster.Server) {
            # One conditional PUT of the Ingress, then one DELETE of the Secret: nothing else (the rights check before
            # them asks SelfSubjectAccessReviews, which change nothing).
            $writes = @(Get-TestServerWrite $cluster.Server | Select-Object -Skip $writesBefore | Where-Object { $_ -notmatch 'selfsubjectaccessreviews' })
            $writes.Count | Should -Be 2
            $writes[0] | Should -Match "^PUT /apis/networking.k8s.io/v1/namespaces/$uns/ingresses/shop"
            $writes[1] | Should -Match "^DELETE /api/v1/namespaces/$uns/secrets/shop-tls"
        }
        Get-Secret $uns 'shop-tls' | Should -BeNullOrEmpty
        $ingress = Get-ClusterObject $cluster "/apis/networking.k8s.io/v1/namespaces/$uns/ingresses/shop"
        @($ingress.spec.tls).Count | Should -Be 1
        $ingress.spec.tls[0].secretName | Should -Be 'api-tls'
        $ingress.spec.tls[0].hosts | Should -Be @('api.contoso.example')
        $ingress.metadata.annotations.'ingresscerts.io/wiring' | Should -BeNullOrEmpty
    }

    It 'refuses to delete a created Secret someone changed since (SecretChanged), and deletes it with -Force' {
        $c = New-TestCertificate -Subject 'CN=edit.contoso.example' -DnsName 'edit.contoso.example'
        (Publish-IngressCertificate @kc -Namespace $uns -SecretName edit-tls -PfxPath (New-TestPfx $c (Join-Path $TestDrive 'edit.pfx') $password) -Password $password).Action | Should -Be 'Created'
        $ca = New-TestCertificate -Subject 'CN=Client CA' -CertificateAuthority
        Update-ClusterObject $cluster 'secrets' $uns 'edit-tls' @{ data = @{ 'ca.crt' = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($ca.CertPem)) } }

        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $r = Undo-IngressCertificate @kc -Namespace $uns -SecretName edit-tls -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'SecretChanged,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errs[0].TargetObject | Should -Be "$uns/edit-tls"
        $errs[0].Exception.Message | Should -Match 'ca\.crt'
        ($errs | Out-String) | Should -Not -Match 'PRIVATE KEY'
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore -Because 'a refused undo sends no write' }
        Get-Secret $uns 'edit-tls' | Should -Not -BeNullOrEmpty

        (Undo-IngressCertificate @kc -Namespace $uns -SecretName edit-tls -Force -Confirm:$false).Action | Should -Be 'Deleted'
        Get-Secret $uns 'edit-tls' | Should -BeNullOrEmpty
    }
}

Describe 'Publish-IngressCertificate -Verify' -Skip:(-not (Get-Command openssl -ErrorAction SilentlyContinue)) {
    BeforeAll {
        $vns = New-TestNamespace $cluster 'verify-'
        function Start-TlsServer($Issued) { Start-OpenSslServer -CertPem $Issued.CertPem -KeyPem $Issued.KeyPem -Directory $TestDrive }
        $old = New-TestCertificate -Subject 'CN=v.contoso.example' -DnsName 'v.contoso.example'
        $new = New-TestCertificate -Subject 'CN=v.contoso.example' -DnsName 'v.contoso.example'
        (Publish-IngressCertificate @kc -Namespace $vns -SecretName v-tls -PfxPath (New-TestPfx $old (Join-Path $TestDrive 'vold.pfx') $password) -Password $password).Action | Should -Be 'Created'
        $newPfx = New-TestPfx $new (Join-Path $TestDrive 'vnew.pfx') $password
    }

    It 'rolls back to the previous certificate when the endpoint never serves the new one' {
        $stale = Start-TlsServer $old
        try {
            $r = Publish-IngressCertificate @kc -Namespace $vns -SecretName v-tls -Host v.contoso.example -PfxPath $newPfx -Password $password -Verify -Endpoint $stale.Endpoint -TimeoutSeconds 3 -ErrorVariable errs -ErrorAction SilentlyContinue
            $r.Verified | Should -BeFalse
            $r.Action | Should -Be 'RolledBack'
            $r.Thumbprint | Should -Be $old.Certificate.Thumbprint -Because 'the result names what the Secret holds now'
            $r.PreviousThumbprint | Should -Be $new.Certificate.Thumbprint
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'VerifyTimeout,*'
            $errs[0].Exception.Message | Should -Match 'restored'
            (Get-SecretCertificate (Get-Secret $vns 'v-tls')).Thumbprint | Should -Be $old.Certificate.Thumbprint
        }
        finally { Stop-Process -Id $stale.Process.Id -ErrorAction SilentlyContinue }
    }

    It 'refuses a bad -Endpoint and a -Verify without host before writing anything' {
        $before = (Get-Secret $vns 'v-tls').metadata.resourceVersion
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        Publish-IngressCertificate @kc -Namespace $vns -SecretName v-tls -Host v.contoso.example -PfxPath $newPfx -Password $password -Verify -Endpoint 'not a host!:x' -ErrorVariable bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
        $bad[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $bad[0].TargetObject | Should -Be 'not a host!:x'
        Publish-IngressCertificate @kc -Namespace $vns -SecretName v-tls -PfxPath $newPfx -Password $password -Verify -ErrorVariable nohost -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $nohost[0].FullyQualifiedErrorId | Should -BeLike 'VerifyNeedsHost,*'
        $nohost[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-Secret $vns 'v-tls').metadata.resourceVersion | Should -Be $before
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore -Because 'the request log shows no write' }
    }

    It 'reports Verified when the endpoint serves the new certificate' {
        $fresh = Start-TlsServer $new
        try {
            $r = Publish-IngressCertificate @kc -Namespace $vns -SecretName v-tls -Host v.contoso.example -PfxPath $newPfx -Password $password -Verify -Endpoint $fresh.Endpoint -TimeoutSeconds 20
            $r.Verified | Should -BeTrue
            $r.Action | Should -Be 'Updated'
        }
        finally { Stop-Process -Id $fresh.Process.Id -ErrorAction SilentlyContinue }
    }
}

Describe 'Test-IngressCertificate' {
    BeforeAll {
        $tns = New-TestNamespace $cluster 'test-'
        $good = New-TestCertificate -Subject 'CN=good.contoso.example' -DnsName 'good.contoso.example'
        $soon = New-TestCertificate -Subject 'CN=soon.contoso.example' -DnsName 'soon.contoso.example' -Days 10
        Add-ClusterObject $cluster (ConvertTo-SecretObject $tns 'good-tls' $good)
        Add-ClusterObject $cluster (ConvertTo-SecretObject $tns 'soon-tls' $soon)
        Add-ClusterObject $cluster (ConvertTo-IngressObject $tns 'good' @('good.contoso.example') 'good-tls')
        Add-ClusterObject $cluster (ConvertTo-IngressObject $tns 'soon' @('soon.contoso.example') 'soon-tls')
    }

    It 'answers one boolean that works in if' {
        if (Test-IngressCertificate @kc -Namespace $tns -SecretName good-tls -Thumbprint $good.Certificate.Thumbprint) { $ok = $true } else { $ok = $false }
        $ok | Should -BeTrue
        Test-IngressCertificate @kc -Namespace $tns -SecretName good-tls -Thumbprint ('00' * 20) | Should -BeFalse
        Test-IngressCertificate @kc -Namespace $tns -Name soon | Should -BeFalse
        Test-IngressCertificate @kc -Namespace $tns -Name soon -MinimumDaysRemaining 5 | Should -BeTrue
    }

    It 'gives one result per target with -Detailed, naming the failed check' {
        $r = Test-IngressCertificate @kc -Namespace $tns -Name soon -Detailed
        $r.GetType().FullName | Should -Be 'IngressCerts.CertificateTestResult'
        $r.Passed | Should -BeFalse
        $r.FailedChecks | Should -Be @('DaysRemaining')
        ($r.Checks | Where-Object Name -eq DaysRemaining).Actual | Should -Match '^(9|10)$'
        ($r | Out-String -Width 200) | Should -Match 'DaysRemaining'
    }

    It 'takes the inventory from the pipeline, and evaluates -AsOf' {
        $r = Get-IngressCertificate @kc -Namespace $tns | Test-IngressCertificate @kc -Detailed
        $r.Count | Should -Be 2
        ($r | Where-Object Passed).Name | Should -Be 'good'
        Get-IngressCertificate @kc -Namespace $tns -Name good | Test-IngressCertificate @kc -AsOf (Get-Date).AddDays(200) | Should -BeFalse
    }

    It 'checks what Publish-IngressCertificate just published, from the pipeline' {
        $c = New-TestCertificate -Subject 'CN=piped.contoso.example' -DnsName 'piped.contoso.example'
        Add-ClusterObject $cluster (ConvertTo-IngressObject $tns 'piped' @() $null -RuleHosts 'piped.contoso.example')
        $p = New-TestPfx $c (Join-Path $TestDrive 'piped.pfx') $password
        $r = Publish-IngressCertificate @kc -Namespace $tns -SecretName piped-tls -IngressName piped -PfxPath $p -Password $password |
            Test-IngressCertificate @kc -Detailed
        $r.Name | Should -Be 'piped'
        $r.SecretName | Should -Be 'piped-tls'
        $r.Passed | Should -BeTrue
        ($r.Checks | Where-Object Name -eq ExpectedCertificate).Passed | Should -BeTrue
    }

    It 'tests a Gateway''s Secret in another namespace like a local one once a ReferenceGrant there allows it' {
        if (-not (Test-GatewayApiServed $cluster)) {
            Set-ItResult -Skipped -Because 'the cluster does not serve gateway.networking.k8s.io/v1 (the Gateway API CRDs are not installed)'
            return
        }
        $edge = New-TestNamespace $cluster 'edge-'
        $wild = New-TestCertificate -Subject 'CN=*.apps.contoso.example' -DnsName '*.apps.contoso.example'
        Add-ClusterObject $cluster (ConvertTo-SecretObject $tns 'wild-tls' $wild)
        Add-ClusterObject $cluster (ConvertTo-GatewayObject $edge 'gw' '*.apps.contoso.example' $tns 'wild-tls')

        $denied = Test-IngressCertificate @kc -Kind Gateway -Namespace $edge -Name gw -Detailed
        $denied.FailedChecks | Should -Be @('ReferencePermitted')
        ($denied.Checks | Where-Object Name -eq ReferencePermitted).Message | Should -Match "no ReferenceGrant in '$tns'"
        $denied.Status | Should -Be 'ReferenceNotPermitted'
        $blocked = Get-IngressCertificate @kc -Namespace $edge -Status ReferenceNotPermitted
        $blocked.Name | Should -Be 'gw'
        $blocked.Issues | Should -Match "Gateway $edge/gw .*no ReferenceGrant in '$tns' allows Gateways from '$edge'"
        $blocked.NotAfter | Should -BeNullOrEmpty
        $blocked.DaysRemaining | Should -BeNullOrEmpty

        Add-ClusterObject $cluster (ConvertTo-ReferenceGrantObject $tns -From $edge)
        Test-IngressCertificate @kc -Kind Gateway -Namespace $edge -Name gw | Should -BeTrue
        $piped = Get-IngressCertificate @kc -Namespace $edge | Test-IngressCertificate @kc -Detailed
        $piped.SecretName | Should -Be 'wild-tls'
        $piped.Passed | Should -BeTrue
    }

    It 'reports a missing Secret and a missing Ingress as failed checks, not exceptions' {
        $r = Test-IngressCertificate @kc -Namespace $tns -SecretName nope -Detailed
        $r.FailedChecks | Should -Be @('SecretPresent')
        (Test-IngressCertificate @kc -Namespace $tns -Name nope -Detailed).FailedChecks | Should -Be @('Found')
    }

    It 'probes the live endpoint with SNI and compares the served certificate' -Skip:(-not (Get-Command openssl -ErrorAction SilentlyContinue)) {
        $tls = Start-OpenSslServer -CertPem $good.CertPem -KeyPem $good.KeyPem -Directory $TestDrive -Accepts 4
        $server = $tls.Process
        try {
            Test-IngressCertificate @kc -Namespace $tns -Name good -Live -Endpoint $tls.Endpoint | Should -BeTrue
            $r = Test-IngressCertificate @kc -Namespace $tns -Name soon -Live -Endpoint $tls.Endpoint -MinimumDaysRemaining 1 -Detailed
            $r.Passed | Should -BeFalse
            ($r.Checks | Where-Object Name -eq 'Served:soon.contoso.example').Actual | Should -Be $good.Certificate.Thumbprint
        }
        finally {
            Stop-Process -Id $server.Id -ErrorAction SilentlyContinue
        }
    }

    It 'fails a probe of a port nobody listens on with its reason' {
        $r = Test-IngressCertificate -Host good.contoso.example -Live -Endpoint '127.0.0.1:9' -Certificate $good.Certificate -TimeoutSeconds 3 -Detailed
        $r.Passed | Should -BeFalse
        $r.Checks[0].Actual | Should -Be 'ConnectionRefused'
    }
}

Describe 'A key with the certificate''s public half but a broken private half' {
    BeforeAll {
        $kns = New-TestNamespace $cluster 'key-'
        $ec = New-TestCertificate -Subject 'CN=ec.contoso.example' -DnsName 'ec.contoso.example'
        $rsa = New-TestCertificate -Subject 'CN=rsa.contoso.example' -DnsName 'rsa.contoso.example' -Rsa
        $corrupt = @{ ec = New-ForeignScalarKeyPem $ec; rsa = New-CorruptDKeyPem $rsa }
        $issued = @{ ec = $ec; rsa = $rsa }
    }

    It 'Publish refuses the <_> key with KeyMismatch and writes nothing' -ForEach 'ec', 'rsa' {
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        Publish-IngressCertificate @kc -Namespace $kns -SecretName "$_-tls" -CertificatePem $issued[$_].CertPem -KeyPem $corrupt[$_] -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'KeyMismatch,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be "$kns/$_-tls"
        $errs[0].Exception.Message | Should -Match 'has the public key of certificate'
        ($errs | Out-String) | Should -Not -Match 'BEGIN PRIVATE'
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore -Because 'a refused publish sends no write' }
        Get-Secret $kns "$_-tls" | Should -BeNullOrEmpty
    }

    It 'Test-IngressCertificate fails KeyMatches for a Secret holding the <_> key' -ForEach 'ec', 'rsa' {
        Add-ClusterObject $cluster (ConvertTo-SecretObject $kns "held-$_-tls" $issued[$_] -KeyOf @{ KeyPem = $corrupt[$_] })
        $r = Test-IngressCertificate @kc -Namespace $kns -SecretName "held-$_-tls" -Detailed
        $check = $r.Checks | Where-Object Name -eq 'KeyMatches'
        $check.Passed | Should -BeFalse
        $check.Message | Should -Match 'public key, but'
    }
}

# Server only: a real API server validates status.loadBalancer.ingress[].hostname and refuses "not a host!", and the
# test server has no /status subresource, so a server of its own is started with the Ingresses seeded with their status.
Describe 'Test-IngressCertificate -Live with a bad load balancer address' -Skip:([bool]$env:INGRESSCERTS_TEST_KUBECONFIG) {
    BeforeAll {
        $lbCert = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example', 'api.contoso.example'
        function New-StatusIngress([string] $Name, [string] $HostName, [hashtable] $Address) {
            $ingress = ConvertTo-IngressObject 'lb' $Name @($HostName) 'shop-tls'
            $ingress.status = @{ loadBalancer = @{ ingress = [object[]]@($Address) } }
            $ingress
        }
        $seed = Join-Path $TestDrive 'lb.json'
        @(
            (ConvertTo-SecretObject 'lb' 'shop-tls' $lbCert),
            (New-StatusIngress 'bad' 'shop.contoso.example' @{ hostname = 'not a host!' }),
            (New-StatusIngress 'good' 'api.contoso.example' @{ ip = '127.0.0.1' })
        ) | ConvertTo-Json -Depth 20 | Set-Content $seed
        $lbServer = Start-KubeTestServer -ContextName 'lb' -Seed $seed
        $lb = @{ KubeConfigPath = $lbServer.KubeConfig; Context = $lbServer.Context }
    }

    AfterAll {
        Stop-KubeTestServer $lbServer
    }

    It 'fails Served for that Ingress only, and probes the others' {
        $targets = 'bad', 'good' | ForEach-Object { [pscustomobject]@{ Namespace = 'lb'; Name = $_ } }
        $r = $targets | Test-IngressCertificate @lb -Live -Detailed -TimeoutSeconds 3 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 0 -Because 'a bad address is a failed check, not an error that ends the run'
        $r.Count | Should -Be 2
        $bad = $r | Where-Object Name -eq 'bad'
        $bad.Namespace | Should -Be 'lb'
        $served = $bad.Checks | Where-Object Name -eq 'Served:shop.contoso.example'
        $served.Passed | Should -BeFalse
        $served.Actual | Should -Be 'not a host!'
        $served.Message | Should -Match ([regex]::Escape("Ingress lb/bad has the load balancer address 'not a host!'"))
        $good = ($r | Where-Object Name -eq 'good').Checks | Where-Object Name -eq 'Served:api.contoso.example'
        $good | Should -Not -BeNullOrEmpty -Because 'the good Ingress was probed at 127.0.0.1:443'
        $good.Actual | Should -Not -Be 'not a host!'
        $bad.Checks | Where-Object Name -eq 'KeyMatches' | ForEach-Object Passed | Should -BeTrue
    }
}

Describe 'Publish-IngressCertificate -AsManifest: -WhatIf, and target files it cannot read' {
    BeforeAll {
        $mc = New-TestCertificate -Subject 'CN=repo.contoso.example' -DnsName 'repo.contoso.example'
        $mpfx = New-TestPfx $mc (Join-Path $TestDrive 'repo.pfx') $password
        $keyBase64 = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($mc.KeyPem))
        $repo = New-Item -ItemType Directory (Join-Path $TestDrive 'manifest-repo')
        (New-IngressYaml -Namespace repo -Name web -Hosts 'repo.contoso.example') | Set-Content (Join-Path $repo 'ingress.yaml')
        $secretHead = "apiVersion: v1`nkind: Secret`nmetadata:`n  name: repo-tls`n  namespace: repo`n"
    }

    It 'with -WhatIf writes no manifest and says what it would write, without key material' {
        # What-if text goes to the host, not to a stream: run it in a child pwsh and read what it prints.
        $script = "Import-Module '$(Get-BuiltModulePath)'; `$pw = ConvertTo-SecureString 'pfx-pass-123' -AsPlainText -Force; " +
            "`$r = Publish-IngressCertificate -Namespace repo -SecretName repo-tls -IngressName web -PfxPath '$mpfx' -Password `$pw -AsManifest -Path '$repo' -WhatIf; " +
            "'OUTPUT COUNT ' + @(`$r).Count"
        $out = Invoke-ChildPwsh $script | Out-String
        $out | Should -Match 'OUTPUT COUNT 0'
        $out | Should -Match ([regex]::Escape("What if: Write a manifest of Secret repo/repo-tls (kubernetes.io/tls, certificate $($mc.Certificate.Thumbprint)"))
        $out | Should -Match ([regex]::Escape('and of Ingress repo/web serving repo.contoso.example from it'))
        $out | Should -Not -Match 'kind: Secret'
        $out | Should -Not -Match 'PRIVATE KEY'
        $out.Contains($keyBase64.Substring(20, 40)) | Should -BeFalse
    }

    It 'without -WhatIf still writes the manifest with the key' {
        $yaml = Publish-IngressCertificate -Namespace repo -SecretName repo-tls -IngressName web -PfxPath $mpfx -Password $password -AsManifest -Path $repo
        $yaml | Should -Match 'kind: Secret'
        $yaml | Should -Match 'tls.key: '
    }

    It 'refuses, naming the file, when the target Secret there cannot be read (<Case>)' -ForEach @(
        @{ Case = 'data is not a map'; Body = "type: kubernetes.io/tls`ndata: just-a-string`n" }
        @{ Case = 'type is not a string'; Body = "type: [kubernetes.io/tls]`n" }
        @{ Case = 'immutable is not a boolean'; Body = "type: kubernetes.io/tls`nimmutable: sometimes`n" }
        @{ Case = 'data is not base64'; Body = "type: kubernetes.io/tls`ndata:`n  tls.crt: '%%% not base64'`n" }
    ) {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive "unreadable-$([guid]::NewGuid())")
        Copy-Item (Join-Path $repo 'ingress.yaml') $dir
        $file = Join-Path $dir 'secret.yaml'
        $secretHead + $Body | Set-Content $file
        $yaml = Publish-IngressCertificate -Namespace repo -SecretName repo-tls -IngressName web -PfxPath $mpfx -Password $password -AsManifest -Path $dir -ErrorVariable errs -ErrorAction SilentlyContinue
        $yaml | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be $file
        $errs[0].Exception.Message | Should -Match 'Secret repo/repo-tls \(line 1\) cannot be read'
    }

    It 'refuses, naming the file, when a file under -Path is not valid YAML (it may hold the target)' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'bad-yaml')
        Copy-Item (Join-Path $repo 'ingress.yaml') $dir
        $file = Join-Path $dir 'secret.yaml'
        $secretHead + "annotations: [cert-manager.io/certificate-name: repo`n" | Set-Content $file
        $yaml = Publish-IngressCertificate -Namespace repo -SecretName repo-tls -IngressName web -PfxPath $mpfx -Password $password -AsManifest -Path $dir -ErrorVariable errs -ErrorAction SilentlyContinue
        $yaml | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidManifest,*'
        $errs[0].TargetObject | Should -Be $file
        $errs[0].Exception.Message | Should -Match 'It may hold Secret repo/repo-tls'
    }

    It 'still applies the cert-manager refusal to a target Secret it can read' {
        $dir = New-Item -ItemType Directory (Join-Path $TestDrive 'cert-manager')
        Copy-Item (Join-Path $repo 'ingress.yaml') $dir
        $secretHead + "  annotations:`n    cert-manager.io/certificate-name: repo`ntype: kubernetes.io/tls`n" | Set-Content (Join-Path $dir 'secret.yaml')
        $yaml = Publish-IngressCertificate -Namespace repo -SecretName repo-tls -IngressName web -PfxPath $mpfx -Password $password -AsManifest -Path $dir -ErrorVariable errs -ErrorAction SilentlyContinue
        $yaml | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CertManagerManaged,*'
    }

    It 'writes a PathNotFound error, and no manifest, for a -Path that does not exist' {
        $yaml = Publish-IngressCertificate -Namespace repo -SecretName repo-tls -PfxPath $mpfx -Password $password -AsManifest -Path (Join-Path $TestDrive 'nope') -ErrorVariable errs -ErrorAction SilentlyContinue
        $yaml | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        $errs[0].TargetObject | Should -Be (Join-Path $TestDrive 'nope')
    }
}

Describe 'Undo is not a toggle; Get-IngressCertificateHistory and Undo -Thumbprint' {
    BeforeAll {
        $hns = New-TestNamespace $cluster 'hist-'
        $certs = foreach ($i in 1..3) { New-TestCertificate -Subject "CN=hist$i.contoso.example" -DnsName 'hist.contoso.example' }
        $results = foreach ($i in 0..2) {
            Publish-IngressCertificate @kc -Namespace $hns -SecretName hist-tls -PfxPath (New-TestPfx $certs[$i] (Join-Path $TestDrive "hist$i.pfx") $password) -Password $password -HistoryLimit 3
        }
        $thumb = @($certs | ForEach-Object { $_.Certificate.Thumbprint })
        function Get-LastPublishRecord { (Get-Secret $hns 'hist-tls').metadata.annotations.'ingresscerts.io/last-publish' | ConvertFrom-Json }
    }

    It 'lists the history newest first, typed, with which publish archived each entry, and no key' {
        $entries = @($results[-1] | Get-IngressCertificateHistory @kc)
        $entries.Count | Should -Be 2
        $entries[0].GetType().FullName | Should -Be 'IngressCerts.CertificateHistoryEntry'
        $entries.Thumbprint | Should -Be @($thumb[1], $thumb[0])
        $entries.Namespace | Should -Be @($hns, $hns)
        $entries.SecretName | Should -Be @('hist-tls', 'hist-tls')
        $entries[0].Name | Should -BeLike 'hist-tls-prev-*'
        $entries[0].NotAfter | Should -Be $certs[1].Certificate.NotAfter.ToUniversalTime()
        $entries[0].ArchivedAt | Should -BeGreaterThan $entries[1].ArchivedAt
        $entries[0].ArchivedBy | Should -Be (Get-LastPublishRecord).id -Because 'the last publish archived the newest entry'
        $entries[1].ArchivedBy | Should -Not -BeNullOrEmpty
        $entries[1].ArchivedBy | Should -Not -Be $entries[0].ArchivedBy
        $shown = ($entries | Format-List * | Out-String) + ($entries | ConvertTo-Json | Out-String)
        $shown | Should -Not -Match 'PRIVATE|tls\.key'
    }

    It 'shows every column in full in a 120-column table, each labelled by its property' {
        $entries = @(Get-IngressCertificateHistory @kc -Namespace $hns -SecretName hist-tls)
        $table = $entries | Format-Table | Out-String -Width 120
        $lines = @($table -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[0].Trim() -split '\s+' | Should -Be @('SecretName', 'Thumbprint', 'NotAfter', 'ArchivedAt', 'ArchivedBy')
        foreach ($label in $lines[0].Trim() -split '\s+') { $entries[0].PSObject.Properties.Name | Should -Contain $label }
        $table | Should -Match $thumb[1]
        $table | Should -Match ([regex]::Escape($entries[0].ArchivedBy))
        $table | Should -Match ([regex]::Escape($entries[0].ArchivedAt.ToString('yyyy-MM-dd HH:mm')))
        $table | Should -Not -Match '…'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
    }

    It 'undoes once, then refuses a second undo with NothingToUndo and writes nothing' {
        $r = Undo-IngressCertificate @kc -Namespace $hns -SecretName hist-tls -Confirm:$false
        $r.Action | Should -Be 'Updated'
        $r.Thumbprint | Should -Be $thumb[1]
        (Get-LastPublishRecord).undo | Should -BeTrue

        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $again = Undo-IngressCertificate @kc -Namespace $hns -SecretName hist-tls -Force -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $again | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NothingToUndo,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errs[0].TargetObject | Should -Be "$hns/hist-tls"
        $errs[0].Exception.Message | Should -Match 'Get-IngressCertificateHistory'
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore -Because 'the request log shows no write' }
        (Get-SecretCertificate (Get-Secret $hns 'hist-tls')).Thumbprint | Should -Be $thumb[1]

        # The certificate the undo replaced is in history, noted as archived by the undo.
        $newest = @(Get-IngressCertificateHistory @kc -Namespace $hns -SecretName hist-tls)[0]
        $newest.Thumbprint | Should -Be $thumb[2]
        $newest.ArchivedBy | Should -Be (Get-LastPublishRecord).id
    }

    It 'restores a chosen history entry with -Thumbprint, archiving the current certificate' {
        $script = "Import-Module '$(Get-BuiltModulePath)'; " +
            "Undo-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $hns -SecretName hist-tls -Thumbprint $($thumb[0].ToLowerInvariant()) -WhatIf"
        $what = Invoke-ChildPwsh $script | Out-String
        $what | Should -Match ([regex]::Escape("Restore Secret $hns/hist-tls: $($thumb[1])"))
        (Get-SecretCertificate (Get-Secret $hns 'hist-tls')).Thumbprint | Should -Be $thumb[1]

        $r = Undo-IngressCertificate @kc -Namespace $hns -SecretName hist-tls -Thumbprint $thumb[0] -Confirm:$false
        $r.Action | Should -Be 'Updated'
        $r.PreviousThumbprint | Should -Be $thumb[1]
        $r.Thumbprint | Should -Be $thumb[0]
        (Get-SecretCertificate (Get-Secret $hns 'hist-tls')).Thumbprint | Should -Be $thumb[0]
        @(Get-IngressCertificateHistory @kc -Namespace $hns -SecretName hist-tls).Thumbprint | Should -Be @($thumb[1], $thumb[2])
    }

    It 'refuses a thumbprint no entry holds with HistoryEntryNotFound and writes nothing' {
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $r = Undo-IngressCertificate @kc -Namespace $hns -SecretName hist-tls -Thumbprint $thumb[0] -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'HistoryEntryNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be "$hns/hist-tls"
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore -Because 'the request log shows no write' }
        (Get-SecretCertificate (Get-Secret $hns 'hist-tls')).Thumbprint | Should -Be $thumb[0]
    }
}

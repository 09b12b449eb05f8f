# The least-privilege manifests under examples/rbac (issue 13). A test-server user holding exactly a manifest's rules runs
# the cmdlets the manifest is for, and they work. With any one verb of any one rule taken away, the first cmdlet that
# needs it fails cleanly (an ErrorRecord with a stable ErrorId, no stack trace) and sends no write, unless the manifest's
# comments name that verb optional, in which case everything still works. Users with rules exist only on the test
# server: these cases are skipped on a real cluster.
using namespace System.Security.Cryptography
using namespace System.Security.Cryptography.X509Certificates

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'RbacManifest.psm1') -Force
    $rbacDir = Join-Path $PSScriptRoot '../../examples/rbac'
    $cases = @{}
    $syncManifest = Get-RbacManifest (Join-Path $rbacDir 'sync.yaml')
    # What Sync needs besides what a publish does: the Leases, and deleting each pending key once its certificate is
    # published (a key left behind would be a private key kept for nothing, and reused by the next request).
    $cases.syncOwn = @($syncManifest.Grants | Where-Object { $_ -like '* leases.coordination.k8s.io' -or $_ -eq 'delete secrets' } | ForEach-Object { @{ Grant = $_ } })
    # What only -RenewCertManager needs: without either, it stops before writing (Sync without the switch is unaffected).
    $cases.syncCertManager = @('get certificates.cert-manager.io', 'update certificates/status.cert-manager.io' | ForEach-Object { @{ Grant = $_ } })
    foreach ($use in 'inventory', 'publish') {
        $m = Get-RbacManifest (Join-Path $rbacDir "$use.yaml")
        $cases[$use] = @($m.Grants | ForEach-Object {
                $optional = $m.Optional -contains $_
                @{ Grant = $_; Optional = $optional; Expect = if ($optional) { 'still works (optional)' } else { 'fails cleanly before any write' } }
            })
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'RbacManifest.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $rbacDir = Join-Path $PSScriptRoot '../../examples/rbac'
    $onRealCluster = [bool] $env:INGRESSCERTS_TEST_KUBECONFIG

    function Start-RbacServer {
        <# A test server with one user per case ('' = all the rules, else the grant taken away), each with its own namespace. #>
        param($Manifest, [string] $Prefix)
        $users = [Collections.Generic.List[object]]::new()
        $case = @{}
        foreach ($without in @('') + $Manifest.Grants) {
            $i = $users.Count
            $ns = "$Prefix-$i-" + -join ((97..122) | Get-Random -Count 6 | ForEach-Object { [char]$_ })
            $scope = if ($Manifest.ClusterWide) { '*' } else { $ns }
            $token = [guid]::NewGuid().ToString('N')
            $users.Add(@{ name = "$Prefix-user-$i"; token = $token; rules = @(ConvertTo-TestServerRules $Manifest $without $scope) })
            $case[$without] = [pscustomobject]@{ Namespace = $ns; User = "$Prefix-user-$i"; Token = $token }
        }
        $usersFile = Join-Path $TestDrive "$Prefix-users.json"
        ConvertTo-Json -InputObject $users.ToArray() -Depth 10 | Set-Content $usersFile
        $srv = Start-KubeTestServer -ContextName $Prefix -UsersFile $usersFile
        $adminText = Get-Content $srv.KubeConfig -Raw
        foreach ($c in $case.Values) {
            $c | Add-Member KubeConfig (Join-Path $TestDrive "$($c.User).kubeconfig")
            Set-Content $c.KubeConfig ($adminText -replace '(token:\s*)\S+', "`${1}`"$($c.Token)`"")
        }
        [pscustomobject]@{ Server = $srv; Cases = $case; Cluster = [pscustomobject]@{ IsReal = $false; KubeConfig = $srv.KubeConfig; Context = $srv.Context; Server = $srv; Namespaces = [Collections.Generic.List[string]]::new() } }
    }

    function Get-Write($Server) { @(Get-TestServerWrite $Server | Where-Object { $_ -notmatch 'selfsubjectaccessreviews' }) }

    function Invoke-Steps {
        <#
        Runs the steps in order as one user, stopping at the first that throws or writes an error. A step's check (given
        its output) returns a reason when the answer is wrong. Returns every step's record.
        #>
        param($Server, [object[]] $Steps)
        $records = foreach ($step in $Steps) {
            $before = (Get-Write $Server).Count
            $all = @(); $thrown = @()
            try { $all = @(& $step.Run 2>&1 3>&1) }
            catch { $thrown = @($_) }
            $errors = @($thrown) + @($all | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
            $warn = @($all | Where-Object { $_ -is [Management.Automation.WarningRecord] })
            $out = @($all | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] -and $_ -isnot [Management.Automation.WarningRecord] })
            $problem = if (-not $errors -and $step.Check) { & $step.Check $out }
            $record = [pscustomobject]@{
                Step = $step.Name; Errors = $errors; Warnings = @($warn); Problem = $problem
                Writes = @(Get-Write $Server | Select-Object -Skip $before); WarningText = ($warn | ForEach-Object Message) -join ' | '
            }
            $record
            if ($errors) { break }
        }
        $records
    }

    function Assert-Works {
        <# Every step ran without error. With exactly the rules: right answers, no warning. Without an optional verb: an
        answer that lacks what the verb covers must come with a warning that says so. #>
        param($Records, [int] $StepCount, [switch] $Optional)
        @($Records | Where-Object Errors | ForEach-Object { "$($_.Step): $($_.Errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" })" }) |
            Should -BeNullOrEmpty
        @($Records).Count | Should -Be $StepCount
        if ($Optional) {
            @($Records | Where-Object { $_.Problem -and -not $_.Warnings } | ForEach-Object { "$($_.Step): $($_.Problem)" }) |
                Should -BeNullOrEmpty -Because 'a short answer says why, in a warning'
        }
        else {
            @($Records | Where-Object Problem | ForEach-Object { "$($_.Step): $($_.Problem)" }) | Should -BeNullOrEmpty
            @($Records | ForEach-Object { $_.Warnings } | Where-Object { $_ }) | Should -BeNullOrEmpty
        }
    }

    function Assert-FailsCleanly($Records) {
        $failed = @($Records | Where-Object { $_.Errors -or $_.Problem })
        $failed.Count | Should -BeGreaterThan 0 -Because 'a step must refuse when a needed right is missing'
        $f = $failed[0]
        $f.Problem | Should -BeNullOrEmpty -Because "$($f.Step) must say it failed with an error, not answer wrongly (warnings: $($f.WarningText))"
        foreach ($e in $f.Errors) {
            $id = ($e.FullyQualifiedErrorId -split ',')[0]
            # InsufficientRights: the preflight refused the writes; Forbidden: a read the cmdlet needs first was refused.
            $id | Should -BeIn @('InsufficientRights', 'Forbidden') -Because "$($f.Step) gives a stable ErrorId ($($e.FullyQualifiedErrorId))"
            $e.Exception.Message | Should -Not -Match '\n\s+at ' -Because 'no stack trace'
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        }
        $f.Writes | Should -BeNullOrEmpty -Because "$($f.Step) must refuse before its first write"
    }
}

Describe 'examples/rbac manifests' {
    It 'reads <_>.yaml as one role with its bindings, whose optional verbs are rules of it' -ForEach 'inventory', 'publish', 'sync' {
        $m = Get-RbacManifest (Join-Path $rbacDir "$_.yaml")
        $m.Rules.Count | Should -BeGreaterThan 0
        $m.Subjects.Count | Should -BeGreaterThan 0
        foreach ($o in $m.Optional) { $m.Grants | Should -Contain $o }
    }

    It 'binds inventory cluster-wide, publish and sync per namespace' {
        (Get-RbacManifest (Join-Path $rbacDir 'inventory.yaml')).ClusterWide | Should -BeTrue
        foreach ($use in 'publish', 'sync') {
            $m = Get-RbacManifest (Join-Path $rbacDir "$use.yaml")
            $m.ClusterWide | Should -BeFalse
            $m.BoundNamespaces.Count | Should -BeGreaterThan 0
        }
    }

    It 'gives sync exactly what publish has, plus Leases and the optional cert-manager rights' {
        $publish = Get-RbacManifest (Join-Path $rbacDir 'publish.yaml')
        $sync = Get-RbacManifest (Join-Path $rbacDir 'sync.yaml')
        $certManager = @('get certificates.cert-manager.io', 'list certificates.cert-manager.io', 'update certificates/status.cert-manager.io')
        @($sync.Grants | Where-Object { $_ -notlike '* leases.coordination.k8s.io' -and $_ -notin $certManager }) | Should -Be $publish.Grants
        @($sync.Optional | Where-Object { $_ -notin $certManager }) | Should -Be @($publish.Optional)
        @($sync.Grants | Where-Object { $_ -in $certManager } | Sort-Object) | Should -Be $certManager
        @($sync.Optional | Where-Object { $_ -in $certManager } | Sort-Object) | Should -Be $certManager
        @($sync.Grants | Where-Object { $_ -like '* leases.coordination.k8s.io' } | Sort-Object) |
            Should -Be @('create leases.coordination.k8s.io', 'delete leases.coordination.k8s.io', 'get leases.coordination.k8s.io', 'update leases.coordination.k8s.io')
    }

    It 'is what about_IngressCerts points at' {
        $about = Get-Content (Join-Path $PSScriptRoot '../../module/en-US/about_IngressCerts.help.txt') -Raw
        $about | Should -Match 'examples/rbac/'
        $readme = Get-Content (Join-Path $PSScriptRoot '../../README.md') -Raw
        $readme | Should -Match 'examples/rbac/'
    }
}

Describe 'inventory.yaml: cluster-wide read' {
    BeforeAll {
        if ($onRealCluster) { return }
        $rbac = Start-RbacServer (Get-RbacManifest (Join-Path $rbacDir 'inventory.yaml')) 'inv'
        $admin = @{ KubeConfigPath = $rbac.Server.KubeConfig; Context = $rbac.Server.Context }
        $ns = New-TestNamespace $rbac.Cluster 'inv-data-'
        Add-ClusterObject $rbac.Cluster (ConvertTo-IngressObject $ns 'shop' @('shop.contoso.example') 'shop-tls')
        foreach ($i in 1, 2) {
            (New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example').Certificate |
                Publish-IngressCertificate @admin -Namespace $ns -SecretName shop-tls | Out-Null
        }
        New-IngressCertificateRequest @admin -Namespace $ns -SecretName next-tls -Host next.contoso.example | Out-Null
        # A Gateway in its own namespace serving a Secret of $ns, which a ReferenceGrant there allows.
        $edge = New-TestNamespace $rbac.Cluster 'inv-edge-'
        Add-ClusterObject $rbac.Cluster (ConvertTo-SecretObject $ns 'wild-tls' (New-TestCertificate -Subject 'CN=*.apps.contoso.example' -DnsName '*.apps.contoso.example'))
        Add-ClusterObject $rbac.Cluster (ConvertTo-GatewayObject $edge 'gw' '*.apps.contoso.example' $ns 'wild-tls')
        Add-ClusterObject $rbac.Cluster (ConvertTo-ReferenceGrantObject $ns -From $edge)
        $expected = @(Get-IngressCertificate @admin -Namespace $ns, $edge | Sort-Object Kind, Name | ForEach-Object { "$($_.Kind) $($_.Name) $($_.Status) $($_.Thumbprint)" })
        $expected.Count | Should -Be 2
        function Get-InventorySteps([hashtable] $kc) {
            @{ Name = 'Get-IngressCertificate -AllNamespaces'; Run = { Get-IngressCertificate @kc -AllNamespaces }
                Check = { param($o) $seen = @($o | Where-Object Namespace -In $ns, $edge | Sort-Object Kind, Name | ForEach-Object { "$($_.Kind) $($_.Name) $($_.Status) $($_.Thumbprint)" }); if (Compare-Object $seen $expected) { "saw [$($seen -join '; ')], not [$($expected -join '; ')]" } } }
            @{ Name = 'Get-IngressCertificate -Namespace wildcard'; Run = { Get-IngressCertificate @kc -Namespace 'inv-data-*' }
                Check = { param($o) if (@($o | Where-Object Namespace -EQ $ns).Count -ne 1) { 'did not find the Ingress through the wildcard' } } }
            @{ Name = 'Test-IngressCertificate -Kind Gateway'; Run = { Test-IngressCertificate @kc -Kind Gateway -Namespace $edge -Name gw }
                Check = { param($o) if ($o -ne $true) { "answered $o" } } }
            @{ Name = 'Test-IngressCertificate'; Run = { Test-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -IngressName shop }
                Check = { param($o) if ($o -ne $true) { "answered $o" } } }
            @{ Name = 'Get-IngressCertificateHistory'; Run = { Get-IngressCertificateHistory @kc -Namespace $ns -SecretName shop-tls }
                Check = { param($o) if (@($o).Count -ne 1) { "found $(@($o).Count) history entries, not 1" } } }
            @{ Name = 'Get-IngressCertificateRequest -AllNamespaces'; Run = { Get-IngressCertificateRequest @kc -AllNamespaces }
                Check = { param($o) if (@($o | Where-Object SecretName -EQ 'next-tls').Count -ne 1) { 'did not find the pending request' } } }
        }
    }
    AfterAll { if ($rbac) { Stop-KubeTestServer $rbac.Server } }

    It 'works with exactly its rules' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases['']
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }
        Assert-Works (Invoke-Steps $rbac.Server (Get-InventorySteps $kc)) 6
    }

    It 'without <Grant>: <Expect>' -ForEach $cases.inventory {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases[$Grant]
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }
        $records = Invoke-Steps $rbac.Server (Get-InventorySteps $kc)
        if ($Optional) { Assert-Works $records 6 -Optional } else { Assert-FailsCleanly $records }
    }
}

Describe 'publish.yaml: write in the bound namespaces' {
    BeforeAll {
        if ($onRealCluster) { return }
        $manifest = Get-RbacManifest (Join-Path $rbacDir 'publish.yaml')
        $rbac = Start-RbacServer $manifest 'pub'
        foreach ($c in $rbac.Cases.Values) {
            Add-ClusterObject $rbac.Cluster @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $c.Namespace } }
            Add-ClusterObject $rbac.Cluster (ConvertTo-IngressObject $c.Namespace 'shop' @() $null -RuleHosts 'shop.contoso.example')
            Add-ClusterObject $rbac.Cluster (ConvertTo-IngressObject $c.Namespace 'solo' @() $null -RuleHosts 'solo.contoso.example')
        }
        $ca = New-TestCertificate -Subject 'CN=Rbac Test CA' -CertificateAuthority -Days 3650
        $caFile = Join-Path $TestDrive 'rbac-ca.pem'; Set-Content $caFile $ca.CertPem
        function New-Leaf([string] $HostName) { (New-TestCertificate -Subject "CN=$HostName" -DnsName $HostName).Certificate }
        function Invoke-Ca([string] $Csr) {
            $request = [CertificateRequest]::LoadSigningRequestPem($Csr, [HashAlgorithmName]::SHA256, [CertificateRequestLoadOptions]::UnsafeLoadCertificateExtensions)
            $issued = [CertificateRequest]::new($request.SubjectName, $request.PublicKey, [HashAlgorithmName]::SHA256)
            foreach ($e in $request.CertificateExtensions) { if ($e.Oid.Value -eq '2.5.29.17') { $issued.CertificateExtensions.Add($e) } }
            $serial = [byte[]]::new(12); [RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7F
            $issued.Create($ca.Certificate.SubjectName, [X509SignatureGenerator]::CreateForECDsa($ca.Key), [DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(90), $serial).ExportCertificatePem()
        }
        # Everything the manifest is for, in the order a user meets it: publish (create, replace, prune history), undo
        # (restore), a certificate request completed and one removed, and a publish that created a Secret taken back.
        function Get-PublishSteps {
            # $kc and $ns come from the calling It (the steps run later, in its scope).
            @{ Name = 'Publish (creates, wires)'; Run = { New-Leaf shop.contoso.example | Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -IngressName shop }
                Check = { param($o) if ($o.Action -ne 'Created') { "Action $($o.Action)" } } }
            @{ Name = 'Publish (replaces)'; Run = { New-Leaf shop.contoso.example | Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls }
                Check = { param($o) if ($o.Action -ne 'Updated') { "Action $($o.Action)" } } }
            @{ Name = 'Publish (replaces, prunes history)'; Run = { New-Leaf shop.contoso.example | Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls }
                Check = { param($o) if ($o.Action -ne 'Updated') { "Action $($o.Action)" } } }
            @{ Name = 'Undo (restores)'; Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -Confirm:$false } }
            @{ Name = 'New-IngressCertificateRequest'; Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName shop-tls -IngressName shop }
                Check = { param($o) if (-not $o.Csr) { 'no CSR' } else { $script:csr = $o.Csr; $null } } }
            @{ Name = 'Complete-IngressCertificateRequest'; Run = { Complete-IngressCertificateRequest @kc -Namespace $ns -SecretName shop-tls -CertificatePem (Invoke-Ca $script:csr) -ChainPem $ca.CertPem -TrustedRootPath $caFile }
                Check = { param($o) if ($o.Action -ne 'Updated') { "Action $($o.Action)" } } }
            @{ Name = 'New-IngressCertificateRequest (to cancel)'; Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName next-tls -Host next.contoso.example } }
            @{ Name = 'Remove-IngressCertificateRequest'; Run = { Remove-IngressCertificateRequest @kc -Namespace $ns -SecretName next-tls -Confirm:$false } }
            @{ Name = 'Publish (creates solo)'; Run = { New-Leaf solo.contoso.example | Publish-IngressCertificate @kc -Namespace $ns -SecretName solo-tls -IngressName solo }
                Check = { param($o) if ($o.Action -ne 'Created') { "Action $($o.Action)" } } }
            @{ Name = 'Undo (deletes solo, unwires)'; Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName solo-tls -Confirm:$false } }
        }
        $stepCount = 10
    }
    AfterAll { if ($rbac) { Stop-KubeTestServer $rbac.Server } }

    It 'works with exactly its rules' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases['']
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        Assert-Works (Invoke-Steps $rbac.Server (Get-PublishSteps)) $stepCount
    }

    It 'without <Grant>: <Expect>' -ForEach $cases.publish {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases[$Grant]
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        $records = Invoke-Steps $rbac.Server (Get-PublishSteps)
        if ($Optional) { Assert-Works $records $stepCount -Optional } else { Assert-FailsCleanly $records }
    }
}

Describe 'publish.yaml: the rules only Gateway delivery needs' {
    # Marked optional in publish.yaml (every other use works without them, proven above); here the Gateway path runs
    # with exactly the rules, then without each Gateway verb it uses in one namespace, and must fail cleanly.
    BeforeAll {
        if ($onRealCluster) { return }
        $manifest = Get-RbacManifest (Join-Path $rbacDir 'publish.yaml')
        $rbac = Start-RbacServer $manifest 'gwpub'
        foreach ($c in $rbac.Cases.Values) {
            Add-ClusterObject $rbac.Cluster @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $c.Namespace } }
            Add-ClusterObject $rbac.Cluster (ConvertTo-GatewayObject $c.Namespace 'gw' 'shop.contoso.example' $c.Namespace 'old-tls')
        }
        function New-Leaf([string] $HostName) { (New-TestCertificate -Subject "CN=$HostName" -DnsName $HostName).Certificate }
        function Get-GatewaySteps {
            @{ Name = 'Publish -GatewayName (creates, wires the listener)'; Run = { New-Leaf shop.contoso.example | Publish-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -GatewayName gw }
                Check = { param($o) if ($o.Action -ne 'Created' -or "$($o.Listeners)" -ne 'https') { "Action $($o.Action), listeners $($o.Listeners)" } } }
            @{ Name = 'Undo (unwires, deletes)'; Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName shop-tls -Confirm:$false }
                Check = { param($o) if ($o.Action -ne 'Deleted' -or "$($o.Listeners)" -ne 'https') { "Action $($o.Action), listeners $($o.Listeners)" } } }
        }
    }
    AfterAll { if ($rbac) { Stop-KubeTestServer $rbac.Server } }

    It 'works with exactly its rules' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases['']
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        Assert-Works (Invoke-Steps $rbac.Server (Get-GatewaySteps)) 2
    }

    It 'without <_>: fails cleanly before any write' -ForEach 'get gateways.gateway.networking.k8s.io', 'update gateways.gateway.networking.k8s.io' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases[$_]
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        Assert-FailsCleanly (Invoke-Steps $rbac.Server (Get-GatewaySteps))
    }
}

Describe 'sync.yaml: the rules Sync needs besides a publish''s' {
    # sync.yaml is publish.yaml plus the Leases (checked above), and publish.yaml's rules are proven above: here a Sync
    # runs as a user with exactly sync.yaml's rules, then once without each Lease verb (get, create, update, and delete,
    # by which a Lease is released) and without delete secrets
    # (the pending key goes once its certificate is published; without that right Sync refuses before its first write).
    BeforeAll {
        if ($onRealCluster) { return }
        $manifest = Get-RbacManifest (Join-Path $rbacDir 'sync.yaml')
        $rbac = Start-RbacServer $manifest 'sync'
        foreach ($c in $rbac.Cases.Values) {
            Add-ClusterObject $rbac.Cluster @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $c.Namespace } }
            # An Ingress that names a Secret nobody made yet: Sync creates it.
            Add-ClusterObject $rbac.Cluster (ConvertTo-IngressObject $c.Namespace 'shop' @('shop.contoso.example') 'shop-tls')
            # A Secret of cert-manager's that expires in 5 days: -RenewCertManager asks cert-manager to re-issue it.
            $due = New-TestCertificate -Subject 'CN=blog.contoso.example' -DnsName 'blog.contoso.example' -Days 5 -DaysAgo 80
            Add-ClusterObject $rbac.Cluster (ConvertTo-SecretObject $c.Namespace 'blog-tls' $due -Annotations @{ 'cert-manager.io/certificate-name' = 'blog' })
            Add-ClusterObject $rbac.Cluster (ConvertTo-IngressObject $c.Namespace 'blog' @('blog.contoso.example') 'blog-tls')
            Add-ClusterObject $rbac.Cluster @{ apiVersion = 'cert-manager.io/v1'; kind = 'Certificate'; metadata = @{ name = 'blog'; namespace = $c.Namespace }
                spec = @{ secretName = 'blog-tls'; dnsNames = @('blog.contoso.example'); issuerRef = @{ name = 'letsencrypt'; kind = 'ClusterIssuer' } } }
        }
        $root = New-TestCertificate -Subject 'CN=Rbac Sync Root' -CertificateAuthority -Days 3650
        $issuing = New-TestCertificate -Subject 'CN=Rbac Sync Issuing CA' -CertificateAuthority -Issuer $root -Days 1000
        # The CA answers with its chain, and the runbook trusts its private root: a clean run has no warning.
        $issuer = { param($Request) (Invoke-TestCaSigning -Root $root -Intermediate $issuing -Csr $Request.Csr).CertPem + "`n" + $issuing.CertPem }.GetNewClosure()
        $rootPem = Join-Path $TestDrive 'rbac-sync-root.pem'
        Set-Content $rootPem $root.CertPem
        function Get-SyncSteps {
            @{ Name = 'Sync (creates the missing Secret)'; Run = { Sync-IngressCertificate @kc -Namespace $ns -Name shop -Issuer $issuer -TrustedRootPath $rootPem }
                Check = { param($o) $r = @($o | Where-Object { $_.PSObject.TypeNames -contains 'IngressCerts.SyncResult' }); if ($r.Action -ne 'Created') { "Action $($r.Action): $($r.Reason)" } } }
        }
        function Get-RenewCertManagerSteps {
            @{ Name = 'Sync -RenewCertManager (asks cert-manager)'; Run = { Sync-IngressCertificate @kc -Namespace $ns -Name blog -RenewCertManager }
                Check = { param($o) $r = @($o | Where-Object { $_.PSObject.TypeNames -contains 'IngressCerts.SyncResult' }); if ($r.Action -ne 'Requested') { "Action $($r.Action): $($r.Reason)" } } }
        }
    }
    AfterAll { if ($rbac) { Stop-KubeTestServer $rbac.Server } }

    It 'works with exactly its rules' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases['']
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        Assert-Works (Invoke-Steps $rbac.Server (Get-SyncSteps)) 1
    }

    It 'without <Grant>: fails cleanly before any write' -ForEach $cases.syncOwn {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases[$Grant]
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        Assert-FailsCleanly (Invoke-Steps $rbac.Server (Get-SyncSteps))
    }

    It '-RenewCertManager works with exactly its rules' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases['']
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        Assert-Works (Invoke-Steps $rbac.Server (Get-RenewCertManagerSteps)) 1
    }

    It '-RenewCertManager without <Grant>: fails cleanly before any write, and Sync without the switch still works' -ForEach $cases.syncCertManager {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'users with rules exist only on the test server'; return }
        $c = $rbac.Cases[$Grant]
        $kc = @{ KubeConfigPath = $c.KubeConfig; Context = $rbac.Server.Context }; $ns = $c.Namespace
        Assert-FailsCleanly (Invoke-Steps $rbac.Server (Get-RenewCertManagerSteps))
        Assert-Works (Invoke-Steps $rbac.Server (Get-SyncSteps)) 1
    }
}

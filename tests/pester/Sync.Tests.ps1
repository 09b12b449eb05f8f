# Sync-IngressCertificate end to end against the test server (or a real cluster), with a CA implemented here: what is due
# is renewed, what is missing is created, what is fine is left alone, and overlapping runs renew each target once.
using namespace System.Security.Cryptography
using namespace System.Security.Cryptography.X509Certificates

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'sync'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $root = New-TestCertificate -Subject 'CN=Sync Root CA' -CertificateAuthority -Days 3650
    $intermediate = New-TestCertificate -Subject 'CN=Sync Issuing CA' -CertificateAuthority -Issuer $root -Days 1000

    # A CA script block that signs every request and remembers which Secrets it was asked for.
    function New-CountingCa($Calls) {
        $r = $root; $i = $intermediate
        { param($Request) $Calls.Add($Request.SecretName); (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem + "`n" + $i.CertPem }.GetNewClosure()
    }
    function Add-DueTarget([string] $Namespace, [string] $Name, [string[]] $Hosts, [int] $Days = 5, [string[]] $CertHosts = $Hosts) {
        $old = New-TestCertificate -Subject "CN=$($Hosts[0])" -DnsName $CertHosts -Days $Days -DaysAgo 80 -Issuer $intermediate
        Add-ClusterObject $cluster (ConvertTo-SecretObject $Namespace "$Name-tls" $old)
        Add-ClusterObject $cluster (ConvertTo-IngressObject $Namespace $Name $Hosts "$Name-tls")
        $old
    }
    function Get-Secret([string] $Namespace, [string] $Name) { try { Get-ClusterObject $cluster "/api/v1/namespaces/$Namespace/secrets/$Name" } catch { $null } }
    function Get-SecretLeaf([string] $Namespace, [string] $Name) {
        $s = Get-Secret $Namespace $Name
        if ($s) { [X509Certificate2]::CreateFromPem([Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($s.data.'tls.crt'))) }
    }
    function Get-Lease([string] $Namespace, [string] $Secret) {
        try { Get-ClusterObject $cluster "/apis/coordination.k8s.io/v1/namespaces/$Namespace/leases/$Secret-ingresscerts-sync" } catch { $null }
    }
    # SHA-256 of the certificate's SubjectPublicKeyInfo, as a request names its key.
    function Get-LeafKeyHash($Leaf) {
        $k = $Leaf.PublicKey.GetECDsaPublicKey() ?? $Leaf.PublicKey.GetRSAPublicKey()
        [Convert]::ToHexString([SHA256]::HashData($k.ExportSubjectPublicKeyInfo()))
    }
    function Get-WriteCount { if ($cluster.IsReal) { 0 } else { @(Get-TestServerWrite $cluster.Server | Where-Object { $_ -notmatch 'accessreviews' }).Count } }
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe 'Sync-IngressCertificate with -Issuer' {
    BeforeAll {
        $ns = New-TestNamespace $cluster 'sync-'
        $dueOld = Add-DueTarget $ns 'due' 'due.contoso.example'
        $fineOld = Add-DueTarget $ns 'fine' 'fine.contoso.example' -Days 200
        # A host added to the Ingress: the certificate covers only the first.
        $grownOld = Add-DueTarget $ns 'grown' 'grown.contoso.example', 'new.contoso.example' -Days 200 -CertHosts 'grown.contoso.example'
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'fresh' 'fresh.contoso.example' 'fresh-tls')
    }

    It '-WhatIf shows the plan per target, never calls the block and writes nothing' {
        $calls = [Collections.Generic.List[string]]::new()
        $before = Get-WriteCount
        $shown = Sync-IngressCertificate @kc -Namespace $ns -Issuer (New-CountingCa $calls) -WhatIf -InformationAction SilentlyContinue 6>&1 | Out-String
        $calls.Count | Should -Be 0
        Get-WriteCount | Should -Be $before
        (Get-Secret $ns 'fresh-tls') | Should -BeNullOrEmpty
        @(Get-IngressCertificateRequest @kc -Namespace $ns).Count | Should -Be 0
    }

    It 'renews the due target, creates the missing Secret, reissues for an added host and leaves the fine one, showing no key' {
        $calls = [Collections.Generic.List[string]]::new()
        $all = Sync-IngressCertificate @kc -Namespace $ns -Issuer (New-CountingCa $calls) -Verbose -Debug *>&1
        $results = @($all | Where-Object { $_.PSObject.TypeNames[0] -eq 'IngressCerts.SyncResult' })
        $byName = @{}; foreach ($r in $results) { $byName[$r.Name] = $r }
        $results.Count | Should -Be 4
        $byName.due.Action | Should -Be 'Renewed'
        $byName.due.PreviousThumbprint | Should -Be $dueOld.Certificate.Thumbprint
        $byName.fresh.Action | Should -Be 'Created'
        $byName.grown.Action | Should -Be 'Renewed'
        $byName.fine.Action | Should -Be 'Unchanged'
        @($calls | Sort-Object) | Should -Be @('due-tls', 'fresh-tls', 'grown-tls')
        (Get-SecretLeaf $ns 'due-tls').Thumbprint | Should -Be $byName.due.Thumbprint
        (Get-SecretLeaf $ns 'fresh-tls').NotAfter | Should -BeGreaterThan ([datetime]::UtcNow.AddDays(80))
        $grown = Get-SecretLeaf $ns 'grown-tls'
        $grown.MatchesHostname('grown.contoso.example') | Should -BeTrue
        $grown.MatchesHostname('new.contoso.example') | Should -BeTrue
        (Get-SecretLeaf $ns 'fine-tls').Thumbprint | Should -Be $fineOld.Certificate.Thumbprint
        # The chain ends at the test CA, whose root is not trusted here: a warning, which -Debug (Inquire for warnings
        # in a compiled cmdlet) must not turn into a failed prompt in this NonInteractive session.
        ($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | Out-String) | Should -Match 'not a trusted root'
        # The summary goes to the Information stream.
        ($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] } | Out-String) | Should -Match '4 reference\(s\): 1 Created, 2 Renewed, 1 Unchanged'
        # Pending keys are gone (each was completed) and no Lease is left held.
        @(Get-IngressCertificateRequest @kc -Namespace $ns).Count | Should -Be 0
        foreach ($s in 'due-tls', 'fresh-tls', 'grown-tls') { (Get-Lease $ns $s).spec.holderIdentity | Should -BeNullOrEmpty }
        # No key in any stream.
        $keyBody = ([Text.Encoding]::ASCII.GetString([Convert]::FromBase64String((Get-Secret $ns 'due-tls').data.'tls.key')) -split "`n")[1].Substring(5, 40)
        $shown = ($all | Out-String) + ($results | Format-List * | Out-String)
        $shown | Should -Not -Match ('PRIVATE' + ' KEY')
        $shown.Contains($keyBody) | Should -BeFalse
    }

    It '-TrustedRootPath judges the chain of what it publishes against the private root, as Publish does' {
        $trust = New-TestNamespace $cluster 'sync-trust-'
        $null = Add-DueTarget $trust 'one' 'one.contoso.example'
        $null = Add-DueTarget $trust 'two' 'two.contoso.example' -Days 40
        $rootPem = Join-Path $TestDrive 'sync-root.pem'; Set-Content $rootPem $root.CertPem
        $calls = [Collections.Generic.List[string]]::new()
        $trusted = @(Sync-IngressCertificate @kc -Namespace $trust -Name one -Issuer (New-CountingCa $calls) -TrustedRootPath $rootPem -WarningVariable w1 -WarningAction SilentlyContinue -InformationAction SilentlyContinue)
        $trusted.Action | Should -Be 'Renewed'
        ($w1 -join "`n") | Should -Not -Match 'trusted root'
        $untrusted = @(Sync-IngressCertificate @kc -Namespace $trust -Name two -RenewWithinDays 60 -Issuer (New-CountingCa $calls) -WarningVariable w2 -WarningAction SilentlyContinue -InformationAction SilentlyContinue)
        $untrusted.Action | Should -Be 'Renewed'
        ($w2 -join "`n") | Should -Match 'two-tls.*not a trusted root'
        { Sync-IngressCertificate @kc -Namespace $trust -Issuer (New-CountingCa $calls) -TrustedRootPath (Join-Path $TestDrive 'no-such-root.pem') } |
            Should -Throw -ErrorId 'InvalidTrustedRoot*'
    }

    It 'two Ingresses naming one Secret get one certificate for both hosts and a row each' {
        $shared = New-TestNamespace $cluster 'sync-shared-'
        $old = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example' -Days 200 -DaysAgo 10 -Issuer $intermediate
        Add-ClusterObject $cluster (ConvertTo-SecretObject $shared 'shared-tls' $old)
        Add-ClusterObject $cluster (ConvertTo-IngressObject $shared 'shop' 'shop.contoso.example' 'shared-tls')
        Add-ClusterObject $cluster (ConvertTo-IngressObject $shared 'blog' 'blog.contoso.example' 'shared-tls')
        $calls = [Collections.Generic.List[string]]::new()
        $results = @(Sync-IngressCertificate @kc -Namespace $shared -Issuer (New-CountingCa $calls) -WarningAction SilentlyContinue -InformationAction SilentlyContinue)
        $calls.Count | Should -Be 1
        @($results.Name | Sort-Object) | Should -Be @('blog', 'shop')
        @($results.Action | Sort-Object -Unique) | Should -Be @('Renewed')
        @($results.Thumbprint | Sort-Object -Unique).Count | Should -Be 1
        $leaf = Get-SecretLeaf $shared 'shared-tls'
        $leaf.Thumbprint | Should -Be $results[0].Thumbprint
        $leaf.MatchesHostname('shop.contoso.example') | Should -BeTrue
        $leaf.MatchesHostname('blog.contoso.example') | Should -BeTrue
        $rootPem = Join-Path $TestDrive 'shared-root.pem'; Set-Content $rootPem $root.CertPem
        @(Get-IngressCertificate @kc -Namespace $shared -TrustedRootPath $rootPem | Where-Object Status -NE 'Valid') | Should -BeNullOrEmpty
    }

    It 'a second run finds nothing due and calls the CA no more' {
        $calls = [Collections.Generic.List[string]]::new()
        $results = @(Get-IngressCertificate @kc -Namespace $ns | Sync-IngressCertificate @kc -Issuer (New-CountingCa $calls) -InformationAction SilentlyContinue)
        $calls.Count | Should -Be 0
        @($results | Where-Object Action -ne 'Unchanged').Count | Should -Be 0
    }

    It 'with a slow CA, the first run is Requested and the second completes it with the same key' {
        $slow = New-TestNamespace $cluster 'sync-slow-'
        $null = Add-DueTarget $slow 'slow' 'slow.contoso.example'
        $state = @{ Issue = $false; Keys = [Collections.Generic.List[string]]::new() }
        $r = $root; $i = $intermediate
        $ca = { param($Request) $state.Keys.Add($Request.PublicKeySha256); if ($state.Issue) { (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem } }.GetNewClosure()
        $first = Sync-IngressCertificate @kc -Namespace $slow -Issuer $ca -InformationAction SilentlyContinue
        $first.Action | Should -Be 'Requested'
        @(Get-IngressCertificateRequest @kc -Namespace $slow).Count | Should -Be 1
        $state.Issue = $true
        $second = Sync-IngressCertificate @kc -Namespace $slow -Issuer $ca -InformationAction SilentlyContinue
        $second.Action | Should -Be 'Renewed'
        $state.Keys.Count | Should -Be 2
        $state.Keys[1] | Should -Be $state.Keys[0]
        @(Get-IngressCertificateRequest @kc -Namespace $slow).Count | Should -Be 0
    }

    It 'a CA that fails is a Failed row and a non-terminating error; the other targets go on' {
        $failing = New-TestNamespace $cluster 'sync-fail-'
        $null = Add-DueTarget $failing 'one' 'one.contoso.example'
        $null = Add-DueTarget $failing 'two' 'two.contoso.example'
        $r = $root; $i = $intermediate
        $ca = { param($Request) if ($Request.SecretName -eq 'one-tls') { throw 'CA is down' }; (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem }.GetNewClosure()
        $results = @(Sync-IngressCertificate @kc -Namespace $failing -Issuer $ca -ErrorVariable e -ErrorAction SilentlyContinue -InformationAction SilentlyContinue)
        ($results | Where-Object Name -eq 'one').Action | Should -Be 'Failed'
        ($results | Where-Object Name -eq 'one').ErrorId | Should -Be 'IssuerFailed'
        ($results | Where-Object Name -eq 'two').Action | Should -Be 'Renewed'
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'IssuerFailed,*'
    }

    It 'with -ErrorAction Stop, one failing target among several: every other is renewed, then the error stops the command, and nothing is left held' {
        $stop = New-TestNamespace $cluster 'sync-stop-'
        $names = 'a', 'b', 'c', 'd', 'e', 'f'
        foreach ($n in $names) { $null = Add-DueTarget $stop $n "$n.contoso.example" }
        $r = $root; $i = $intermediate
        # The first target asked fails, whichever it is, so the error comes while the others are still to do.
        $asked = [Collections.Generic.List[string]]::new()
        $ca = { param($Request) $asked.Add($Request.SecretName); if ($asked.Count -eq 1) { throw 'CA is down' }; (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem }.GetNewClosure()
        $results = [Collections.Generic.List[object]]::new()
        $thrown = $null
        try { Sync-IngressCertificate @kc -Namespace $stop -Issuer $ca -ThrottleLimit 2 -ErrorAction Stop -InformationAction SilentlyContinue | ForEach-Object { $results.Add($_) } }
        catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike 'IssuerFailed,*'
        $failed = $asked[0] -replace '-tls$'
        # Every result was written before the error, and every other target was renewed.
        $results.Count | Should -Be 6
        ($results | Where-Object Name -EQ $failed).Action | Should -Be 'Failed'
        @($results | Where-Object Name -NE $failed | Where-Object Action -EQ 'Renewed').Count | Should -Be 5
        foreach ($n in $names | Where-Object { $_ -ne $failed }) { (Get-SecretLeaf $stop "$n-tls").NotAfter | Should -BeGreaterThan (Get-Date).AddDays(30) }
        # No Lease held and no pending key left, but the failed target's (the next run asks the CA again with it).
        foreach ($n in $names) { (Get-Lease $stop "$n-tls").spec.holderIdentity | Should -BeNullOrEmpty }
        @(Get-IngressCertificateRequest @kc -Namespace $stop | Where-Object SecretName -NE "$failed-tls").Count | Should -Be 0
    }

    It 'a run stopped while targets are in flight releases their Leases, keeps only requests the CA answered and not yet published, and the next run completes them with their keys' {
        $halt = New-TestNamespace $cluster 'sync-halt-'
        $names = 'a', 'b', 'c', 'd', 'e', 'f'
        $old = @{}
        foreach ($n in $names) { $old[$n] = (Add-DueTarget $halt $n "$n.contoso.example").Certificate.Thumbprint }
        $r = $root; $i = $intermediate
        $ca = { param($Request) (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem }.GetNewClosure()
        # The pipeline stops at the first result (Select-Object -First 1) while the other workers are mid-target.
        $first = @(Sync-IngressCertificate @kc -Namespace $halt -Issuer $ca -ThrottleLimit 4 -InformationAction SilentlyContinue -WarningAction SilentlyContinue | Select-Object -First 1)
        $first.Count | Should -Be 1
        foreach ($n in $names) { (Get-Lease $halt "$n-tls").spec.holderIdentity | Should -BeNullOrEmpty -Because "the Lease of $n-tls is released" }
        # A request left pending is one the CA answered whose certificate was not published: its Secret is as it was.
        $kept = @(Get-IngressCertificateRequest @kc -Namespace $halt)
        foreach ($k in $kept) { (Get-SecretLeaf $halt $k.SecretName).Thumbprint | Should -Be $old[$k.SecretName -replace '-tls$'] -Because "$($k.SecretName) keeps its request only while unpublished" }

        # The next run renews the rest; each kept request is completed with its own key (no second key).
        $again = @(Sync-IngressCertificate @kc -Namespace $halt -Issuer $ca -InformationAction SilentlyContinue -WarningAction SilentlyContinue)
        @($again | Where-Object Action -NotIn 'Renewed', 'Unchanged').Count | Should -Be 0
        foreach ($n in $names) { (Get-SecretLeaf $halt "$n-tls").NotAfter | Should -BeGreaterThan (Get-Date).AddDays(30) }
        foreach ($k in $kept) { Get-LeafKeyHash (Get-SecretLeaf $halt $k.SecretName) | Should -Be $k.PublicKeySha256 }
        @(Get-IngressCertificateRequest @kc -Namespace $halt).Count | Should -Be 0
    }

    It 'Ctrl+C while -Issuer runs keeps the request pending and releases the Lease; the next run completes it without a second key' {
        $ctrlc = New-TestNamespace $cluster 'sync-ctrlc-'
        $before = (Add-DueTarget $ctrlc 'held' 'held.contoso.example').Certificate.Thumbprint
        # Shared with the other runspace: the CA puts the request's key here, then works (up to 2 minutes) until stopped.
        $state = [hashtable]::Synchronized(@{ Key = $null; Ended = $false })
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $KubeConfig, $Context, $Namespace, $State)
                    Import-Module $Module
                    $issuer = { param($Request) $State.Key = $Request.PublicKeySha256; for ($n = 0; $n -lt 1200; $n++) { Start-Sleep -Milliseconds 100 }; $State.Ended = $true }.GetNewClosure()
                    Sync-IngressCertificate -KubeConfigPath $KubeConfig -Context $Context -Namespace $Namespace -InformationAction SilentlyContinue -Issuer $issuer
                }.ToString()).AddParameters(@{ Module = (Get-BuiltModulePath); KubeConfig = $cluster.KubeConfig; Context = $cluster.Context; Namespace = $ctrlc; State = $state })
            $handle = $ps.BeginInvoke()
            while (-not $state.Key -and -not $handle.IsCompleted) { Start-Sleep -Milliseconds 50 }
            # (Not $ps.Streams.Error here: enumerating a running pipeline's stream waits until it ends.)
            $handle.IsCompleted | Should -BeFalse -Because 'the block runs'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $state.Ended | Should -BeFalse -Because 'the stop came while the block ran'
        }
        finally { $ps.Dispose() }
        $key = $state.Key

        (Get-Lease $ctrlc 'held-tls').spec.holderIdentity | Should -BeNullOrEmpty
        (Get-SecretLeaf $ctrlc 'held-tls').Thumbprint | Should -Be $before
        $pending = @(Get-IngressCertificateRequest @kc -Namespace $ctrlc)
        $pending.Count | Should -Be 1
        $pending[0].PublicKeySha256 | Should -Be $key

        $keys = [Collections.Generic.List[string]]::new()
        $r = $root; $i = $intermediate
        $ca = { param($Request) $keys.Add($Request.PublicKeySha256); (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem }.GetNewClosure()
        $next = Sync-IngressCertificate @kc -Namespace $ctrlc -Issuer $ca -InformationAction SilentlyContinue -WarningAction SilentlyContinue
        $next.Action | Should -Be 'Renewed'
        @($keys) | Should -Be @($key)
        Get-LeafKeyHash (Get-SecretLeaf $ctrlc 'held-tls') | Should -Be $key
        @(Get-IngressCertificateRequest @kc -Namespace $ctrlc).Count | Should -Be 0
    }

    It '-WarningAction Stop: a warning stops the run before the warned target is written, with the stop error, no Lease held and each request consistent' {
        $warn = New-TestNamespace $cluster 'sync-warnstop-'
        $names = 'a', 'b', 'c'
        $old = @{}
        foreach ($n in $names) { $old[$n] = (Add-DueTarget $warn $n "$n.contoso.example").Certificate.Thumbprint }
        $r = $root; $i = $intermediate
        # The CA answers with the leaf only: its issuer is not in the bundle, a warning for every target.
        $ca = { param($Request) (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem }.GetNewClosure()
        $thrown = $null
        $results = [Collections.Generic.List[object]]::new()
        try { Sync-IngressCertificate @kc -Namespace $warn -Issuer $ca -ThrottleLimit 1 -WarningAction Stop -InformationAction SilentlyContinue | ForEach-Object { $results.Add($_) } }
        catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -BeLike 'ActionPreferenceStop*'
        $results.Count | Should -Be 0 -Because 'the first target warned before its write, and the run stopped there'
        $history = @($names | ForEach-Object { [pscustomobject]@{ Namespace = $warn; SecretName = "$_-tls" } } | Get-IngressCertificateHistory @kc)
        $history.Count | Should -Be 0 -Because 'nothing was written: no history copy either'
        $requests = @(Get-IngressCertificateRequest @kc -Namespace $warn)
        foreach ($n in $names) {
            (Get-Lease $warn "$n-tls").spec.holderIdentity | Should -BeNullOrEmpty
            (Get-SecretLeaf $warn "$n-tls").Thumbprint | Should -Be $old[$n]
        }
        # The warned target's request stays pending (its certificate was issued, not published); at most that one.
        $requests.Count | Should -Be 1

        # Without the stop, the next run completes it with the same key.
        $next = @(Sync-IngressCertificate @kc -Namespace $warn -Issuer $ca -WarningAction SilentlyContinue -InformationAction SilentlyContinue)
        @($next | Where-Object Action -EQ 'Renewed').Count | Should -Be 3
        foreach ($k in $requests) { Get-LeafKeyHash (Get-SecretLeaf $warn $k.SecretName) | Should -Be $k.PublicKeySha256 }
        @(Get-IngressCertificateRequest @kc -Namespace $warn).Count | Should -Be 0
    }

    It 'asks the API server 9 requests of its own per renewed target, and no more than 11.5 with the scan and the rights (test server only: its request log)' {
        if ($cluster.IsReal) { Set-ItResult -Skipped -Because 'requests are counted in the test server''s request log' ; return }
        $count = New-TestNamespace $cluster 'sync-count-'
        $names = 1..8 | ForEach-Object { "t$_" }
        foreach ($n in $names) { $null = Add-DueTarget $count $n "$n.contoso.example" }
        $r = $root; $i = $intermediate
        $ca = { param($Request) (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem + "`n" + $i.CertPem }.GetNewClosure()
        Start-Sleep -Milliseconds 500   # the request log is mirrored to its file as requests end
        $skip = @(Get-Content $cluster.Server.RequestLog).Count
        $results = @(Sync-IngressCertificate @kc -Namespace $count -Issuer $ca -ThrottleLimit 4 -InformationAction SilentlyContinue -WarningAction SilentlyContinue)
        Start-Sleep -Milliseconds 500
        @($results | Where-Object Action -EQ 'Renewed').Count | Should -Be 8
        $lines = @(Get-Content $cluster.Server.RequestLog | Select-Object -Skip $skip | Where-Object { ($_ -split "`t")[1] -match "/namespaces/$count/|selfsubjectaccessreviews" })
        $perTarget = $lines.Count / 8
        $breakdown = ($lines | ForEach-Object { $f = $_ -split "`t"; "$($f[0]) $((($f[1] -split '\?')[0]) -replace '/[^/]+$', '/x')" } | Group-Object -NoElement | ForEach-Object { "$($_.Count) $($_.Name)" }) -join '; '
        # The scan (a list per kind, shared), a Lease (take, release), the Secret read under it (and handed to the
        # publish), the pending key (create, read only when one is pending, delete on its uid), the publish (history
        # copy, history list, Ingress, replace), and the rights asked once per namespace, not per target: 9 per target
        # and 17 shared here (11.125). Before this bound: 12.5 (16, 19 and more before that).
        $perTarget | Should -BeLessOrEqual 11.5 -Because "the requests were: $breakdown"

        # Each target's own requests, pinned: those that name one of its objects (its Secret, pending key, history copy,
        # Lease or Ingress), create one, or list its history; the scan's lists and the rights reviews are the run's.
        $own = @($lines | ForEach-Object {
                $f = $_ -split "`t"
                if ((($f[1] -split '\?')[0]) -match "/namespaces/$count/(secrets|leases|ingresses)(/[^/]+)?$") {
                    $kind = $Matches[1]; $named = [bool]$Matches[2]
                    if ($named -or $f[0] -eq 'POST' -or $f[1] -match 'labelSelector') { "$($f[0]) $kind$(if ($named) { '/x' } elseif ($f[0] -eq 'GET') { ' (list)' })" }
                } })
        $mine = ($own | Group-Object -NoElement | Sort-Object Name | ForEach-Object { "$($_.Name): $($_.Count / 8)" }) -join '; '
        $mine | Should -Be 'DELETE leases/x: 1; DELETE secrets/x: 1; GET ingresses/x: 1; GET secrets (list): 1; GET secrets/x: 1; POST leases: 1; POST secrets: 2; PUT secrets/x: 1'
        $own.Count / 8 | Should -Be 9
    }

    It 'a CA answer that names no readable file, or a .NET exception in the block, fails that target only' {
        $odd = New-TestNamespace $cluster 'sync-odd-'
        $null = Add-DueTarget $odd 'nodrive' 'nodrive.contoso.example'
        $null = Add-DueTarget $odd 'dotnet' 'dotnet.contoso.example'
        $null = Add-DueTarget $odd 'good' 'good.contoso.example'
        $r = $root; $i = $intermediate
        $ca = {
            param($Request)
            switch ($Request.SecretName) {
                'nodrive-tls' { 'Q:\certs\issued.pem' }
                'dotnet-tls' { [IO.Path]::GetFullPath('') }
                default { (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem }
            }
        }.GetNewClosure()
        $results = @(Sync-IngressCertificate @kc -Namespace $odd -Issuer $ca -ErrorVariable e -ErrorAction SilentlyContinue -InformationAction SilentlyContinue)
        ($results | Where-Object Name -eq 'nodrive').ErrorId | Should -Be 'InvalidIssuerAnswer'
        ($results | Where-Object Name -eq 'dotnet').ErrorId | Should -Be 'IssuerFailed'
        ($results | Where-Object Name -eq 'good').Action | Should -Be 'Renewed'
        $e.Count | Should -Be 2
        $e | ForEach-Object { $_.Exception.Message | Should -Not -Match '\n\s+at ' }
    }
}

Describe 'Sync-IngressCertificate with -SourcePath' {
    It 'takes the newest valid certificate with its key that covers every host, among expired, wrong-host, keyless, locked and newer files' {
        $ns = New-TestNamespace $cluster 'sync-drop-'
        $host1 = 'drop.contoso.example'
        $old = Add-DueTarget $ns 'drop' $host1
        $drop = Join-Path $TestDrive 'drop'
        New-Item -ItemType Directory $drop | Out-Null
        $password = ConvertTo-SecureString 'drop-pass' -AsPlainText -Force
        $expired = New-TestCertificate -Subject "CN=$host1" -DnsName $host1 -Days -1 -DaysAgo 100 -Issuer $intermediate
        $wrongHost = New-TestCertificate -Subject 'CN=other' -DnsName 'other.contoso.example' -Days 300 -DaysAgo 0 -Issuer $intermediate
        $good = New-TestCertificate -Subject "CN=$host1" -DnsName $host1 -Days 90 -DaysAgo 2 -Issuer $intermediate
        $newest = New-TestCertificate -Subject "CN=$host1" -DnsName $host1 -Days 90 -DaysAgo 1 -Issuer $intermediate
        $keyless = New-TestCertificate -Subject "CN=$host1" -DnsName $host1 -Days 120 -DaysAgo 0 -Issuer $intermediate
        $null = New-TestPfx $expired (Join-Path $drop 'a-expired.pfx') $password
        $null = New-TestPfx $wrongHost (Join-Path $drop 'b-wrong-host.pfx') $password
        $null = New-TestPfx $good (Join-Path $drop 'c-good.pfx') $password
        Set-Content (Join-Path $drop 'd-newest.pem') ($newest.CertPem + "`n" + $newest.KeyPem) -NoNewline
        Set-Content (Join-Path $drop 'e-keyless.crt') $keyless.CertPem -NoNewline
        $null = New-TestPfx $newest (Join-Path $drop 'f-other-password.pfx') (ConvertTo-SecureString 'another' -AsPlainText -Force)
        Set-Content (Join-Path $drop 'g-garbage.pfx') 'not a pfx'

        $result = Sync-IngressCertificate @kc -Namespace $ns -SourcePath $drop -Password $password -WarningVariable w -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $result.Action | Should -Be 'Renewed'
        $result.Thumbprint | Should -Be $newest.Certificate.Thumbprint
        $result.PreviousThumbprint | Should -Be $old.Certificate.Thumbprint
        (Get-SecretLeaf $ns 'drop-tls').Thumbprint | Should -Be $newest.Certificate.Thumbprint
        ($w -join "`n") | Should -Match 'g-garbage.pfx'
        ($w -join "`n") | Should -Match 'f-other-password.pfx'

        # Nothing newer than the Secret now: a second run publishes nothing.
        $again = Sync-IngressCertificate @kc -Namespace $ns -SourcePath $drop -Password $password -RenewWithinDays 100 -WarningAction SilentlyContinue -ErrorAction SilentlyContinue -ErrorVariable e2 -InformationAction SilentlyContinue
        $again.Action | Should -Be 'Failed'
        $again.ErrorId | Should -Be 'NoCertificateAvailable'
        (Get-SecretLeaf $ns 'drop-tls').Thumbprint | Should -Be $newest.Certificate.Thumbprint
    }
}

Describe 'References that name no Secret on purpose' {
    BeforeAll {
        $ns = New-TestNamespace $cluster 'sync-nosecret-'
        $inline = New-TestCertificate -Subject 'CN=inline.contoso.example' -DnsName 'inline.contoso.example' -Days 5 -DaysAgo 80
        $served = @{}
        if ($served.Route = Test-ApiServed $cluster 'route.openshift.io/v1') {
            function New-Route([string] $Name, [hashtable] $Tls) {
                @{ apiVersion = 'route.openshift.io/v1'; kind = 'Route'; metadata = @{ name = $Name; namespace = $ns }
                    spec = @{ host = "$Name.contoso.example"; to = @{ kind = 'Service'; name = 'web' }; tls = $Tls } }
            }
            Add-ClusterObject $cluster (New-Route 'pass' @{ termination = 'passthrough' })
            Add-ClusterObject $cluster (New-Route 'inline' @{ termination = 'edge'; certificate = $inline.CertPem; key = $inline.KeyPem })
        }
        if ($served.IngressRoute = Test-ApiServed $cluster 'traefik.io/v1alpha1') {
            Add-ClusterObject $cluster @{ apiVersion = 'traefik.io/v1alpha1'; kind = 'IngressRoute'; metadata = @{ name = 'acme'; namespace = $ns }
                spec = @{ routes = @(@{ match = 'Host(`acme.contoso.example`)'; kind = 'Rule'; services = @(@{ name = 'web'; port = 80 }) }); tls = @{ certResolver = 'le' } } }
        }
        if ($served.Istio = Test-ApiServed $cluster 'networking.istio.io/v1') {
            Add-ClusterObject $cluster @{ apiVersion = 'networking.istio.io/v1'; kind = 'Gateway'; metadata = @{ name = 'edge'; namespace = $ns }
                spec = @{ selector = @{ istio = 'ingressgateway' }; servers = @(@{ port = @{ number = 443; name = 'tls'; protocol = 'TLS' }; hosts = @("$ns/edge.contoso.example"); tls = @{ mode = 'PASSTHROUGH' } }) } }
        }
        $calls = [Collections.Generic.List[string]]::new()
        $results = @(Sync-IngressCertificate @kc -Namespace $ns -Issuer (New-CountingCa $calls) -InformationAction SilentlyContinue)
        $byName = @{}; foreach ($r in $results) { $byName[$r.Name] = $r }
    }

    It 'skips <Name> (<Kind>) saying <Expected>, not that the controller serves its default certificate' -ForEach @(
        @{ Name = 'pass'; Kind = 'Route'; Api = 'Route'; Expected = 'TLS ends at the backend' }
        @{ Name = 'inline'; Kind = 'Route'; Api = 'Route'; Expected = "inline in the Route's spec.tls, not in a Secret, and Sync does not write spec.tls" }
        @{ Name = 'acme'; Kind = 'IngressRoute'; Api = 'IngressRoute'; Expected = "Traefik's ACME certResolver obtains and renews" }
        @{ Name = 'edge'; Kind = 'Gateway'; Api = 'Istio'; Expected = 'TLS ends at the backend' }
    ) {
        if (-not $served[$Api]) { Set-ItResult -Skipped -Because "the cluster does not serve the $Api API (its CRDs are not installed)"; return }
        $byName[$Name].Kind | Should -Be $Kind
        $byName[$Name].Action | Should -Be 'Skipped'
        $byName[$Name].Reason | Should -BeLike "*$Expected*"
        $byName[$Name].Reason | Should -Not -Match 'default certificate'
        $calls.Count | Should -Be 0
    }

    It 'gives the same reason when such a row is piped to Publish-IngressCertificate or New-IngressCertificateRequest' {
        if (-not $served.Route) { Set-ItResult -Skipped -Because 'the cluster does not serve route.openshift.io/v1'; return }
        $pass = Get-IngressCertificate @kc -Namespace $ns -Name pass
        $pfx = Join-Path $TestDrive 'nosecret.pfx'
        $pw = ConvertTo-SecureString 'nosecret-pass' -AsPlainText -Force
        $null = New-TestPfx $inline $pfx $pw
        $before = Get-WriteCount
        $pass | Publish-IngressCertificate -KubeConfigPath $cluster.KubeConfig -PfxPath $pfx -Password $pw -ErrorVariable published -ErrorAction SilentlyContinue
        $pass | New-IngressCertificateRequest -KubeConfigPath $cluster.KubeConfig -ErrorVariable requested -ErrorAction SilentlyContinue
        foreach ($e in $published[0], $requested[0]) {
            $e.FullyQualifiedErrorId | Should -BeLike 'NoSecretName,*'
            $e.Exception.Message | Should -BeLike '*TLS ends at the backend*'
            $e.Exception.Message | Should -Not -Match 'default certificate'
        }
        Get-WriteCount | Should -Be $before
    }
}

Describe 'Sync-IngressCertificate -SourcePath -WhatIf' {
    It 'names the file a run would take for one target, and says that nothing fits the other, without the key or a write' {
        $ns = New-TestNamespace $cluster 'sync-dropwi-'
        $null = Add-DueTarget $ns 'fits' 'fits.contoso.example'
        $null = Add-DueTarget $ns 'none' 'none.contoso.example'
        $drop = Join-Path $TestDrive 'drop-whatif'
        New-Item -ItemType Directory $drop | Out-Null
        $newer = New-TestCertificate -Subject 'CN=fits.contoso.example' -DnsName 'fits.contoso.example' -Days 90 -DaysAgo 1 -Issuer $intermediate
        Set-Content (Join-Path $drop 'fits.pem') ($newer.CertPem + "`n" + $newer.KeyPem) -NoNewline

        # What-if text goes to the host, not to a stream: run it in a child pwsh and read what it prints.
        $before = Get-WriteCount
        $out = Invoke-ChildPwsh ("Import-Module '$(Get-BuiltModulePath)'; " +
            "Sync-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $ns -SourcePath '$drop' -WhatIf -InformationAction SilentlyContinue") | Out-String -Width 1000
        $text = $out -replace '\s+', ' '
        $text | Should -Match ([regex]::Escape("Renew Secret $ns/fits-tls"))
        $text | Should -Match ([regex]::Escape("It would take '$(Join-Path $drop 'fits.pem')' (thumbprint $($newer.Certificate.Thumbprint), expires $($newer.Certificate.NotAfter.ToUniversalTime().ToString('yyyy-MM-dd')))"))
        $text | Should -Match ("Renew Secret $ns/none-tls .*No certificate in '" + [regex]::Escape($drop) + "' is valid, has its key, covers none\.contoso\.example and is newer than the Secret's: the run would fail with NoCertificateAvailable")
        $text | Should -Not -Match ('PRIVATE' + ' KEY')
        $text.Contains(($newer.KeyPem -split "`n")[1].Substring(5, 40)) | Should -BeFalse
        Get-WriteCount | Should -Be $before
    }
}

Describe 'Sync-IngressCertificate runs that overlap' {
    # Issue 13's proof "exactly once": three runs in three separate processes (as three Azure Automation workers would
    # be), released together, on 50 due targets, with a script-block CA that counts its calls in a file shared by all
    # three (one line per call, appended under an exclusive lock).
    It 'three processes started together renew each of 50 due targets exactly once, lose none and leave no Lease held' {
        $ns = New-TestNamespace $cluster 'sync-once-'
        $names = 1..50 | ForEach-Object { "t$_" }
        $old = @{}
        foreach ($n in $names) { $old[$n] = (Add-DueTarget $ns $n "$n.contoso.example").Certificate.Thumbprint }
        $work = Join-Path $TestDrive 'once'
        New-Item -ItemType Directory $work | Out-Null
        $caPfx = New-TestPfx $intermediate (Join-Path $work 'ca.pfx') (ConvertTo-SecureString 'ca' -AsPlainText -Force)
        Set-Content (Join-Path $work 'root.pem') $root.CertPem
        $calls = Join-Path $work 'ca-calls.txt'
        $runScript = Join-Path $work 'run.ps1'
        Set-Content $runScript @'
param($Helpers, $Module, $KubeConfig, $Context, $Namespace, $Work, $Run)
$ErrorActionPreference = 'Stop'
Import-Module $Helpers; Import-Module $Module
$ca = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((Join-Path $Work 'ca.pfx'), 'ca', 'Exportable')
$i = [pscustomobject]@{ Certificate = $ca; Key = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($ca); CertPem = $ca.ExportCertificatePem() }
$r = [pscustomobject]@{ CertPem = (Get-Content (Join-Path $Work 'root.pem') -Raw) }
$calls = Join-Path $Work 'ca-calls.txt'
$issuer = {
    param($Request)
    # One line per call, appended under an exclusive lock: the three processes count into one file.
    while ($true) {
        try { $f = [IO.File]::Open($calls, 'Append', 'Write', 'None'); break } catch [System.IO.IOException] { Start-Sleep -Milliseconds 5 }
    }
    try { $line = [Text.Encoding]::UTF8.GetBytes("$Run $($Request.SecretName)`n"); $f.Write($line, 0, $line.Length) } finally { $f.Dispose() }
    (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem + "`n" + $i.CertPem
}.GetNewClosure()
# Ready; then wait for the go, so that the three runs start together.
New-Item -ItemType File (Join-Path $Work "ready-$Run") | Out-Null
while (-not (Test-Path (Join-Path $Work 'go'))) { Start-Sleep -Milliseconds 20 }
Sync-IngressCertificate -KubeConfigPath $KubeConfig -Context $Context -Namespace $Namespace -Issuer $issuer -ThrottleLimit 4 -HistoryLimit 5 `
    -TrustedRootPath (Join-Path $Work 'root.pem') -InformationAction SilentlyContinue -ErrorAction Continue |
    ForEach-Object { [pscustomobject]@{ Run = $Run; Name = $_.Name; Action = $_.Action; Reason = $_.Reason; Thumbprint = $_.Thumbprint } } |
    ConvertTo-Json -AsArray | Set-Content (Join-Path $Work "results-$Run.json")
'@
        # The pwsh this test runs in, as a new process (dotnet pwsh.dll when run as a dotnet tool).
        $exe = [Environment]::ProcessPath
        $lead = @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $processes = foreach ($run in 1..3) {
            $start = [System.Diagnostics.ProcessStartInfo]::new($exe)
            foreach ($a in $lead + @('-NoProfile', '-NonInteractive', '-File', $runScript, '-Helpers', (Join-Path $PSScriptRoot 'TestHelpers.psm1'), '-Module', (Get-BuiltModulePath),
                    '-KubeConfig', $cluster.KubeConfig, '-Context', $cluster.Context, '-Namespace', $ns, '-Work', $work, '-Run', "$run")) { $start.ArgumentList.Add($a) }
            $start.RedirectStandardError = $true
            $start.RedirectStandardOutput = $true
            $start.UseShellExecute = $false
            $p = [System.Diagnostics.Process]::Start($start)
            [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
        }
        try {
            # Released together once all three have loaded the module.
            while (@(Get-ChildItem $work -Filter 'ready-*').Count -lt 3 -and @($processes | Where-Object { $_.Process.HasExited }).Count -eq 0) { Start-Sleep -Milliseconds 50 }
            New-Item -ItemType File (Join-Path $work 'go') | Out-Null
            foreach ($p in $processes) { $p.Process.WaitForExit() }
        }
        finally {
            foreach ($p in $processes) { if (-not $p.Process.HasExited) { $p.Process.Kill($true) } }
        }
        foreach ($p in $processes) { $p.Process.ExitCode | Should -Be 0 -Because "a run ends cleanly: $($p.Err.Result)" }

        $rows = @(1..3 | ForEach-Object { Get-Content (Join-Path $work "results-$_.json") -Raw | ConvertFrom-Json })
        # Every run reports every target: 50 rows each.
        $rows.Count | Should -Be 150
        foreach ($run in 1..3) { @($rows | Where-Object Run -EQ $run).Count | Should -Be 50 }
        # Each target renewed by exactly one run, and Skipped (leased) or Unchanged in the two others: nothing lost.
        # What the cluster holds is read in bulk: one list of the namespace's Secrets and Leases, one history call.
        $secrets = @{}; foreach ($s in (Get-ClusterObject $cluster "/api/v1/namespaces/$ns/secrets").items) { $secrets[$s.metadata.name] = $s }
        $leases = @((Get-ClusterObject $cluster "/apis/coordination.k8s.io/v1/namespaces/$ns/leases").items)
        $history = @($names | ForEach-Object { [pscustomobject]@{ Namespace = $ns; SecretName = "$_-tls" } } | Get-IngressCertificateHistory @kc) | Group-Object SecretName -AsHashTable
        foreach ($n in $names) {
            $mine = @($rows | Where-Object Name -EQ $n)
            @($mine | Where-Object Action -EQ 'Renewed').Count | Should -Be 1 -Because "$n is renewed by one run"
            @($mine | Where-Object Action -NE 'Renewed' | Where-Object Action -NotIn 'Skipped', 'Unchanged') | Should -BeNullOrEmpty
            @($mine | Where-Object Action -EQ 'Skipped' | Where-Object Reason -NotMatch '^Leased by another run: ') | Should -BeNullOrEmpty
            # The Secret holds what that run published, and its history the one certificate it replaced.
            $renewed = $mine | Where-Object Action -EQ 'Renewed'
            $leaf = [X509Certificate2]::CreateFromPem([Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($secrets["$n-tls"].data.'tls.crt')))
            $leaf.Thumbprint | Should -Be $renewed.Thumbprint
            @($history["$n-tls"]).Count | Should -Be 1 -Because "$n-tls was replaced once"
            $history["$n-tls"][0].Thumbprint | Should -Be $old[$n]
        }
        # The CA was asked exactly 50 times, once per target, by whichever run held its Lease.
        $lines = @(Get-Content $calls)
        $lines.Count | Should -Be 50
        @($lines | ForEach-Object { ($_ -split ' ')[1] } | Sort-Object -Unique).Count | Should -Be 50
        foreach ($row in $rows | Where-Object Action -EQ 'Renewed') { $lines | Should -Contain "$($row.Run) $($row.Name)-tls" }
        # No Lease is left held (a released Lease is deleted), and no pending key is left behind.
        @($leases | Where-Object { $_.spec.holderIdentity }) | Should -BeNullOrEmpty
        $leases.Count | Should -Be 0 -Because 'every run deletes the Lease it releases'
        @(Get-IngressCertificateRequest @kc -Namespace $ns).Count | Should -Be 0
    }
}

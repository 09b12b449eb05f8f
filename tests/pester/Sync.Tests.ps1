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

Describe 'Sync-IngressCertificate runs that overlap' {
    It 'three runs started together renew each of 12 due targets exactly once and leave no Lease held' {
        $ns = New-TestNamespace $cluster 'sync-once-'
        $names = 1..12 | ForEach-Object { "t$_" }
        foreach ($n in $names) { $null = Add-DueTarget $ns $n "$n.contoso.example" }
        $callDir = Join-Path $TestDrive 'calls'
        New-Item -ItemType Directory $callDir | Out-Null
        $caPfx = New-TestPfx $intermediate (Join-Path $TestDrive 'ca.pfx') (ConvertTo-SecureString 'ca' -AsPlainText -Force)
        $rootPem = Join-Path $TestDrive 'root.pem'; Set-Content $rootPem $root.CertPem
        $helpers = Join-Path $PSScriptRoot 'TestHelpers.psm1'
        $module = Get-BuiltModulePath
        $script = {
            param($Helpers, $Module, $KubeConfig, $Context, $Namespace, $CaPfx, $RootPem, $CallDir)
            Import-Module $Helpers; Import-Module $Module
            $ca = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($CaPfx, 'ca', 'Exportable')
            $i = [pscustomobject]@{ Certificate = $ca; Key = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($ca); CertPem = $ca.ExportCertificatePem() }
            $r = [pscustomobject]@{ CertPem = (Get-Content $RootPem -Raw) }
            $issuer = { param($Request)
                New-Item -ItemType File (Join-Path $CallDir "$($Request.SecretName).$([guid]::NewGuid())") | Out-Null
                (Invoke-TestCaSigning -Root $r -Intermediate $i -Csr $Request.Csr).CertPem }.GetNewClosure()
            Sync-IngressCertificate -KubeConfigPath $KubeConfig -Context $Context -Namespace $Namespace -Issuer $issuer -ThrottleLimit 4 -InformationAction SilentlyContinue |
                ForEach-Object { "$($_.Name)=$($_.Action)" }
        }
        $jobs = 1..3 | ForEach-Object {
            Start-ThreadJob -ScriptBlock $script -ArgumentList $helpers, $module, $cluster.KubeConfig, $cluster.Context, $ns, $caPfx, $rootPem, $callDir
        }
        $lines = $jobs | Wait-Job | Receive-Job
        $jobs | Remove-Job
        $renewed = @($lines | Where-Object { $_ -like '*=Renewed' })
        $renewed.Count | Should -Be 12
        @($renewed | ForEach-Object { ($_ -split '=')[0] } | Sort-Object -Unique).Count | Should -Be 12
        @($lines | Where-Object { $_ -notmatch '=(Renewed|Skipped|Unchanged)$' }) | Should -BeNullOrEmpty
        $calls = Get-ChildItem $callDir | Group-Object { ($_.Name -split '\.')[0] }
        $calls.Count | Should -Be 12
        $calls | ForEach-Object { $_.Count | Should -Be 1 -Because "$($_.Name) is issued once" }
        foreach ($n in $names) { (Get-Lease $ns "$n-tls").spec.holderIdentity | Should -BeNullOrEmpty }
    }
}

# Sync-IngressCertificate -RenewCertManager against the test server: a due or broken Secret that a cert-manager Certificate
# manages is renewed by asking cert-manager, exactly as cmctl renew asks (the Issuing condition on the Certificate's status),
# and nothing else is written: never the Secret. A real cert-manager would act on these Certificates (and rewrite their
# status), and the proof reads the test server's request log: these cases run on the test server only.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'sync-cm'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $onRealCluster = $cluster.IsReal
    $certificates = '/apis/cert-manager.io/v1/namespaces/{0}/certificates'

    function Get-Write { @(Get-TestServerWrite $cluster.Server | Where-Object { $_ -notmatch 'selfsubjectaccessreviews' }) }
    function Get-Certificate([string] $Namespace, [string] $Name) {
        # As the server wrote it: timestamps stay the strings they are (Invoke-RestMethod would make them dates).
        $text = Get-Content $cluster.KubeConfig -Raw
        $token = [regex]::Match($text, 'token:\s*(\S+)').Groups[1].Value.Trim('"')
        $server = [regex]::Match($text, 'server:\s*(\S+)').Groups[1].Value
        (Invoke-WebRequest -Uri ($server + ($certificates -f $Namespace) + "/$Name") -Headers @{ Authorization = "Bearer $token" } -SkipCertificateCheck).Content |
            ConvertFrom-Json -DateKind String
    }
    function Get-SecretVersion([string] $Namespace, [string] $Name) { (Get-ClusterObject $cluster "/api/v1/namespaces/$Namespace/secrets/$Name").metadata.resourceVersion }

    # A cert-manager Secret, its Ingress and its Certificate, whose status is then written as cert-manager's controllers write it.
    function Add-Managed([string] $Namespace, [string] $Name, [int] $Days, [object[]] $Conditions) {
        $hostName = "$Name.contoso.example"
        $issued = New-TestCertificate -Subject "CN=$hostName" -DnsName $hostName -Days $Days -DaysAgo 60
        Add-ClusterObject $cluster (ConvertTo-SecretObject $Namespace "$Name-tls" $issued -Annotations @{
                'cert-manager.io/certificate-name' = $Name; 'cert-manager.io/issuer-name' = 'letsencrypt'; 'cert-manager.io/issuer-kind' = 'ClusterIssuer' })
        Add-ClusterObject $cluster (ConvertTo-IngressObject $Namespace $Name @($hostName) "$Name-tls")
        Add-ClusterObject $cluster @{ apiVersion = 'cert-manager.io/v1'; kind = 'Certificate'; metadata = @{ name = $Name; namespace = $Namespace }
            spec = @{ secretName = "$Name-tls"; dnsNames = @($hostName); issuerRef = @{ name = 'letsencrypt'; kind = 'ClusterIssuer'; group = 'cert-manager.io' } } }
        $path = ($certificates -f $Namespace) + "/$Name"
        # A spec change, so that the generation (which cmctl copies into observedGeneration) is 2.
        Invoke-TestClusterApi $cluster Patch $path @{ spec = @{ renewBefore = '360h' } } -ContentType 'application/merge-patch+json' | Out-Null
        $certificate = Invoke-TestClusterApi $cluster Get $path
        $certificate | Add-Member -NotePropertyName status -NotePropertyValue @{ conditions = $Conditions; renewalTime = '2026-12-20T00:00:00Z' } -Force
        Invoke-TestClusterApi $cluster Put "$path/status" $certificate | Out-Null
    }
    function New-Condition([string] $Type, [string] $Status, [string] $Reason, [string] $Message) {
        @{ type = $Type; status = $Status; reason = $Reason; message = $Message; lastTransitionTime = '2026-10-01T08:00:00Z'; observedGeneration = 1 }
    }
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe 'Sync-IngressCertificate -RenewCertManager' {
    BeforeAll {
        if ($onRealCluster) { return }
        $ns = New-TestNamespace $cluster 'sync-cm-'
        # Expires in 5 days; Ready, and an Issuing condition left False by the last issuance (replaced in place).
        Add-Managed $ns 'due' 5 @((New-Condition 'Ready' 'True' 'Ready' 'Certificate is up to date and has not expired'), (New-Condition 'Issuing' 'False' 'Issued' 'done'))
        # Valid for long, but cert-manager failed: broken, so asked again.
        Add-Managed $ns 'broken' 200 @((New-Condition 'Ready' 'False' 'Failed' 'The certificate request has failed to complete and will be retried'))
        # Due, but cert-manager is already issuing it: not asked again.
        Add-Managed $ns 'busy' 5 @((New-Condition 'Ready' 'True' 'Ready' 'ok'), (New-Condition 'Issuing' 'True' 'Renewing' 'Renewing certificate as renewal was scheduled'))
        Add-Managed $ns 'fine' 200 @((New-Condition 'Ready' 'True' 'Ready' 'ok'))
        # Due, and not cert-manager's: without -Issuer or -SourcePath it is left alone.
        $plain = New-TestCertificate -Subject 'CN=plain.contoso.example' -DnsName 'plain.contoso.example' -Days 5 -DaysAgo 60
        Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'plain-tls' $plain)
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'plain' @('plain.contoso.example') 'plain-tls')
        $secretVersions = @{}
        foreach ($n in 'due', 'broken', 'busy', 'fine', 'plain') { $secretVersions[$n] = Get-SecretVersion $ns "$n-tls" }
        $before = @{ due = Get-Certificate $ns 'due'; broken = Get-Certificate $ns 'broken'; busy = Get-Certificate $ns 'busy' }
    }

    It 'is skipped without the switch, as before' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'the proof reads the test server request log'; return }
        $writes = (Get-Write).Count
        $results = @(Sync-IngressCertificate @kc -Namespace $ns -Name due -SourcePath $TestDrive -InformationAction SilentlyContinue)
        $results.Action | Should -Be 'Skipped'
        $results.Reason | Should -Match 'Managed by cert-manager'
        (Get-Write).Count | Should -Be $writes
    }

    It '-WhatIf writes nothing' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'the proof reads the test server request log'; return }
        $writes = (Get-Write).Count
        $shown = Sync-IngressCertificate @kc -Namespace $ns -RenewCertManager -WhatIf -InformationAction SilentlyContinue 6>&1 | Out-String
        (Get-Write).Count | Should -Be $writes
        (Get-Certificate $ns 'due').metadata.resourceVersion | Should -Be $before.due.metadata.resourceVersion
    }

    It 'sets exactly the condition cmctl renew sets, by one status update per due or broken Certificate, and writes nothing else' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'the proof reads the test server request log'; return }
        $writes = (Get-Write).Count
        $started = [DateTime]::UtcNow.AddSeconds(-1)
        $results = @(Sync-IngressCertificate @kc -Namespace $ns -RenewCertManager -InformationAction SilentlyContinue)
        $finished = [DateTime]::UtcNow.AddSeconds(1)
        $byName = @{}; foreach ($r in $results) { $byName[$r.Name] = $r }
        $byName.due.Action | Should -Be 'Requested'
        $byName.due.Reason | Should -Match "Asked cert-manager to re-issue cert-manager Certificate $ns/due \(condition Issuing=True, reason ManuallyTriggered"
        $byName.due.Reason | Should -Match 'Expires on'
        $byName.broken.Action | Should -Be 'Requested'
        $byName.broken.Reason | Should -Match 'is not Ready \(Failed: The certificate request has failed'
        $byName.busy.Action | Should -Be 'Skipped'
        $byName.busy.Reason | Should -Match 'already being issued \(Issuing=True since 2026-10-01T08:00:00Z, reason Renewing\)'
        $byName.fine.Action | Should -Be 'Unchanged'
        $byName.fine.Reason | Should -Match 'renews it on 2026-12-20'
        $byName.plain.Action | Should -Be 'Skipped'
        $byName.plain.Reason | Should -Match 'without -Issuer or -SourcePath'
        $byName.due.ErrorId | Should -BeNullOrEmpty
        $byName.due.Thumbprint | Should -Be $byName.due.PreviousThumbprint

        # The request log: the only writes are the two status updates.
        $new = @(Get-Write | Select-Object -Skip $writes | Sort-Object)
        $new | Should -Be @("PUT $($certificates -f $ns)/broken/status", "PUT $($certificates -f $ns)/due/status")
        foreach ($n in $secretVersions.Keys) { Get-SecretVersion $ns "$n-tls" | Should -Be $secretVersions[$n] -Because "Secret $n-tls is cert-manager's to write" }

        # The condition, as cert-manager's SetCertificateCondition makes it for cmctl: the Issuing entry replaced where it
        # stood (False before, so a new lastTransitionTime), observedGeneration the Certificate's generation.
        $due = Get-Certificate $ns 'due'
        $due.metadata.generation | Should -Be 2
        $due.status.conditions.Count | Should -Be 2
        $due.status.conditions[0] | ConvertTo-Json -Compress | Should -Be ($before.due.status.conditions[0] | ConvertTo-Json -Compress)
        $issuing = $due.status.conditions[1]
        @($issuing.PSObject.Properties.Name | Sort-Object) | Should -Be @('lastTransitionTime', 'message', 'observedGeneration', 'reason', 'status', 'type')
        $issuing.type | Should -Be 'Issuing'
        $issuing.status | Should -Be 'True'
        $issuing.reason | Should -Be 'ManuallyTriggered'
        $issuing.message | Should -Be 'Certificate re-issuance manually triggered'
        $issuing.observedGeneration | Should -Be 2
        $issuing.lastTransitionTime | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
        $at = [DateTime]::ParseExact($issuing.lastTransitionTime, "yyyy-MM-dd'T'HH:mm:ss'Z'", [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]'AdjustToUniversal, AssumeUniversal')
        $at | Should -BeGreaterOrEqual $started.AddTicks(-($started.Ticks % [TimeSpan]::TicksPerSecond))
        $at | Should -BeLessOrEqual $finished
        # Nothing else of the Certificate changed: spec, the renewal time and the generation are as they were.
        $due.spec | ConvertTo-Json -Compress | Should -Be ($before.due.spec | ConvertTo-Json -Compress)
        $due.status.renewalTime | Should -Be $before.due.status.renewalTime
        # No Issuing condition before: one is appended after the Ready condition.
        $broken = Get-Certificate $ns 'broken'
        @($broken.status.conditions.type) | Should -Be @('Ready', 'Issuing')
        $broken.status.conditions[1].reason | Should -Be 'ManuallyTriggered'
        (Get-Certificate $ns 'busy').metadata.resourceVersion | Should -Be $before.busy.metadata.resourceVersion
    }

    It 'does not ask again while cert-manager is issuing: a second run writes nothing' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'the proof reads the test server request log'; return }
        $writes = (Get-Write).Count
        $results = @(Sync-IngressCertificate @kc -Namespace $ns -Name due, broken -RenewCertManager -InformationAction SilentlyContinue)
        @($results.Action | Sort-Object -Unique) | Should -Be 'Skipped'
        $results[0].Reason | Should -Match 'already being issued \(Issuing=True since .*reason ManuallyTriggered\)'
        (Get-Write).Count | Should -Be $writes
    }

    It 'fails with CertManagerCertificateNotFound, writing nothing, when the Certificate the Secret names is gone' {
        if ($onRealCluster) { Set-ItResult -Skipped -Because 'the proof reads the test server request log'; return }
        $gone = New-TestNamespace $cluster 'sync-cm-gone-'
        $issued = New-TestCertificate -Subject 'CN=old.contoso.example' -DnsName 'old.contoso.example' -Days 5 -DaysAgo 60
        Add-ClusterObject $cluster (ConvertTo-SecretObject $gone 'old-tls' $issued -Annotations @{ 'cert-manager.io/certificate-name' = 'old' })
        Add-ClusterObject $cluster (ConvertTo-IngressObject $gone 'old' @('old.contoso.example') 'old-tls')
        $writes = (Get-Write).Count
        $result = Sync-IngressCertificate @kc -Namespace $gone -RenewCertManager -ErrorVariable failed -ErrorAction SilentlyContinue -InformationAction SilentlyContinue
        $result.Action | Should -Be 'Failed'
        $result.ErrorId | Should -Be 'CertManagerCertificateNotFound'
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'CertManagerCertificateNotFound,*'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].Exception.Message | Should -Match "names cert-manager Certificate $gone/old, which does not exist"
        (Get-Write).Count | Should -Be $writes
    }
}

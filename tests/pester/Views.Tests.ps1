# The table views as a person sees them, locked by snapshots, and exports that read as one row per object.
# Snapshots: tests/pester/snapshots/<view>.txt. After an intended change to a view, regenerate them with
#   $env:INGRESSCERTS_UPDATE_SNAPSHOTS = '1'; /work/tools/run-pester.sh . tests/pester/Views.Tests.ps1
# and review the diff of the snapshot files before committing them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot 'ViewFleet.psm1') -Force

    $fleetPath = Join-Path $TestDrive 'fleet'
    $rootPath = New-FleetManifests -Path $fleetPath
    # Sorted as a person would, across clusters: the order that used to print a Context header per row.
    $fleet = Get-Fleet -Path $fleetPath -RootPath $rootPath | Sort-Object DaysRemaining, Context, Namespace, Name
    $views = [ordered]@{
        Get     = $fleet
        Publish = Get-FleetPublishResult
        Test    = Get-FleetTestResult
        Check   = (Get-FleetTestResult)[2].Checks
        History = Get-FleetHistoryEntry
    }

    function Format-Console {
        <#
        What a console of -Columns columns shows. The console leaves its last column empty, so this is Out-String one
        narrower (the console test below holds the two equal). Trailing blanks go: snapshot files keep no padding.
        #>
        # [object], not [object[]]: binding a list to [object[]] unwraps its items, and a check or finding is a string
        # that carries its fields only while it stays wrapped (IngressCerts.Output.Types.ps1xml).
        param([object] $InputObject, [int] $Columns)
        $lines = ($InputObject | Format-Table | Out-String -Width ($Columns - 1)) -split '\r?\n' | ForEach-Object TrimEnd
        ($lines -join "`n").Trim("`n")
    }

    function Assert-Snapshot {
        <# Compares the text with snapshots/<Name>.txt, naming every line that differs; writes it when asked to. #>
        param([string] $Name, [string] $Actual)
        $path = Join-Path $PSScriptRoot "snapshots/$Name.txt"
        if ($env:INGRESSCERTS_UPDATE_SNAPSHOTS -eq '1') {
            $null = New-Item -ItemType Directory -Force (Split-Path $path)
            [IO.File]::WriteAllText($path, $Actual + "`n")
            return
        }
        if (-not (Test-Path $path)) { throw "No snapshot $path. Run with INGRESSCERTS_UPDATE_SNAPSHOTS=1 to write it." }
        $expected = ([IO.File]::ReadAllText($path) -replace '\r\n', "`n").TrimEnd("`n")
        if ($expected -ceq $Actual) { return }
        $want = $expected -split "`n"; $got = $Actual -split "`n"
        $diff = for ($i = 0; $i -lt [Math]::Max($want.Count, $got.Count); $i++) {
            if ($want[$i] -cne $got[$i]) { "line $($i + 1):`n  snapshot: $($want[$i])`n  now:      $($got[$i])" }
        }
        throw "The $Name view differs from $path (regenerate with INGRESSCERTS_UPDATE_SNAPSHOTS=1 if intended):`n$($diff -join "`n")"
    }
}

Describe 'Table views (snapshots at 80, 120 and 200 columns)' {
    It 'renders the <_> view as its snapshot' -ForEach 'Get', 'Publish', 'Test', 'Check', 'History' {
        $text = foreach ($columns in 80, 120, 200) { "=== $columns columns", (Format-Console $views[$_] $columns) }
        Assert-Snapshot $_ ($text -join "`n")
    }

    It 'renders in a real console of 120 columns what the snapshot holds' -Skip:(-not $IsLinux -or -not (Get-Command script -ErrorAction SilentlyContinue)) {
        $self = (Get-Process -Id $PID).Path
        $pwsh = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { "'$self' '$(Join-Path $PSHOME 'pwsh.dll')'" } else { "'$self'" }
        $child = Join-Path $TestDrive 'console.ps1'
        Set-Content $child @"
`$PSStyle.OutputRendering = 'PlainText'
Import-Module '$(Get-BuiltModulePath)'
Import-Module '$(Join-Path $PSScriptRoot 'ViewFleet.psm1')'
Get-Fleet -Path '$fleetPath' -RootPath '$rootPath' | Sort-Object DaysRemaining, Context, Namespace, Name
"@
        # script(1) gives the child a terminal; stty sets its width as a console window of 120 columns would.
        $out = & script -qec "stty cols 120 rows 50; $pwsh -NoProfile -NonInteractive -File '$child'" /dev/null
        $console = ($out -replace '\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]', '' -replace '\r', '' | ForEach-Object TrimEnd) -join "`n"
        $console.Trim("`n") | Should -BeExactly (Format-Console $fleet 120)
    }

    # Kind, right after Name since it tells a Gateway, Route or Istio server from an Ingress, costs the Hosts column
    # eight characters: at 120 columns the first host is shown from its start, no longer always whole.
    It 'shows namespace, name, kind, status, days and secret uncut, and the start of the first host, of every reference at 120 columns' {
        $lines = (Format-Console $fleet 120) -split "`n"
        foreach ($r in $fleet) {
            $hostStart = if ($r.Hosts[0]) { $r.Hosts[0].Substring(0, [Math]::Min(12, $r.Hosts[0].Length)) }
            $pattern = '^' + ((@($r.Namespace, $r.Name, $r.Kind, $r.Status, $r.DaysRemaining, $r.SecretName, $hostStart) |
                Where-Object { "$_" } | ForEach-Object { [regex]::Escape("$_") }) -join '\s+')
            @($lines -match $pattern).Count | Should -Be 1 -Because "$($r.Namespace)/$($r.Name) is readable"
        }
    }

    It 'cuts nothing at 200 columns and shows the cluster as a column, not as a header per row' {
        foreach ($view in $views.Values) { Format-Console $view 200 | Should -Not -Match '…' }
        $get = Format-Console $fleet 200
        $get | Should -Not -Match 'Context:'
        $get | Should -Match '^Namespace\s+Name\s+Kind\s+Status\s+Days\s+SecretName\s+Hosts\s+Context'
        foreach ($r in $fleet) { $get | Should -Match "$([regex]::Escape($r.Name))\s+$($r.Kind)\s.*\s$([regex]::Escape($r.Context))(\n|$)" }
    }

    It 'shows the Kind of every reference at 80 columns, so a Gateway or Route row is never taken for an Ingress' {
        $lines = (Format-Console $fleet 80) -split "`n"
        $lines[0] | Should -Match '^Namespace\s+Name\s+Kind\s+Status'
        foreach ($r in $fleet) {
            @($lines -match "^$([regex]::Escape($r.Namespace))\s+$([regex]::Escape($r.Name))\s+$([regex]::Escape($r.Kind))\s").Count | Should -Be 1 -Because "$($r.Namespace)/$($r.Name) shows its Kind"
        }
    }

    It 'keeps Publish names whole beside the thumbprint, and Test -Detailed names and first host whole, at 120 columns' {
        $publish = Format-Console $views.Publish 120
        foreach ($r in $views.Publish) { $publish | Should -Match "$([regex]::Escape($r.Namespace))\s+$([regex]::Escape($r.SecretName))\s+$($r.Action)" }
        $publish | Should -Match ([regex]::Escape($views.Publish[0].Thumbprint))
        $test = Format-Console $views.Test 120
        foreach ($r in $views.Test) {
            $test | Should -Match "$([regex]::Escape($r.Name))\s+$([regex]::Escape($r.SecretName))\s+$($r.Passed)\s+$([regex]::Escape(($r.Host -split ', ')[0]))"
        }
    }

    It 'labels every column and list item of <_> with a property name, so Select-Object takes what the view shows' -ForEach 'Get', 'Publish', 'Test', 'Check', 'History' {
        $object = @($views[$_])[0]
        $typeName = $object.PSObject.TypeNames[0]
        foreach ($view in (Get-FormatData -TypeName $typeName -PowerShellVersion $PSVersionTable.PSVersion).FormatViewDefinition) {
            $labels = if ($view.Control.Headers) { $view.Control.Headers.Label } else { $view.Control.Entries.Items | ForEach-Object { $_.Label ?? $_.DisplayEntry.Value } }
            foreach ($label in $labels) {
                $object.PSObject.Properties[$label] | Should -Not -BeNullOrEmpty -Because "'$label' in view $($view.Name) is a property of $typeName"
                { $object | Select-Object -ExpandProperty $label -ErrorAction Stop } | Should -Not -Throw
            }
        }
    }
}

Describe 'Exports' {
    It 'writes one readable CSV row per reference, in any culture, and compact JSON' {
        $rows = Assert-ReadableExport -InputObject $fleet -Path (Join-Path $TestDrive 'fleet.csv')
        $portal = $rows | Where-Object { $_.Context -eq 'aks-prod-westeurope' -and $_.Name -eq 'customer-identity-portal' }
        $portal.Hosts | Should -Be 'login.contoso.com, id.contoso.com, sso.contoso.com'
        $portal.NotAfter | Should -Be '2030-08-29T12:00:00Z'
        ($rows | Where-Object Name -eq 'payment-webhooks').Issues | Should -Match '\S'
        $rows[0].PSObject.Properties.Name | Should -Not -Contain 'Certificate'
    }

    It 'exports Publish results, Test results and history entries the same way' {
        $publish = Assert-ReadableExport -InputObject @(Get-FleetPublishResult) -Path (Join-Path $TestDrive 'publish.csv')
        $publish[0].Hosts | Should -Be 'login.contoso.com, id.contoso.com'
        $publish[2].NotAfter | Should -BeNullOrEmpty -Because 'an undo that deleted the Secret has no certificate date'
        $test = Assert-ReadableExport -InputObject @(Get-FleetTestResult) -Path (Join-Path $TestDrive 'test.csv')
        $test[1].FailedChecks | Should -Be 'DaysRemaining'
        $test[1].Checks | Should -Be 'PASS SecretPresent: tls.crt and tls.key are present; FAIL DaysRemaining: 12 days remain; at least 30 are required'
        $history = Assert-ReadableExport -InputObject @(Get-FleetHistoryEntry) -Path (Join-Path $TestDrive 'history.csv')
        $history[0].ArchivedAt | Should -Be '2029-11-22T00:17:00Z'
        $one = (Get-FleetTestResult)[0] | ConvertTo-Json | ConvertFrom-Json
        $one.Checks[2] | Should -Be 'PASS Served:login.contoso.com: login.contoso.com serves the certificate' -Because 'a check reads as one line, alone or in an array'
        $array = Get-FleetTestResult | ConvertTo-Json -WarningVariable arrayWarnings | ConvertFrom-Json
        $arrayWarnings | Should -BeNullOrEmpty -Because 'each check of an array of results sits at depth 3, past the default of 2'
        $array[1].Checks | Should -Be @('PASS SecretPresent: tls.crt and tls.key are present', 'FAIL DaysRemaining: 12 days remain; at least 30 are required')
        $array[1].FailedChecks | Should -Be 'DaysRemaining'
        $array[1].Passed | Should -BeFalse
    }

    It 'keeps checks objects at the prompt: Where-Object, Passed, Message, and the typed checks from GetChecks()' {
        $r = (Get-FleetTestResult)[1]
        ($r.Checks | Where-Object Name -eq 'DaysRemaining').Passed | Should -BeFalse
        ($r.Checks | Where-Object Passed).Name | Should -Be 'SecretPresent'
        $r.Checks[1].Message | Should -Be '12 days remain; at least 30 are required'
        $r.Checks[0].PSObject.TypeNames[0] | Should -Be 'IngressCerts.CertificateCheck'
        $r.Checks.Count | Should -Be 2
        $r.GetChecks()[1].GetType().FullName | Should -Be 'IngressCerts.CertificateCheck'
        $r.GetChecks()[1].Passed | Should -BeFalse
    }

    It 'keeps dates DateTimes, lists indexable and the certificate at hand, for scripts at the prompt' {
        $r = $fleet | Where-Object Name -eq 'checkout-api'
        $r.NotAfter | Should -BeOfType [datetime]
        $r.NotAfter.AddDays(1) | Should -BeOfType [datetime]
        $r.NotAfter.ToString('yyyy-MM-dd') | Should -Be '2030-01-13' -Because 'a format string keeps its meaning'
        $r.NotAfter.ToString() | Should -Be '2030-01-13T12:00:00Z'
        ($fleet | Where-Object NotAfter | Where-Object NotAfter -lt $FleetAsOf.AddDays(30)).Name | Sort-Object | Should -Be @('blog', 'checkout-api')
        ($fleet | Where-Object NotAfter | Sort-Object NotAfter -Descending)[0].Name | Should -Be 'payment-webhooks'
        $r.Hosts[0] | Should -Be 'checkout.contoso.com'
        $r.Hosts.Count | Should -Be 1
        $r.Certificate.Thumbprint | Should -Be $r.Thumbprint
        $r.Chain.Count | Should -Be 1
        $r.Days | Should -Be $r.DaysRemaining
    }
}

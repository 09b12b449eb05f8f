# A realistic fleet for the view and export tests: long namespaces and Ingress names, several clusters, every common
# status, and certificates with fixed dates so that rendered tables do not change from one day to the next.
using namespace System.Security.Cryptography
using namespace System.Security.Cryptography.X509Certificates

Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

# Every date in the fleet is relative to this instant; Get-IngressCertificate runs with -AsOf $FleetAsOf.
$FleetAsOf = [datetime]::new(2030, 1, 1, 0, 0, 0, [DateTimeKind]::Utc)

function New-FleetCertificate {
    param([string] $Subject, [string[]] $DnsName = @(), [int] $DaysLeft, $Issuer, [switch] $CertificateAuthority)
    $key = [ECDsa]::Create([ECCurve+NamedCurves]::nistP256)
    $request = [CertificateRequest]::new($Subject, $key, [HashAlgorithmName]::SHA256)
    $request.CertificateExtensions.Add([X509BasicConstraintsExtension]::new($CertificateAuthority.IsPresent, $false, 0, $true))
    $request.CertificateExtensions.Add([X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))
    if ($CertificateAuthority) { $request.CertificateExtensions.Add([X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true)) }
    if ($DnsName) {
        $san = [SubjectAlternativeNameBuilder]::new()
        foreach ($n in $DnsName) { $san.AddDnsName($n) }
        $request.CertificateExtensions.Add($san.Build())
    }
    $notBefore = [DateTimeOffset]::new($FleetAsOf.AddDays(-90))
    $notAfter = [DateTimeOffset]::new($FleetAsOf.AddDays($DaysLeft).AddHours(12))
    $cert = if ($Issuer) {
        $serial = [byte[]]::new(12); [RandomNumberGenerator]::Fill($serial); $serial[0] = $serial[0] -band 0x7F
        $request.Create($Issuer.Certificate.SubjectName, [X509SignatureGenerator]::CreateForECDsa($Issuer.Key), $notBefore, $notAfter, $serial)
    }
    else { $request.CreateSelfSigned($notBefore, $notAfter) }
    [pscustomobject]@{ Certificate = $cert; Key = $key; CertPem = $cert.ExportCertificatePem(); KeyPem = $key.ExportPkcs8PrivateKeyPem() }
}

function New-FleetManifests {
    <#
    Writes one manifest file per cluster into -Path and the root CA beside them (fleet-root.crt). Returns the path of
    the root. Each file is named after the kube context it stands for.
    #>
    param([Parameter(Mandatory)][string] $Path)
    $null = New-Item -ItemType Directory -Force $Path
    $root = New-FleetCertificate -Subject 'CN=Fleet Root CA' -DaysLeft 3650 -CertificateAuthority
    $rootPath = Join-Path $Path 'fleet-root.crt'
    Set-Content -LiteralPath $rootPath -Value $root.CertPem

    # context -> rows: namespace, Ingress name, hosts, Secret name, days left, and how the Secret is broken.
    $fleet = [ordered]@{
        'aks-prod-westeurope'    = @(
            ,@('team-payments-prod', 'customer-identity-portal', @('login.contoso.com', 'id.contoso.com', 'sso.contoso.com'), 'customer-identity-portal-tls', 240, '')
            ,@('team-payments-prod', 'checkout-api', @('checkout.contoso.com'), 'checkout-api-tls', 12, '')
            ,@('team-payments-prod', 'payment-webhooks', @('hooks.contoso.com'), 'payment-webhooks-tls', 300, 'KeyMismatch')
            ,@('ingress-basic', 'legacy-intranet', @('intranet.contoso.com'), '', 0, 'NoSecret')
        )
        'aks-prod-northeurope'   = @(
            ,@('team-identity-prod', 'customer-identity-portal', @('login.contoso.eu'), 'customer-identity-portal-tls', 75, '')
            ,@('team-identity-prod', 'admin-console', @('admin.contoso.eu'), 'admin-console-tls', 0, 'Missing')
            ,@('marketing', 'blog', @('blog.contoso.com', 'www.blog.contoso.com', 'news.contoso.com'), 'blog-tls', -4, '')
        )
        'aks-staging-westeurope' = @(
            ,@('payments-staging', 'customer-identity-portal', @('stage.contoso.com'), 'customer-identity-portal-tls', 45, 'WrongHost')
            ,@('shop', 'storefront', @('shop.contoso.com', 'www.contoso.com'), 'storefront-tls', 120, '')
        )
    }
    foreach ($context in $fleet.Keys) {
        $documents = foreach ($row in $fleet[$context]) {
            $ns, $name, $hosts, $secret, $days, $fault = $row
            New-IngressYaml -Namespace $ns -Name $name -Hosts $hosts -SecretName $secret
            if ($fault -in 'NoSecret', 'Missing') { continue }
            $names = @(if ($fault -eq 'WrongHost') { 'other.contoso.com' } else { $hosts })
            $leaf = New-FleetCertificate -Subject "CN=$($names[0])" -DnsName $names -DaysLeft $days -Issuer $root
            $keyPem = if ($fault -eq 'KeyMismatch') { (New-FleetCertificate -Subject 'CN=other' -DaysLeft 1).KeyPem } else { $leaf.KeyPem }
            New-TlsSecretYaml -Namespace $ns -Name $secret -CertPem ($leaf.CertPem + $root.CertPem) -KeyPem $keyPem
        }
        Set-Content -LiteralPath (Join-Path $Path "$context.yaml") -Value ($documents -join "`n")
    }
    $rootPath
}

function Get-Fleet {
    <#
    The fleet as Get-IngressCertificate reports it, with Context set to the kube context each file stands for (offline
    input names the file, whose path differs on every machine).
    #>
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][string] $RootPath)
    foreach ($r in Get-IngressCertificate -Path (Join-Path $Path '*.yaml') -TrustedRootPath $RootPath -AsOf $FleetAsOf) {
        $r.Context = [IO.Path]::GetFileNameWithoutExtension($r.Context)
        $r
    }
}

function New-ModelObject {
    <# An object of one of the module's output types (they live in its private load context) with the given properties. #>
    param([Parameter(Mandatory)][string] $TypeName, [hashtable] $Property = @{})
    $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'IngressCerts.Engine' } | Select-Object -First 1
    $object = [Activator]::CreateInstance($engine.GetType("IngressCerts.$TypeName", $true))
    # Through reflection: the dates are read-only ETS properties in PowerShell (IngressCerts.Types.ps1xml), and
    # Findings and Checks internal properties behind ETS ones (IngressCerts.Output.Types.ps1xml).
    foreach ($p in $Property.GetEnumerator()) {
        $clr = $object.GetType().GetProperty($p.Key, [Reflection.BindingFlags]'Instance, Public, NonPublic')
        $clr.SetValue($object, [Management.Automation.LanguagePrimitives]::ConvertTo($p.Value, $clr.PropertyType))
    }
    $object
}

function New-CheckList {
    <# A CertificateCheckList of checks given as "Name|Passed|Message" lines. #>
    param([string[]] $Check)
    $checks = foreach ($line in $Check) {
        $name, $passed, $message = $line -split '\|', 3
        New-ModelObject CertificateCheck @{ Name = $name; Passed = $passed -eq 'True'; Message = $message }
    }
    $array = [Array]::CreateInstance($checks[0].GetType(), $checks.Count)
    for ($i = 0; $i -lt $checks.Count; $i++) { $array[$i] = $checks[$i] }
    Write-Output -NoEnumerate ([Activator]::CreateInstance($checks[0].GetType().Assembly.GetType('IngressCerts.CertificateCheckList'), @(, $array)))
}

function Get-FleetPublishResult {
    <# What a fleet-wide publish, and an undo, report; fixed thumbprints and dates. #>
    $a = 'B95AA2B5E2C77D3EC653DBCBDAD19A0F3B83A4E5'; $b = '61BE7F38521CD0D07AEF059B959BEADE21555FE8'; $c = '0F3B83A4E5B95AA2B5E2C77D3EC653DBCBDAD19A'
    New-ModelObject PublishResult @{ Context = 'aks-prod-westeurope'; Namespace = 'team-payments-prod'; SecretName = 'customer-identity-portal-tls'; IngressName = 'customer-identity-portal'
        Hosts = [string[]]@('login.contoso.com', 'id.contoso.com'); Action = 'Updated'; PreviousThumbprint = $b; Thumbprint = $a; NotAfter = $FleetAsOf.AddDays(397); Verified = $true }
    New-ModelObject PublishResult @{ Context = 'aks-prod-northeurope'; Namespace = 'team-identity-prod'; SecretName = 'customer-identity-portal-tls'; IngressName = 'customer-identity-portal'
        Hosts = [string[]]@('login.contoso.eu'); Action = 'Unchanged'; PreviousThumbprint = $a; Thumbprint = $a; NotAfter = $FleetAsOf.AddDays(397) }
    New-ModelObject PublishResult @{ Context = 'aks-staging-westeurope'; Namespace = 'payments-staging'; SecretName = 'customer-identity-portal-tls'
        Hosts = [string[]]@('stage.contoso.com'); Action = 'Deleted'; PreviousThumbprint = $c; Thumbprint = '' }
}

function Get-FleetTestResult {
    <# What Test-IngressCertificate -Detailed reports for part of the fleet. #>
    New-ModelObject CertificateTestResult @{ Context = 'aks-prod-westeurope'; Namespace = 'team-payments-prod'; Name = 'customer-identity-portal'; SecretName = 'customer-identity-portal-tls'
        Host = 'login.contoso.com, id.contoso.com, sso.contoso.com'
        Checks = New-CheckList 'SecretPresent|True|tls.crt and tls.key are present', 'KeyMatches|True|tls.key is the key of the certificate', 'Served:login.contoso.com|True|login.contoso.com serves the certificate' }
    New-ModelObject CertificateTestResult @{ Context = 'aks-prod-westeurope'; Namespace = 'team-payments-prod'; Name = 'checkout-api'; SecretName = 'checkout-api-tls'
        Host = 'checkout.contoso.com'; Checks = New-CheckList 'SecretPresent|True|tls.crt and tls.key are present', 'DaysRemaining|False|12 days remain; at least 30 are required' }
    New-ModelObject CertificateTestResult @{ Context = 'aks-staging-westeurope'; Namespace = 'payments-staging'; Name = 'customer-identity-portal'; SecretName = 'customer-identity-portal-tls'
        Host = 'stage.contoso.com'
        Checks = New-CheckList 'CoversHosts|False|The certificate covers other.contoso.com, not stage.contoso.com', 'Served:stage.contoso.com|False|stage.contoso.com serves another certificate (thumbprint 61BE7F38521CD0D07AEF059B959BEADE21555FE8), not the one in the Secret' }
}

function Get-FleetHistoryEntry {
    <# Two earlier certificates of one Secret. #>
    foreach ($i in 1, 2) {
        New-ModelObject CertificateHistoryEntry @{ Context = 'aks-prod-westeurope'; Namespace = 'team-payments-prod'; SecretName = 'customer-identity-portal-tls'
            Name = "customer-identity-portal-tls-history-$i"; Thumbprint = ('61BE7F38521CD0D07AEF059B959BEADE21555FE' + $i); NotAfter = $FleetAsOf.AddDays(-30 * $i)
            ArchivedAt = $FleetAsOf.AddDays(-40 * $i).AddMinutes(17); ArchivedBy = "2029$('{0:D2}' -f (12 - $i))21081700123-B95AA2B5" }
    }
}

function Assert-ReadableExport {
    <#
    Exports the objects with Export-Csv under a German culture (comma decimal, dd.MM.yyyy dates) and ConvertTo-Json at
    the default depth, and checks that both are what a person or a script can read: one CSV line per object, no type
    names or certificate dumps, ISO 8601 dates that parse back, and JSON without a depth warning or certificate bytes.
    Returns the imported CSV rows.
    #>
    param([Parameter(Mandatory)][object[]] $InputObject, [Parameter(Mandatory)][string] $Path)
    $saved = [cultureinfo]::CurrentCulture
    try {
        [cultureinfo]::CurrentCulture = 'de-DE'
        $InputObject | Export-Csv -LiteralPath $Path -NoTypeInformation
        $rows = @(Import-Csv -LiteralPath $Path)
        $rows.Count | Should -Be $InputObject.Count
        @(Get-Content -LiteralPath $Path).Count | Should -Be ($InputObject.Count + 1) -Because 'each object is one line, no cell spans lines'
        $text = Get-Content -LiteralPath $Path -Raw
        $text | Should -Not -Match 'System\.|IngressCerts\.|\[Subject\]|-----BEGIN' -Because 'lists and certificates read as text, not as type names or dumps'
        foreach ($row in $rows) {
            foreach ($cell in $row.PSObject.Properties) {
                if ($cell.Name -in 'NotBefore', 'NotAfter', 'ArchivedAt' -and $cell.Value) {
                    $cell.Value | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
                    $parsed = [datetime]::Parse($cell.Value, [cultureinfo]::InvariantCulture, [Globalization.DateTimeStyles]::AdjustToUniversal)
                    $original = $InputObject[[array]::IndexOf($rows, $row)].($cell.Name)
                    $parsed | Should -Be ([datetime]$original).AddTicks(-(([datetime]$original).Ticks % [timespan]::TicksPerSecond))
                }
            }
        }

        # Each object on its own, at the default depth (an array adds one level: see the Test results test).
        foreach ($o in $InputObject) {
            $json = ConvertTo-Json -InputObject $o -WarningVariable depthWarnings
            $depthWarnings | Should -BeNullOrEmpty
            $json | Should -Not -Match 'RawData|"Certificate"|"Chain"|PublicKey'
            $json.Length | Should -BeLessThan 4000 -Because 'the object is compact'
        }

        # All of them at once, as `... | ConvertTo-Json` gives them: one level deeper, so a list's items sit at depth 3.
        $json = $InputObject | ConvertTo-Json -WarningVariable depthWarnings
        $depthWarnings | Should -BeNullOrEmpty -Because 'an array of results converts at the default depth too'
        $json | Should -Not -Match 'RawData|"Certificate"|"Chain"|PublicKey'
        $rows
    }
    finally { [cultureinfo]::CurrentCulture = $saved }
}

Export-ModuleMember -Function New-FleetManifests, Get-Fleet, New-FleetCertificate, New-ModelObject, Get-FleetPublishResult, Get-FleetTestResult, Get-FleetHistoryEntry, Assert-ReadableExport -Variable FleetAsOf

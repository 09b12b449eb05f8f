# cert-manager in the offline inventory, as a user sees it: the properties on the output object, their text in CSV and
# JSON (the renewal time in ISO 8601 UTC whatever the culture), and the list view. The live cases are in the xunit
# CertManagerClusterTests (against the test server).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force

    $dir = Join-Path $TestDrive 'cm'
    New-Item -ItemType Directory -Path $dir | Out-Null
    $shop = New-TestCertificate -Subject 'CN=shop.example' -DnsName 'shop.example'
    $text = @(
        (New-IngressYaml -Namespace shop -Name shop -Hosts 'shop.example' -SecretName shop-tls),
        (New-IngressYaml -Namespace shop -Name api -Hosts 'shop.example' -SecretName api-tls),
        (New-IngressYaml -Namespace shop -Name plain -Hosts 'shop.example' -SecretName plain-tls),
        (New-TlsSecretYaml -Namespace shop -Name shop-tls -CertPem $shop.CertPem -KeyPem $shop.KeyPem),
        (New-TlsSecretYaml -Namespace shop -Name api-tls -CertPem $shop.CertPem -KeyPem $shop.KeyPem -Annotations @{ 'cert-manager.io/certificate-name' = 'api'; 'cert-manager.io/issuer-name' = 'vault'; 'cert-manager.io/issuer-kind' = 'Issuer' }),
        (New-TlsSecretYaml -Namespace shop -Name plain-tls -CertPem $shop.CertPem -KeyPem $shop.KeyPem),
        # As kubectl get certificate -o yaml writes it.
        (@('---', 'apiVersion: cert-manager.io/v1', 'kind: Certificate', 'metadata: {name: shop, namespace: shop}', 'spec:', '  secretName: shop-tls',
            '  dnsNames: [shop.example]', '  issuerRef: {name: letsencrypt, kind: ClusterIssuer, group: cert-manager.io}', 'status:', '  conditions:',
            '  - {type: Ready, status: "False", reason: Failed, message: "The certificate request has failed to complete and will be retried", lastTransitionTime: "2026-11-01T10:00:00Z"}',
            '  renewalTime: "2027-02-03T04:05:06Z"') -join "`n")
    ) -join "`n"
    Set-Content (Join-Path $dir 'all.yaml') $text
    $byName = @{}
    foreach ($r in Get-IngressCertificate -Path $dir) { $byName[$r.Name] = $r }
}

Describe 'Get-IngressCertificate -Path with cert-manager Certificates' {
    It 'shows the managing Certificate, its issuer, its Ready condition and renewal time as typed properties' {
        $r = $byName.shop
        $r.ManagedBy | Should -Be 'cert-manager'
        $r.CertManagerCertificate | Should -Be 'shop'
        $r.CertManagerIssuer | Should -Be 'ClusterIssuer/letsencrypt'
        $r.CertManagerIssuerGroup | Should -Be 'cert-manager.io'
        $r.CertManagerReady | Should -Be 'False'
        $r.CertManagerReadyReason | Should -Be 'Failed'
        $r.CertManagerReadyMessage | Should -Be 'The certificate request has failed to complete and will be retried'
        $r.CertManagerRenewalTime | Should -BeOfType [datetime]
        $r.CertManagerRenewalTime | Should -Be ([datetime]::new(2027, 2, 3, 4, 5, 6, [DateTimeKind]::Utc))
    }

    It 'names the Certificate and issuer from the Secret''s annotations alone, and nothing for a Secret cert-manager does not manage' {
        $byName.api.CertManagerCertificate | Should -Be 'api'
        $byName.api.CertManagerIssuer | Should -Be 'Issuer/vault'
        $byName.api.CertManagerReady | Should -BeNullOrEmpty
        $byName.plain.CertManagerCertificate | Should -BeNullOrEmpty
        $byName.plain.ManagedBy | Should -Be ''
    }

    It 'writes them to CSV and JSON as text, the renewal time in ISO 8601 UTC whatever the culture' {
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            $row = $byName.shop | ConvertTo-Csv | ConvertFrom-Csv
        }
        finally { [cultureinfo]::CurrentCulture = $culture }
        $row.CertManagerRenewalTime | Should -Be '2027-02-03T04:05:06Z'
        $row.CertManagerReady | Should -Be 'False'
        $row.CertManagerIssuer | Should -Be 'ClusterIssuer/letsencrypt'
        $json = $byName.shop | ConvertTo-Json | ConvertFrom-Json -DateKind String
        $json.CertManagerCertificate | Should -Be 'shop'
        $json.CertManagerReadyReason | Should -Be 'Failed'
    }

    It 'shows them in the list view only where cert-manager manages the Secret' {
        $shown = $byName.shop | Format-List | Out-String
        $shown | Should -Match 'CertManagerCertificate\s*:\s*shop'
        $shown | Should -Match 'CertManagerIssuer\s*:\s*ClusterIssuer/letsencrypt \(cert-manager.io\)'
        $shown | Should -Match 'CertManagerReady\s*:\s*False: Failed: The certificate request has failed'
        $shown | Should -Match 'CertManagerRenewalTime\s*:\s*2027-02-03T04:05:06Z'
        $byName.plain | Format-List | Out-String | Should -Not -Match 'CertManager'
    }
}

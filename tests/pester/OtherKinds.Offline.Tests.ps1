BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force

    $dir = Join-Path $TestDrive 'kinds'
    New-Item -ItemType Directory -Path $dir | Out-Null
    $shop = New-TestCertificate -Subject 'CN=shop.example' -DnsName 'shop.example', 'www.shop.example'
    $route = [ordered]@{
        apiVersion = 'route.openshift.io/v1'; kind = 'Route'
        metadata   = @{ name = 'storefront'; namespace = 'shop' }
        spec       = @{ host = 'shop.example'; to = @{ kind = 'Service'; name = 'web' }
                        tls = @{ termination = 'edge'; certificate = $shop.CertPem; key = $shop.KeyPem } }
    }
    # JSON is YAML: the PEM's line breaks survive as \n escapes.
    $route | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $dir 'route.yaml')
    @(
        '---', 'apiVersion: traefik.io/v1alpha1', 'kind: IngressRoute', 'metadata: {name: web, namespace: shop}', 'spec:',
        '  routes:', "  - match: 'Host(``shop.example``) || Host(``www.shop.example``)'", '    kind: Rule', '    services: [{name: web, port: 80}]',
        '  tls: {secretName: shop-tls}'
    ) -join "`n" | Set-Content (Join-Path $dir 'ingressroute.yaml')
    @(
        '---', 'apiVersion: networking.istio.io/v1', 'kind: Gateway', 'metadata: {name: edge, namespace: shop}', 'spec:', '  servers:',
        '  - port: {number: 443, name: https-shop, protocol: HTTPS}', '    hosts: [shop/shop.example]', '    tls: {mode: SIMPLE, credentialName: shop-tls}'
    ) -join "`n" | Set-Content (Join-Path $dir 'istio.yaml')
    New-TlsSecretYaml -Namespace shop -Name shop-tls -CertPem $shop.CertPem -KeyPem $shop.KeyPem | Set-Content (Join-Path $dir 'secret.yaml')
}

Describe 'Get-IngressCertificate -Path with the other controllers'' kinds' {
    It 'reports an OpenShift Route''s inline certificate with its Kind and host, and no key' {
        $r = Get-IngressCertificate -Path (Join-Path $dir 'route.yaml')
        $r.Kind | Should -Be 'Route'
        $r.Hosts | Should -Be @('shop.example')
        $r.Status | Should -Be 'Valid'
        $r.SecretName | Should -BeNullOrEmpty
        $r.Findings.Id | Should -Contain 'InlineCertificate'
        $r.Thumbprint | Should -Be $shop.Certificate.Thumbprint
        ($r | ConvertTo-Json) + ($r | Format-List * | Out-String) | Should -Not -Match ('PRIVATE' + ' KEY')
    }

    It 'reports a Traefik IngressRoute with its Kind, the hosts of its Host matchers and its Secret' {
        $r = Get-IngressCertificate -Path $dir | Where-Object Kind -eq 'IngressRoute'
        $r.Name | Should -Be 'web'
        $r.Hosts | Should -Be @('shop.example', 'www.shop.example')
        $r.SecretName | Should -Be 'shop-tls'
        $r.Status | Should -Be 'Valid'
    }

    It 'reports an Istio Gateway server with its Kind, port name as Listener, and hosts without their namespace' {
        $r = Get-IngressCertificate -Path (Join-Path $dir 'istio.yaml'), (Join-Path $dir 'secret.yaml')
        $r.Kind | Should -Be 'Gateway'
        $r.Listener | Should -Be 'https-shop'
        $r.Hosts | Should -Be @('shop.example')
        $r.Status | Should -Be 'Valid'
    }
}

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

    # Contour: a proxy using its own Secret, one using a delegated Secret of another namespace, one not delegated.
    $contour = Join-Path $TestDrive 'contour'
    New-Item -ItemType Directory -Path $contour | Out-Null
    @(
        '---', 'apiVersion: projectcontour.io/v1', 'kind: HTTPProxy', 'metadata: {name: own, namespace: shop}',
        'spec: {virtualhost: {fqdn: shop.example, tls: {secretName: shop-tls}}, routes: [{services: [{name: web, port: 80}]}]}',
        '---', 'apiVersion: projectcontour.io/v1', 'kind: HTTPProxy', 'metadata: {name: delegated, namespace: shop}',
        'spec: {virtualhost: {fqdn: www.shop.example, tls: {secretName: certs/shared}}, routes: [{services: [{name: web, port: 80}]}]}',
        '---', 'apiVersion: projectcontour.io/v1', 'kind: HTTPProxy', 'metadata: {name: delegated, namespace: blog}',
        'spec: {virtualhost: {fqdn: www.shop.example, tls: {secretName: certs/shared}}, routes: [{services: [{name: web, port: 80}]}]}',
        '---', 'apiVersion: projectcontour.io/v1', 'kind: TLSCertificateDelegation', 'metadata: {name: shared, namespace: certs}',
        'spec: {delegations: [{secretName: shared, targetNamespaces: [shop]}]}'
    ) -join "`n" | Set-Content (Join-Path $contour 'proxies.yaml')
    New-TlsSecretYaml -Namespace shop -Name shop-tls -CertPem $shop.CertPem -KeyPem $shop.KeyPem | Set-Content (Join-Path $contour 'shop.yaml')
    New-TlsSecretYaml -Namespace certs -Name shared -CertPem $shop.CertPem -KeyPem $shop.KeyPem | Set-Content (Join-Path $contour 'shared.yaml')
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

    It 'tells an Istio Gateway from a Gateway API Gateway by ApiGroup, and binds no Gateway to Publish from an Istio row' {
        $gwapi = Join-Path $TestDrive 'gwapi.yaml'
        @(
            '---', 'apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: {name: edge, namespace: shop}', 'spec:',
            '  gatewayClassName: x', '  listeners:', '  - {name: https-shop, port: 443, protocol: HTTPS, hostname: shop.example, tls: {certificateRefs: [{name: shop-tls}]}}'
        ) -join "`n" | Set-Content $gwapi
        $rows = Get-IngressCertificate -Path (Join-Path $dir 'istio.yaml'), $gwapi, (Join-Path $dir 'secret.yaml')
        $istio = $rows | Where-Object ApiGroup -EQ 'networking.istio.io'
        $api = $rows | Where-Object ApiGroup -EQ 'gateway.networking.k8s.io'
        @($istio).Count | Should -Be 1
        @($api).Count | Should -Be 1
        $istio.Kind, $api.Kind | Should -Be 'Gateway', 'Gateway'
        # Same name, same listener name: only the Gateway API row wires a Gateway when piped to Publish.
        $api.GatewayName, $api.ListenerName | Should -Be 'edge', 'https-shop'
        $istio.GatewayName | Should -BeNullOrEmpty
        $istio.ListenerName | Should -BeNullOrEmpty
        ($istio | Format-Table | Out-String -Width 250) | Should -Match 'Gateway \(Istio\)'
        ($istio | ConvertTo-Json -Depth 2 | ConvertFrom-Json).ApiGroup | Should -Be 'networking.istio.io'
        ($rows | ConvertTo-Csv | ConvertFrom-Csv).ApiGroup | Sort-Object | Should -Be 'gateway.networking.k8s.io', 'networking.istio.io'
    }

    It 'gives every kind its API group' {
        (Get-IngressCertificate -Path (Join-Path $dir 'route.yaml')).ApiGroup | Should -Be 'route.openshift.io'
        (Get-IngressCertificate -Path (Join-Path $dir 'ingressroute.yaml'), (Join-Path $dir 'secret.yaml')).ApiGroup | Should -Be 'traefik.io'
    }

    It 'reads an Istio Gateway''s Secret from -IstioGatewayNamespace when given' {
        $istio = Join-Path $TestDrive 'istio-ns'
        New-Item -ItemType Directory -Path $istio -Force | Out-Null
        Copy-Item (Join-Path $dir 'istio.yaml') $istio
        New-TlsSecretYaml -Namespace istio-system -Name shop-tls -CertPem $shop.CertPem -KeyPem $shop.KeyPem | Set-Content (Join-Path $istio 'secret.yaml')
        (Get-IngressCertificate -Path $istio).Status | Should -Be 'SecretNotFound'
        $r = Get-IngressCertificate -Path $istio -IstioGatewayNamespace istio-system
        $r.Status | Should -Be 'Valid'
        $r.SecretNamespace | Should -Be 'istio-system'
        $r.Namespace | Should -Be 'shop'
    }

    It 'reports Contour HTTPProxies with Kind HTTPProxy, and a Secret of another namespace only where a TLSCertificateDelegation allows it' {
        $r = Get-IngressCertificate -Path $contour
        $r.Kind | Sort-Object -Unique | Should -Be 'HTTPProxy'
        ($r | Where-Object { $_.Namespace -eq 'shop' -and $_.Name -eq 'own' }).Status | Should -Be 'Valid'
        $delegated = $r | Where-Object { $_.Namespace -eq 'shop' -and $_.Name -eq 'delegated' }
        $delegated.Status | Should -Be 'Valid'
        $delegated.SecretNamespace | Should -Be 'certs'
        $blog = $r | Where-Object Namespace -eq 'blog'
        $blog.Status | Should -Be 'ReferenceNotPermitted'
        $blog.Issues | Should -Match 'TLSCertificateDelegation'
        Get-IngressCertificate -Path $contour -Status ReferenceNotPermitted | Select-Object -ExpandProperty Namespace | Should -Be 'blog'
    }

    It 'reports an HTTPProxy whose tls names no Secret as Contour does: invalid, serving nothing, not the default certificate' {
        $file = Join-Path $TestDrive 'invalid-proxy.yaml'
        @('apiVersion: projectcontour.io/v1', 'kind: HTTPProxy', 'metadata: {name: nosecret, namespace: shop}',
          'spec: {virtualhost: {fqdn: shop.example, tls: {minimumProtocolVersion: "1.3"}}, routes: [{services: [{name: web, port: 80}]}]}') -join "`n" | Set-Content $file
        $r = Get-IngressCertificate -Path $file
        $r.Status | Should -Be 'SecretNotFound'
        $r.Findings.Id | Should -Be @('TlsConfigNotValid')
        $r.Issues | Should -Match 'Contour marks it invalid \(TLSConfigNotValid: "Spec.VirtualHost.TLS: neither Passthrough nor SecretName were specified"\) and serves nothing for shop.example'
    }

    It 'reads a Secret holding both pairs as Istio does for an Istio Gateway (cert and key) and as tls.* for an Ingress' {
        $both = Join-Path $TestDrive 'both'
        New-Item -ItemType Directory -Path $both | Out-Null
        $generic = New-TestCertificate -Subject 'CN=shop.example' -DnsName 'shop.example'
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($s)) }
        @('---', 'apiVersion: v1', 'kind: Secret', 'type: Opaque', 'metadata: {name: both, namespace: shop}', 'data:',
          "  tls.crt: $(& $b64 $shop.CertPem)", "  tls.key: $(& $b64 $shop.KeyPem)", "  cert: $(& $b64 $generic.CertPem)", "  key: $(& $b64 $generic.KeyPem)",
          '---', 'apiVersion: networking.istio.io/v1', 'kind: Gateway', 'metadata: {name: edge, namespace: shop}', 'spec:', '  servers:',
          '  - port: {number: 443, name: https, protocol: HTTPS}', '    hosts: [shop.example]', '    tls: {mode: SIMPLE, credentialName: both}',
          '---', 'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: web, namespace: shop}', 'spec:',
          '  tls: [{hosts: [shop.example], secretName: both}]') -join "`n" | Set-Content (Join-Path $both 'both.yaml')
        $r = Get-IngressCertificate -Path $both
        ($r | Where-Object Kind -eq 'Gateway').Thumbprint | Should -Be $generic.Certificate.Thumbprint
        ($r | Where-Object Kind -eq 'Ingress').Thumbprint | Should -Be $shop.Certificate.Thumbprint
    }

    It 'names a Route''s own fields in the findings about its inline certificate' {
        $other = New-TestCertificate -Subject 'CN=shop.example' -DnsName 'shop.example'
        $mismatch = [ordered]@{
            apiVersion = 'route.openshift.io/v1'; kind = 'Route'
            metadata   = @{ name = 'mismatch'; namespace = 'shop' }
            spec       = @{ host = 'shop.example'; to = @{ kind = 'Service'; name = 'web' }
                            tls = @{ termination = 'edge'; certificate = $shop.CertPem; key = $other.KeyPem } }
        }
        $file = Join-Path $TestDrive 'mismatch.yaml'
        $mismatch | ConvertTo-Json -Depth 5 | Set-Content $file
        $r = Get-IngressCertificate -Path $file
        $r.Status | Should -Be 'KeyMismatch'
        ($r.Findings | Where-Object Id -eq 'KeyMismatch').Message | Should -Match '^spec\.tls\.key does not belong to certificate'
    }
}

# Test-IngressCertificate against a cluster on the other controllers' kinds (issue 15): OpenShift Routes, Traefik
# IngressRoutes, Contour HTTPProxies and Istio Gateways, by hand and piped from Get-IngressCertificate. Each Describe
# skips, saying why, where the cluster does not serve its API; every test compares only the objects it made.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'kinds'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $shop = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example'
    $other = New-TestCertificate -Subject 'CN=api.contoso.example' -DnsName 'api.contoso.example'
    # Self-signed test certificates: their own file is the trusted root, so that a good one passes every check.
    $root = Join-Path $TestDrive 'shop.crt'
    Set-Content $root $shop.CertPem
    $trust = @{ TrustedRootPath = $root }
    function Skip-Unless([string] $GroupVersion) {
        if (-not (Test-ApiServed $cluster $GroupVersion)) {
            Set-ItResult -Skipped -Because "the cluster does not serve $GroupVersion (its CRDs are not installed)"
            return $true
        }
        $false
    }
    function New-GenericSecret([string] $Namespace, [string] $Name, [hashtable] $Data) {
        $encoded = @{}
        foreach ($k in $Data.Keys) { $encoded[$k] = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($Data[$k])) }
        @{ apiVersion = 'v1'; kind = 'Secret'; type = 'Opaque'; metadata = @{ name = $Name; namespace = $Namespace }; data = $encoded }
    }
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe 'Test-IngressCertificate -Kind Route' {
    BeforeAll {
        if (-not (Test-ApiServed $cluster 'route.openshift.io/v1')) { return }
        $ns = New-TestNamespace $cluster 'tk-route-'
        function New-Route([string] $Name, [hashtable] $Tls) {
            @{ apiVersion = 'route.openshift.io/v1'; kind = 'Route'; metadata = @{ name = $Name; namespace = $ns }
               spec = @{ host = 'shop.contoso.example'; to = @{ kind = 'Service'; name = 'web' }; tls = $Tls } }
        }
        Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'ext-tls' $shop)
        Add-ClusterObject $cluster (New-Route 'inline' @{ termination = 'edge'; certificate = $shop.CertPem; key = $shop.KeyPem })
        Add-ClusterObject $cluster (New-Route 'wrongkey' @{ termination = 'edge'; certificate = $shop.CertPem; key = $other.KeyPem })
        Add-ClusterObject $cluster (New-Route 'external' @{ termination = 'edge'; externalCertificate = @{ name = 'ext-tls' } })
        Add-ClusterObject $cluster (New-Route 'pass' @{ termination = 'passthrough' })
    }

    It 'checks an inline certificate from spec.tls, and its key' {
        if (Skip-Unless 'route.openshift.io/v1') { return }
        Test-IngressCertificate @kc @trust -Kind Route -Namespace $ns -Name inline -Thumbprint $shop.Certificate.Thumbprint | Should -BeTrue
        $bad = Test-IngressCertificate @kc @trust -Kind Route -Namespace $ns -Name wrongkey -Detailed
        $bad.FailedChecks | Should -Be @('KeyMatches')
        ($bad.Checks | Where-Object Name -eq KeyMatches).Expected | Should -Be 'spec.tls.key belongs to the certificate'
        ($bad | ConvertTo-Json -Depth 5) | Should -Not -Match ('PRIVATE' + ' KEY')
    }

    It 'checks an externalCertificate in its Secret, and says a passthrough route holds no certificate at the router' {
        if (Skip-Unless 'route.openshift.io/v1') { return }
        (Test-IngressCertificate @kc @trust -Kind Route -Namespace $ns -Name external -Detailed).Checks[0].Expected | Should -Be "Secret $ns/ext-tls"
        $pass = Test-IngressCertificate @kc -Kind Route -Namespace $ns -Name pass -Detailed
        $pass.Passed | Should -BeTrue
        $pass.Checks.Name | Should -Be @('Passthrough')
        $pass.Checks[0].Message | Should -Match 'the router holds no certificate'
    }

    It 'takes Get-IngressCertificate''s Route rows from the pipeline, one result per row' {
        if (Skip-Unless 'route.openshift.io/v1') { return }
        $r = Get-IngressCertificate @kc -Namespace $ns | Test-IngressCertificate @kc @trust -Detailed
        ($r | ForEach-Object { "$($_.Kind) $($_.Name) $($_.Passed)" } | Sort-Object) | Should -Be @('Route external True', 'Route inline True', 'Route pass True', 'Route wrongkey False')
    }

    It 'reports a Route that does not exist as a failed check naming it' {
        if (Skip-Unless 'route.openshift.io/v1') { return }
        $r = Test-IngressCertificate @kc -Kind Route -Namespace $ns -Name nope -Detailed
        $r.FailedChecks | Should -Be @('Found')
        $r.Checks[0].Message | Should -BeLike "Route $ns/nope does not exist*"
    }
}

Describe 'Test-IngressCertificate -Kind IngressRoute' {
    BeforeAll {
        if (-not (Test-ApiServed $cluster 'traefik.io/v1alpha1')) { return }
        $ns = New-TestNamespace $cluster 'tk-traefik-'
        function New-IngressRoute([string] $Name, [string] $Match, [hashtable] $Tls) {
            @{ apiVersion = 'traefik.io/v1alpha1'; kind = 'IngressRoute'; metadata = @{ name = $Name; namespace = $ns }
               spec = @{ routes = @(@{ match = $Match; kind = 'Rule'; services = @(@{ name = 'web'; port = 80 }) }); tls = $Tls } }
        }
        Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'shop-tls' $shop)
        Add-ClusterObject $cluster (New-IngressRoute 'web' 'Host(`shop.contoso.example`) && !(Host(`api.contoso.example`) || Host(`old.contoso.example`))' @{ secretName = 'shop-tls' })
        Add-ClusterObject $cluster (New-IngressRoute 'wrong' 'Host(`api.contoso.example`)' @{ secretName = 'shop-tls' })
    }

    It 'checks the Secret against the hosts of the rule, not the negated ones' {
        if (Skip-Unless 'traefik.io/v1alpha1') { return }
        $r = Test-IngressCertificate @kc @trust -Kind IngressRoute -Namespace $ns -Name web -Detailed
        $r.Passed | Should -BeTrue
        $r.Host | Should -Be 'shop.contoso.example'
        (Test-IngressCertificate @kc @trust -Kind IngressRoute -Namespace $ns -Name wrong -Detailed).FailedChecks | Should -Be @('CoversHosts')
    }

    It 'takes IngressRoute rows from the pipeline' {
        if (Skip-Unless 'traefik.io/v1alpha1') { return }
        $r = Get-IngressCertificate @kc -Namespace $ns | Test-IngressCertificate @kc @trust -Detailed
        ($r | ForEach-Object { "$($_.Kind) $($_.ApiGroup) $($_.Name) $($_.Passed)" } | Sort-Object) |
            Should -Be @('IngressRoute traefik.io web True', 'IngressRoute traefik.io wrong False')
    }
}

Describe 'Test-IngressCertificate -Kind HTTPProxy' {
    BeforeAll {
        if (-not (Test-ApiServed $cluster 'projectcontour.io/v1')) { return }
        $ns = New-TestNamespace $cluster 'tk-contour-'
        $certs = New-TestNamespace $cluster 'tk-certs-'
        Add-ClusterObject $cluster (ConvertTo-SecretObject $certs 'shared' $shop)
        Add-ClusterObject $cluster @{ apiVersion = 'projectcontour.io/v1'; kind = 'HTTPProxy'; metadata = @{ name = 'web'; namespace = $ns }
            spec = @{ virtualhost = @{ fqdn = 'shop.contoso.example'; tls = @{ secretName = "$certs/shared" } }; routes = @(@{ services = @(@{ name = 'web'; port = 80 }) }) } }
    }

    It 'fails a Secret of another namespace that no TLSCertificateDelegation delegates, and passes once one does' {
        if (Skip-Unless 'projectcontour.io/v1') { return }
        $denied = Test-IngressCertificate @kc @trust -Kind HTTPProxy -Namespace $ns -Name web -Detailed
        $denied.FailedChecks | Should -Be @('ReferencePermitted')
        ($denied.Checks | Where-Object Name -eq ReferencePermitted).Message | Should -Match "no TLSCertificateDelegation in '$certs' delegates it to '$ns'"
        $denied.Status | Should -Be 'ReferenceNotPermitted'

        Add-ClusterObject $cluster @{ apiVersion = 'projectcontour.io/v1'; kind = 'TLSCertificateDelegation'; metadata = @{ name = 'shared'; namespace = $certs }
            spec = @{ delegations = @(@{ secretName = 'shared'; targetNamespaces = @($ns) }) } }
        Test-IngressCertificate @kc @trust -Kind HTTPProxy -Namespace $ns -Name web | Should -BeTrue
        Get-IngressCertificate @kc -Namespace $ns | Test-IngressCertificate @kc @trust | Should -BeTrue
    }

    It 'fails a proxy whose tls names no Secret with Contour''s reason, not the default certificate' {
        if (Skip-Unless 'projectcontour.io/v1') { return }
        Add-ClusterObject $cluster @{ apiVersion = 'projectcontour.io/v1'; kind = 'HTTPProxy'; metadata = @{ name = 'nosecret'; namespace = $ns }
            spec = @{ virtualhost = @{ fqdn = 'shop.contoso.example'; tls = @{ minimumProtocolVersion = '1.3' } }; routes = @(@{ services = @(@{ name = 'web'; port = 80 }) }) } }
        $r = Test-IngressCertificate @kc @trust -Kind HTTPProxy -Namespace $ns -Name nosecret -Detailed
        $r.FailedChecks | Should -Be @('SecretPresent')
        $r.Checks[0].Message | Should -Match 'Contour marks it invalid \(TLSConfigNotValid'
        $r.Checks[0].Message | Should -Not -Match 'default certificate'
        $r.Status | Should -Be 'SecretNotFound'
    }
}

Describe 'Test-IngressCertificate on an Istio Gateway' {
    BeforeAll {
        if (-not (Test-ApiServed $cluster 'networking.istio.io/v1')) { return }
        $ns = New-TestNamespace $cluster 'tk-istio-'
        $workload = New-TestNamespace $cluster 'tk-istio-system-'
        $ca = New-TestCertificate -Subject 'CN=Client Root' -CertificateAuthority -Days 400
        Add-ClusterObject $cluster (New-GenericSecret $workload 'shop-cred' @{ cert = $shop.CertPem; key = $shop.KeyPem })
        Add-ClusterObject $cluster (New-GenericSecret $workload 'shop-cred-cacert' @{ cacert = $ca.CertPem })
        function New-Server([string] $Port, [hashtable] $Tls) { @{ port = @{ number = 443; name = $Port; protocol = 'HTTPS' }; hosts = @("$ns/shop.contoso.example"); tls = $Tls } }
        Add-ClusterObject $cluster @{ apiVersion = 'networking.istio.io/v1'; kind = 'Gateway'; metadata = @{ name = 'edge'; namespace = $ns }
            spec = @{ selector = @{ istio = 'ingressgateway' }; servers = @(
                    (New-Server 'https' @{ mode = 'SIMPLE'; credentialName = 'shop-cred' }),
                    (New-Server 'mtls' @{ mode = 'MUTUAL'; credentialName = 'shop-cred' })) } }
    }

    It 'reads the generic Secret in the gateway workload''s namespace and reports the MUTUAL CA bundle' {
        if (Skip-Unless 'networking.istio.io/v1') { return }
        $r = Test-IngressCertificate @kc @trust -Kind Gateway -ApiGroup networking.istio.io -Namespace $ns -Name edge -IstioGatewayNamespace $workload -Detailed
        ($r | ForEach-Object { "$($_.Listener) $($_.Passed)" } | Sort-Object) | Should -Be @('https True', 'mtls True')
        $mtls = $r | Where-Object Listener -eq 'mtls'
        ($mtls.Checks | Where-Object Name -eq ClientCaBundle).Message | Should -Match "Secret $workload/shop-cred-cacert: 'CN=Client Root'"
        ($mtls.Checks | Where-Object Name -eq KeyMatches).Expected | Should -Be 'key belongs to the certificate'
    }

    It 'tests the cert and key Istio serves from a Secret that also holds tls.crt and tls.key' {
        if (Skip-Unless 'networking.istio.io/v1') { return }
        # A namespace of its own, so that the other tests' Gateways stay as they are.
        $own = New-TestNamespace $cluster 'tk-istio-both-'
        Add-ClusterObject $cluster (New-GenericSecret $own 'both-cred' @{ 'tls.crt' = $other.CertPem; 'tls.key' = $other.KeyPem; cert = $shop.CertPem; key = $shop.KeyPem })
        Add-ClusterObject $cluster @{ apiVersion = 'networking.istio.io/v1'; kind = 'Gateway'; metadata = @{ name = 'both'; namespace = $own }
            spec = @{ selector = @{ istio = 'ingressgateway' }; servers = @(@{ port = @{ number = 443; name = 'https'; protocol = 'HTTPS' }; hosts = @('shop.contoso.example')
                        tls = @{ mode = 'SIMPLE'; credentialName = 'both-cred' } }) } }
        $r = Test-IngressCertificate @kc @trust -Kind Gateway -ApiGroup networking.istio.io -Namespace $own -Name both -Detailed
        $r.FailedChecks | Should -BeNullOrEmpty
        ($r.Checks | Where-Object Name -eq KeyMatches).Message | Should -Be 'key belongs to the certificate in cert.'
        (Get-IngressCertificate @kc -Namespace $own).Thumbprint | Should -Be $shop.Certificate.Thumbprint
    }

    It 'is looked up as Istio''s from piped rows, in the namespace Get found its Secret in' {
        if (Skip-Unless 'networking.istio.io/v1') { return }
        $rows = Get-IngressCertificate @kc -Namespace $ns -IstioGatewayNamespace $workload
        $rows.ApiGroup | Select-Object -Unique | Should -Be 'networking.istio.io'
        $r = $rows | Test-IngressCertificate @kc @trust -Detailed
        ($r | ForEach-Object { "$($_.ApiGroup) $($_.Listener) $($_.Passed)" } | Sort-Object) | Should -Be @('networking.istio.io https True', 'networking.istio.io mtls True')
    }

    It 'without the workload namespace looks in the Gateway''s own, and says the Secret is not there' {
        if (Skip-Unless 'networking.istio.io/v1') { return }
        $r = Test-IngressCertificate @kc -Kind Gateway -ApiGroup networking.istio.io -Namespace $ns -Name edge -Listener https -Detailed
        $r.FailedChecks | Should -Be @('SecretPresent')
        $r.Checks[0].Expected | Should -Be "Secret $ns/shop-cred"
    }
}

Describe 'Test-IngressCertificate where a kind''s API is not served' {
    BeforeAll {
        if ($cluster.IsReal) { return }
        $bare = Start-KubeTestServer -ContextName 'bare' -NoOtherKinds
    }
    AfterAll {
        if ($bare) { Stop-KubeTestServer $bare }
    }

    It 'writes one ApiNotServed error naming the object, and answers false' {
        if ($cluster.IsReal) { Set-ItResult -Skipped -Because 'needs a test server that serves none of the other kinds'; return }
        $answer = Test-IngressCertificate -KubeConfigPath $bare.KubeConfig -Context bare -Kind Route -Namespace default -Name web -ErrorVariable errs -ErrorAction SilentlyContinue
        $answer | Should -BeFalse
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ApiNotServed,*'
        $errs[0].CategoryInfo.Category | Should -Be 'NotInstalled'
        $errs[0].TargetObject | Should -Be 'Route default/web'
        $errs[0].Exception.Message | Should -Match 'does not serve route.openshift.io/v1 routes'
    }
}

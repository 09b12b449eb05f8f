# Cmdlets against a cluster: the standalone test server by default, a real cluster when INGRESSCERTS_TEST_KUBECONFIG is set.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'alpha'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }

    $ns = New-TestNamespace $cluster 'shop-'
    $shop = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example', 'www.contoso.example'
    $api = New-TestCertificate -Subject 'CN=api.contoso.example' -DnsName 'api.contoso.example' -Days 10
    Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'shop-tls' $shop)
    Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'api-tls' $api)
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'shop' @('shop.contoso.example') 'shop-tls')
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'api' @('api.contoso.example') 'api-tls')
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'legacy' @('old.contoso.example') 'missing-tls')
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe 'Get-IngressCertificate against a cluster' {
    It 'scans one namespace and reports each TLS entry with the kube context' {
        $r = Get-IngressCertificate @kc -Namespace $ns
        $r.Count | Should -Be 3
        ($r | Where-Object Name -eq shop).Status | Should -Be 'Valid'
        ($r | Where-Object Name -eq api).Status | Should -Be 'Expiring'
        ($r | Where-Object Name -eq legacy).Status | Should -Be 'SecretNotFound'
        $r.Context | Select-Object -Unique | Should -Be $cluster.Context
    }

    It 'heads the table with the context the rows come from' {
        $table = Get-IngressCertificate @kc -Namespace $ns | Out-String -Width 200
        $table | Should -Match "Context: $([regex]::Escape($cluster.Context))"
        $table | Should -Match 'Namespace\s+Name\s+Hosts\s+Status'
    }

    It 'scans all namespaces and filters like the inventory should' {
        $r = Get-IngressCertificate @kc -AllNamespaces | Where-Object Namespace -eq $ns
        $r.Count | Should -Be 3
        (Get-IngressCertificate @kc -AllNamespaces -Host 'api.*' | Where-Object Namespace -eq $ns).Name | Should -Be 'api'
        (Get-IngressCertificate @kc -AllNamespaces -Status Expiring | Where-Object Namespace -eq $ns).Name | Should -Be 'api'
    }

    It 'resolves namespace wildcards against the cluster' {
        (Get-IngressCertificate @kc -Namespace ($ns.Substring(0, 6) + '*') | Where-Object Namespace -eq $ns).Count | Should -Be 3
    }

    It 'says clearly when there is no configuration at all, instead of trying localhost' {
        $saved = $env:KUBECONFIG, $env:HOME
        try {
            $env:KUBECONFIG = $null
            $env:HOME = Join-Path $TestDrive 'nohome'
            { Get-IngressCertificate -AllNamespaces -ErrorAction Stop } | Should -Throw -ErrorId 'KubeConfigNotFound,IngressCerts.Commands.GetIngressCertificateCommand'
        }
        finally {
            $env:KUBECONFIG, $env:HOME = $saved
        }
    }

    It 'names an unknown context in a terminating error' {
        { Get-IngressCertificate -KubeConfigPath $cluster.KubeConfig -Context 'no-such-context' -AllNamespaces -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContextNotFound,IngressCerts.Commands.GetIngressCertificateCommand'
    }
}

Describe 'Get-IngressCertificate with several clusters' -Skip:([bool]$env:INGRESSCERTS_TEST_KUBECONFIG) {
    BeforeAll {
        $beta = Start-KubeTestServer -ContextName 'beta'
        $merged = Join-Path $TestDrive 'merged'
        # A third context points at a port nobody listens on: one unreachable cluster among healthy ones.
        $dead = (Get-Content $beta.KubeConfig -Raw) -replace 'beta', 'dead' -replace 'https://127\.0\.0\.1:\d+', 'https://127.0.0.1:9'
        Set-Content (Join-Path $TestDrive 'dead') $dead
        $env:KUBECONFIG = @($cluster.KubeConfig, $beta.KubeConfig, (Join-Path $TestDrive 'dead')) -join [IO.Path]::PathSeparator
        $betaNs = New-TestNamespace ([pscustomobject]@{ IsReal = $false; KubeConfig = $beta.KubeConfig; Namespaces = [Collections.Generic.List[string]]::new() }) 'beta-'
        $betaCluster = [pscustomobject]@{ IsReal = $false; KubeConfig = $beta.KubeConfig }
        $c = New-TestCertificate -Subject 'CN=b.example' -DnsName 'b.example'
        Add-ClusterObject $betaCluster (ConvertTo-SecretObject $betaNs 'b-tls' $c)
        Add-ClusterObject $betaCluster (ConvertTo-IngressObject $betaNs 'b' @('b.example') 'b-tls')
    }
    AfterAll {
        $env:KUBECONFIG = $null
        Stop-KubeTestServer $beta
    }

    It 'goes on with the other contexts when one named context does not exist' {
        $r = Get-IngressCertificate -Context alpha, no-such-context -Namespace $ns -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Count | Should -Be 3
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ContextNotFound,*'
        $errs[0].TargetObject | Should -Be 'no-such-context'
    }

    It 'sends piped results back to the cluster they came from' {
        $r = Get-IngressCertificate -Context beta -AllNamespaces | Test-IngressCertificate -Detailed -MinimumDaysRemaining 1
        $r.Context | Should -Be 'beta'
        $r.Name | Should -Be 'b'
        $r.FailedChecks | Should -Not -Contain 'SecretPresent'
    }

    It 'completes context names from the merged kubeconfig' {
        $completions = TabExpansion2 -inputScript 'Get-IngressCertificate -Context ' -cursorColumn 32
        $completions.CompletionMatches.CompletionText | Should -Contain 'alpha'
        $completions.CompletionMatches.CompletionText | Should -Contain 'beta'
    }

    It 'scans the contexts a wildcard names concurrently, and one unreachable cluster is one error' {
        $r = Get-IngressCertificate -Context * -AllNamespaces -ErrorVariable errs -ErrorAction SilentlyContinue
        ($r | Where-Object Context -eq 'alpha' | Where-Object Namespace -eq $ns).Count | Should -Be 3
        ($r | Where-Object Context -eq 'beta').Name | Should -Be 'b'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ClusterUnreachable,*'
        $errs[0].Exception.Message | Should -Match 'dead'
    }
}

Describe 'A cluster that puts a Secret and a ConfigMap into every namespace' -Skip:([bool]$env:INGRESSCERTS_TEST_KUBECONFIG) {
    BeforeAll {
        $defaults = Start-KubeTestServer -ContextName 'defaults' -ModelNamespaceDefaults
        $dc = @{ KubeConfigPath = $defaults.KubeConfig; Context = $defaults.Context }
        $server = [pscustomobject]@{ IsReal = $false; KubeConfig = $defaults.KubeConfig; Context = $defaults.Context; Server = $defaults; Namespaces = [Collections.Generic.List[string]]::new() }
        $empty = New-TestNamespace $server 'fresh-'
    }

    AfterAll {
        Stop-KubeTestServer $defaults
    }

    It 'reports nothing for the service-account token Secret of a namespace without Ingresses' {
        $secrets = (Get-ClusterObject $server "/api/v1/namespaces/$empty/secrets").items
        $secrets.type | Should -Be 'kubernetes.io/service-account-token'
        (Get-ClusterObject $server "/api/v1/namespaces/$empty/configmaps/kube-root-ca.crt").data.'ca.crt' | Should -Match 'BEGIN CERTIFICATE'

        Get-IngressCertificate @dc -Namespace $empty -ErrorVariable errs | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty
        Get-IngressCertificate @dc -AllNamespaces | Where-Object Namespace -eq $empty | Should -BeNullOrEmpty
    }
}

Describe 'Connecting without a kubeconfig (runbooks)' -Skip:([bool]$env:INGRESSCERTS_TEST_KUBECONFIG) {
    BeforeAll {
        $text = Get-Content $cluster.KubeConfig -Raw
        $server = [regex]::Match($text, 'server:\s*(\S+)').Groups[1].Value
        $token = [regex]::Match($text, 'token:\s*(\S+)').Groups[1].Value.Trim('"')
        $caPem = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String([regex]::Match($text, 'certificate-authority-data:\s*(\S+)').Groups[1].Value))
    }

    It 'connects with -Server, -Token and a PEM -CertificateAuthority' {
        $secure = ConvertTo-SecureString $token -AsPlainText -Force
        (Get-IngressCertificate -Server $server -Token $secure -CertificateAuthority $caPem -Namespace $ns).Count | Should -Be 3
    }

    It 'reports a rejected token as Unauthorized, naming the cluster and the verb' {
        $bad = ConvertTo-SecureString 'not-a-token' -AsPlainText -Force
        Get-IngressCertificate -Server $server -Token $bad -CertificateAuthority $caPem -Namespace $ns -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'Unauthorized,*'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errs[0].Exception.Message | Should -Match ([regex]::Escape($server.Split('://')[1]))
        $errs[0].Exception.Message | Should -Match 'list ingresses'
        $errs[0].Exception.Message | Should -Not -Match 'not-a-token'
    }
}

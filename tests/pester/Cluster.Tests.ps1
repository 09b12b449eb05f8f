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

    It 'shows the context the rows come from as a column, not as a header' {
        $table = Get-IngressCertificate @kc -Namespace $ns | Out-String -Width 200
        $table | Should -Not -Match 'Context:'
        $table | Should -Match 'Namespace\s+Name\s+Kind\s+Status\s+Days\s+SecretName\s+Hosts\s+Context'
        $table | Should -Match "shop\S*\s+\S+\s+Ingress\s.*\s$([regex]::Escape($cluster.Context))\s*(\r?\n|$)"
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

    It 'exports piped Test results as one readable row each and compact JSON (issue 11)' {
        Import-Module (Join-Path $PSScriptRoot 'ViewFleet.psm1')
        $r = @(Get-IngressCertificate -Context beta -AllNamespaces | Test-IngressCertificate -Detailed -MinimumDaysRemaining 1)
        $rows = Assert-ReadableExport -InputObject $r -Path (Join-Path $TestDrive 'test.csv')
        $rows[0].Name | Should -Be 'b'
        $rows[0].Checks | Should -Match 'SecretPresent'
        $passed = Get-IngressCertificate -Context beta -AllNamespaces | Test-IngressCertificate -MinimumDaysRemaining 1 | ConvertTo-Json -WarningVariable depthWarnings
        $depthWarnings | Should -BeNullOrEmpty
        $passed | Should -BeIn 'true', 'false' -Because 'without -Detailed, Test gives one Boolean'
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
        # A named namespace is checked first (NamespaceNotFound for a typo), so that GET is the call refused.
        $errs[0].Exception.Message | Should -Match 'get namespaces'
        $errs[0].Exception.Message | Should -Not -Match 'not-a-token'
    }
}

Describe 'The API server must prove its name, not only its CA' -Skip:([bool]$env:INGRESSCERTS_TEST_KUBECONFIG) {
    BeforeAll {
        # A forwarder on 127.0.0.2 stands where a man in the middle with another certificate of the cluster CA would:
        # the test server's certificate names 127.0.0.1, ::1 and localhost, not 127.0.0.2.
        if (-not ('IngressCerts.Engine.Tests.Support.LoopbackForwarder' -as [type])) {
            Add-Type -Path (Join-Path $PSScriptRoot '../IngressCerts.Engine.Tests/Support/LoopbackForwarder.cs')
        }
        $text = Get-Content $cluster.KubeConfig -Raw
        $server = [regex]::Match($text, 'server:\s*(\S+)').Groups[1].Value
        $token = [regex]::Match($text, 'token:\s*(\S+)').Groups[1].Value.Trim('"')
        $caPem = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String([regex]::Match($text, 'certificate-authority-data:\s*(\S+)').Groups[1].Value))
        $forwarder = [IngressCerts.Engine.Tests.Support.LoopbackForwarder]::new('127.0.0.2', '127.0.0.1', ([uri]$server).Port)
        $mitm = Join-Path $TestDrive 'mitm.kubeconfig'
        Set-Content $mitm ($text -replace [regex]::Escape("server: $server"), "server: $($forwarder.Url)")

        function Assert-NameMismatch($errs) {
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ServerNameMismatch,*'
            $errs[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $message = $errs[0].Exception.Message
            $message | Should -Match ([regex]::Escape($forwarder.Url))
            $message | Should -Match "does not name '127\.0\.0\.2'"
            foreach ($name in 'localhost', '127.0.0.1', '::1') { $message | Should -Match ([regex]::Escape($name)) }
            $message | Should -Not -Match 'unreachable'
            $message | Should -Not -Match ([regex]::Escape($token))
        }
    }
    AfterAll { $forwarder.Dispose() }

    It 'refuses a kubeconfig server whose certificate does not name its host, as one SecurityError naming the names' {
        $r = Get-IngressCertificate -KubeConfigPath $mitm -Namespace $ns -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        Assert-NameMismatch $errs
    }

    It 'refuses it the same way with -Server, -CertificateAuthority and -Token' {
        $secure = ConvertTo-SecureString $token -AsPlainText -Force
        $r = Get-IngressCertificate -Server $forwarder.Url -CertificateAuthority $caPem -Token $secure -Namespace $ns -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        Assert-NameMismatch $errs
    }

    It 'connects when the kubeconfig sets tls-server-name to a name the certificate holds' {
        $named = Join-Path $TestDrive 'named.kubeconfig'
        Set-Content $named ((Get-Content $mitm -Raw) -replace '(?m)^(\s+)server: (\S+)', "`$1server: `$2`n`$1tls-server-name: localhost")
        (Get-IngressCertificate -KubeConfigPath $named -Namespace $ns -ErrorAction Stop).Count | Should -Be 3
    }

    It 'refuses a kubeconfig http server with a token exactly as -Server http with -Token is refused' {
        $plain = Join-Path $TestDrive 'plain.kubeconfig'
        $url = $forwarder.Url -replace '^https', 'http'
        Set-Content $plain ((Get-Content $mitm -Raw) -replace [regex]::Escape($forwarder.Url), $url)
        $before = $forwarder.Connections
        $fromKubeconfig = { Get-IngressCertificate -KubeConfigPath $plain -Namespace $ns -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubeConfigInvalid,IngressCerts.Commands.GetIngressCertificateCommand' -PassThru
        $secure = ConvertTo-SecureString $token -AsPlainText -Force
        $fromServer = { Get-IngressCertificate -Server $url -Token $secure -Namespace $ns -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubeConfigInvalid,IngressCerts.Commands.GetIngressCertificateCommand' -PassThru
        $fromKubeconfig.Exception.Message | Should -Match "^Refusing to send the credentials of kubeconfig user '.+' \(context '.+'\) to '$([regex]::Escape($url))' over plain http: use the server's https address\.$"
        $fromServer.Exception.Message | Should -Be "Refusing to send a token to '$url' over plain http: use the server's https address."
        $fromKubeconfig.CategoryInfo.Category, $fromServer.CategoryInfo.Category | Should -Be 'InvalidData', 'InvalidData'
        $forwarder.Connections | Should -Be $before
    }
}

Describe 'An empty result says why (issue 11)' {
    BeforeAll {
        $emptyNs = New-TestNamespace $cluster 'empty-'
        $typo = 'shp-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    }

    It 'calls a namespace that does not exist NamespaceNotFound, and goes on with the others' {
        $r = Get-IngressCertificate @kc -Namespace $typo, $ns -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Count | Should -Be 3
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'NamespaceNotFound,IngressCerts.Commands.GetIngressCertificateCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be $typo
        $errs[0].Exception.Message | Should -Match ([regex]::Escape("Namespace '$typo' does not exist"))
    }

    It 'says in a verbose line that a namespace holds no TLS reference' {
        $verbose = Get-IngressCertificate @kc -Namespace $emptyNs -Verbose -ErrorAction Stop 4>&1
        @($verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -BeNullOrEmpty
        ($verbose.Message -join "`n") | Should -Match "No Ingress or Gateway in namespace '$([regex]::Escape($emptyNs))' .* references a TLS certificate"
    }

    It 'says in a verbose line, not an error, that a namespace wildcard matches nothing' {
        $verbose = Get-IngressCertificate @kc -Namespace "$typo*" -Verbose -ErrorAction Stop 4>&1
        ($verbose.Message -join "`n") | Should -Match "No namespace in cluster .* matches '$([regex]::Escape($typo))\*'"
    }
}

Describe 'Two contexts that reach one cluster as one user (issue 11)' -Skip:([bool]$env:INGRESSCERTS_TEST_KUBECONFIG) {
    BeforeAll {
        # 'alpha-twin' names alpha's cluster and user again (merged, first entry of a name wins); 'alpha-other' reaches
        # the same cluster as another kubeconfig user, which is scanned on its own.
        $text = Get-Content $cluster.KubeConfig -Raw
        $twin = Join-Path $TestDrive 'twin.kubeconfig'
        $other = Join-Path $TestDrive 'other.kubeconfig'
        Set-Content $twin ($text -replace '(?m)^(\s*-?\s*name:\s*"?)alpha("?)\s*$', '$1alpha-twin$2' -replace 'current-context:.*', 'current-context: alpha-twin')
        Set-Content $other ($text -replace '(?m)^(\s*-?\s*name:\s*"?)alpha("?)\s*$', '$1alpha-other$2' -replace '"alpha-admin"', '"alpha-other-admin"' -replace 'current-context:.*', 'current-context: alpha-other')
        $paths = @($cluster.KubeConfig, $twin, $other)
    }

    It 'scans the cluster once per user and says which context it left out' {
        $contexts = (Get-IngressCertificate -KubeConfigPath $paths -Context alpha* -Namespace $ns -ErrorAction Stop |
            Group-Object Context | ForEach-Object { '{0}={1}' -f $_.Name, $_.Count }) | Sort-Object
        $contexts | Should -Be @('alpha-other=3', 'alpha=3')
        $verbose = Get-IngressCertificate -KubeConfigPath $paths -Context alpha, alpha-twin -Namespace $ns -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "Context 'alpha-twin' reaches the same cluster .* as context 'alpha'"
    }
}

Describe 'Tab completion of names from the cluster (issue 11)' {
    BeforeAll {
        $prefix = "Get-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context $($cluster.Context)"
        $publish = "Publish-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context $($cluster.Context) -Namespace $ns"
        function Complete([string] $line) { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText }
    }

    It 'completes -Namespace with the namespaces of the bound context' {
        Complete "$prefix -Namespace $($ns.Substring(0, 6))" | Should -Contain $ns
    }

    It 'completes -Name on Get and Test with the Ingresses of the bound namespace' {
        Complete "$prefix -Namespace $ns -Name sh" | Should -Be 'shop'
        Complete "Test-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context $($cluster.Context) -Namespace $ns -Name " |
            Should -Be 'api', 'legacy', 'shop'
    }

    It 'completes -SecretName with TLS Secrets and -IngressName with Ingresses on Publish and Undo' {
        Complete "$publish -SecretName a" | Should -Be 'api-tls'
        Complete "$publish -IngressName l" | Should -Be 'legacy'
        Complete "Undo-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context $($cluster.Context) -Namespace $ns -SecretName sh" | Should -Be 'shop-tls'
    }

    It 'asks the cluster once for repeated Tab presses (a short cache per context, kind and namespace)' {
        $cacheNs = New-TestNamespace $cluster 'cache-'
        Add-ClusterObject $cluster (ConvertTo-IngressObject $cacheNs 'first' @('first.example') 'first-tls')
        $line = "$prefix -Namespace $cacheNs -Name "
        Complete $line | Should -Be 'first'
        Add-ClusterObject $cluster (ConvertTo-IngressObject $cacheNs 'second' @('second.example') 'second-tls')
        Complete $line | Should -Be 'first'
    }

    It 'offers nothing when the cluster cannot answer' {
        # A loopback port that takes the connection and never answers: the completer gives up on its own bound.
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $dead = Join-Path $TestDrive 'dead-complete.kubeconfig'
            Set-Content $dead ((Get-Content $cluster.KubeConfig -Raw) -replace 'server: \S+', "server: https://127.0.0.1:$($silent.LocalEndpoint.Port)")
            Complete "Get-IngressCertificate -KubeConfigPath '$dead' -Namespace " | Should -BeNullOrEmpty
        }
        finally { $silent.Stop() }
        Complete "Get-IngressCertificate -KubeConfigPath '$(Join-Path $TestDrive 'no-such-file')' -Namespace " | Should -BeNullOrEmpty
    }
}

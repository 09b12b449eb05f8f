# Get-IngressCertificate -IncludeUnprotected (hosts served with no TLS: NoTls) and -IncludeUnreferenced (kubernetes.io/tls
# Secrets nothing refers to), offline on the example manifests and against a cluster, and how the table shows them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $examples = Join-Path $TestDrive 'examples'
    & (Join-Path $PSScriptRoot '../../examples/New-ExampleManifests.ps1') -OutputPath $examples
    $root = Join-Path $examples 'example-root-ca.crt'
}

Describe 'Get-IngressCertificate -IncludeUnprotected and -IncludeUnreferenced offline' {
    It 'adds nothing without the switches' {
        $plain = @(Get-IngressCertificate -Path $examples -TrustedRootPath $root)
        $plain.Count | Should -Be 22
        $plain.Status | Should -Not -Contain 'NoTls'
        $plain.Kind | Should -Not -Contain 'Secret'
    }

    It 'adds a NoTls row per Ingress and per HTTP listener, with no Secret and no certificate' {
        $open = @(Get-IngressCertificate -Path $examples -IncludeUnprotected -Status NoTls)
        $open.Count | Should -Be 2
        $ingress = $open | Where-Object Kind -eq 'Ingress'
        ($ingress.Namespace, $ingress.Name, ($ingress.Hosts -join ',')) | Should -Be @('shop', 'storefront', 'status.contoso.example')
        $listener = $open | Where-Object Kind -eq 'Gateway'
        ($listener.Name, $listener.Listener, ($listener.Hosts -join ',')) | Should -Be @('edge', 'http', '*')
        $listener.Issues | Should -Match 'no hostname'
        @($open | ForEach-Object { $_.SecretName; $_.NotAfter; $_.Thumbprint } | Where-Object { $_ }) | Should -BeNullOrEmpty
        $open.Findings.Id | Should -Be @('NoTls', 'NoTls')
    }

    It 'adds the Secret nothing refers to, evaluated like a referenced one' {
        $spare = @(Get-IngressCertificate -Path $examples -TrustedRootPath $root -IncludeUnreferenced | Where-Object Kind -eq 'Secret')
        $spare.Count | Should -Be 1
        ($spare.Namespace, $spare.Name, $spare.SecretName, $spare.Status) | Should -Be @('shop', 'old-shop-tls', 'old-shop-tls', 'Valid')
        $spare.Subject | Should -Be 'CN=old-shop.contoso.example'
        $spare.ChainLength | Should -Be 2
        $spare.Issues | Should -Match 'no Ingress or Gateway refers to'
        (Get-IngressCertificate -Path $examples -IncludeUnreferenced | Where-Object Kind -eq 'Secret').Status | Should -Be 'UntrustedRoot' -Because 'the chain is checked as for any Secret'
    }

    It 'offers -Status NoTls right after DefaultCertificate, where the engine ranks it' {
        $statuses = @((Get-Command Get-IngressCertificate).Parameters['Status'].Attributes.ValidValues)
        [array]::IndexOf($statuses, 'NoTls') | Should -Be ([array]::IndexOf($statuses, 'DefaultCertificate') + 1)
    }

    It 'shows both kinds of row in the table: hosts for NoTls, "(unreferenced)" for a Secret' {
        # The namespaces of the Ingress and Gateway examples: the other kinds' longer names would size the columns.
        $table = Get-IngressCertificate -Path $examples -Namespace shop, gateway, marketing -TrustedRootPath $root -IncludeUnprotected -IncludeUnreferenced | Format-Table | Out-String -Width 120
        $table | Should -Match '(?m)^shop\s+storefront\s+Ingress\s+NoTls\s+status\.contoso\.example'
        $table | Should -Match '(?m)^gateway\s+edge\s+Gateway\s+NoTls\s+\*\s'
        $table | Should -Match '(?m)^shop\s+old-shop-tls\s+Secret\s+Valid\s+\d+\s+old-shop-tls\s+\(unreferenced\)'
    }
}

Describe 'Get-IngressCertificate -IncludeUnprotected and -IncludeUnreferenced against a cluster' {
    BeforeAll {
        $cluster = New-TestCluster -ContextName 'extra'
        $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
        $ns = New-TestNamespace $cluster 'extra-'
        $shop = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example'
        $old = New-TestCertificate -Subject 'CN=old.contoso.example' -DnsName 'old.contoso.example' -Days 5
        Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'shop-tls' $shop)
        Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'old-tls' $old)
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'shop' @('shop.contoso.example') 'shop-tls' -RuleHosts 'shop.contoso.example', 'plain.contoso.example')
    }

    AfterAll {
        Remove-TestCluster $cluster
    }

    It 'reports the plain-HTTP host and the spare Secret with the context' {
        $r = @(Get-IngressCertificate @kc -Namespace $ns -IncludeUnprotected -IncludeUnreferenced)
        $r.Count | Should -Be 3
        ($r | Where-Object Status -eq 'NoTls').Hosts | Should -Be 'plain.contoso.example'
        $spare = $r | Where-Object Kind -eq 'Secret'
        ($spare.Name, $spare.Status) | Should -Be @('old-tls', 'Expiring')
        $r.Context | Select-Object -Unique | Should -Be $cluster.Context
        @(Get-IngressCertificate @kc -Namespace $ns).Count | Should -Be 1
    }
}

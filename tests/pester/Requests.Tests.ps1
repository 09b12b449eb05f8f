# New-, Get-, Complete- and Remove-IngressCertificateRequest end to end, with a CA implemented here: the key is born in
# the cluster, the CSR goes to the CA, and the certificate comes back (possibly much later, to another process).
using namespace System.Security.Cryptography
using namespace System.Security.Cryptography.X509Certificates

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'req'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $ns = New-TestNamespace $cluster 'req-'
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'shop' @() $null -RuleHosts 'shop.contoso.example', 'www.contoso.example')

    # The test CA: a root and an intermediate that signs what it is asked to, the way it chooses.
    $root = New-TestCertificate -Subject 'CN=Test Root CA' -CertificateAuthority -Days 3650
    $intermediate = New-TestCertificate -Subject 'CN=Test Issuing CA' -CertificateAuthority -Issuer $root -Days 1000
    function Invoke-TestCa { Invoke-TestCaSigning -Root $root -Intermediate $intermediate @args }
    function Get-Secret([string] $Name) { try { Get-ClusterObject $cluster "/api/v1/namespaces/$ns/secrets/$Name" } catch { $null } }
    function Get-WriteCount { if ($cluster.IsReal) { 0 } else { @(Get-TestServerWrite $cluster.Server | Where-Object { $_ -notmatch 'accessreviews' }).Count } }
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe 'Certificate requests' {
    It 'makes a CSR for the Ingress''s hosts whose key waits in the cluster, and never shows the key' {
        $csrFile = Join-Path $TestDrive 'shop.csr'
        $all = New-IngressCertificateRequest @kc -Namespace $ns -SecretName shop-tls -IngressName shop -OutFile $csrFile -Verbose -Debug *>&1
        $request = $all | Where-Object { $_.PSObject.TypeNames[0] -eq 'IngressCerts.CertificateRequest' }
        $request.PSObject.Properties.Name | Should -Be @('Context', 'Namespace', 'SecretName', 'IngressName', 'GatewayName', 'GatewayNamespace', 'ListenerName', 'GrantReference', 'Hosts', 'Subject', 'KeyAlgorithm', 'KeySize', 'Csr', 'CreatedAt', 'PendingSecretName', 'PublicKeySha256')
        $request.Hosts | Should -Be @('shop.contoso.example', 'www.contoso.example')
        $request.Subject | Should -Be 'CN=shop.contoso.example'
        $request.KeyAlgorithm | Should -Be 'ECDSA'
        $request.KeySize | Should -Be 256
        (Get-Content $csrFile -Raw) | Should -Be $request.Csr
        $pending = Get-Secret $request.PendingSecretName
        $pending.type | Should -Be 'ingresscerts.io/pending-key'
        $keyPem = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($pending.data.'tls.key'))
        $keyBody = ($keyPem -split "`n")[1].Substring(5, 40)
        $shown = ($all | Out-String) + (Get-Content $csrFile -Raw) + ($request | Format-List * | Out-String)
        $shown | Should -Not -Match ('PRIVATE' + ' KEY')
        $shown.Contains($keyBody) | Should -BeFalse -Because 'no stream, output or file shows the key'
        # The CSR is the one openssl reads: signed by the key, with the hosts asked for.
        $text = & openssl req -in $csrFile -verify -noout -text 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        $text | Should -Match 'DNS:shop.contoso.example, DNS:www.contoso.example'
    }

    It 'says with -WhatIf "an ECDSA" and "an RSA" key it would make, and makes nothing' {
        # What-if text goes to the host, not to a stream: run it in a child pwsh and read what it prints.
        $out = Invoke-ChildPwsh ("Import-Module '$(Get-BuiltModulePath)'; " +
            "New-IngressCertificateRequest -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $ns -SecretName whatif-tls -Host whatif.contoso.example -WhatIf; " +
            "New-IngressCertificateRequest -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $ns -SecretName whatif-tls -Host whatif.contoso.example -KeyAlgorithm RSA -KeySize 3072 -WhatIf") | Out-String -Width 1000
        $text = $out -replace '\s+', ' '
        $text | Should -Match 'Create an ECDSA P-256 key and a request for whatif\.contoso\.example'
        $text | Should -Match 'Create an RSA 3072 key and a request for whatif\.contoso\.example'
        $text | Should -Not -Match 'Create a (ECDSA|RSA)'
        @(Get-IngressCertificateRequest @kc -Namespace $ns | Where-Object SecretName -eq 'whatif-tls').Count | Should -Be 0
    }

    It 'lists the pending request without its key, and refuses a second one unless -Force' {
        $listed = @(Get-IngressCertificateRequest @kc -Namespace $ns)
        $listed.Count | Should -Be 1
        $listed[0].SecretName | Should -Be 'shop-tls'
        $listed[0].Age | Should -BeOfType [TimeSpan]
        ($listed | Format-List * | Out-String) | Should -Not -Match ('PRIVATE' + ' KEY')
        # A table a person reads at 120 columns, and a CSV row with the hosts in words.
        $table = ($listed | Format-Table | Out-String -Width 119) -split "`n" | Where-Object { $_.Trim() }
        $table[0] | Should -Match '^Namespace\s+SecretName\s+KeyAlgorithm\s+KeySize\s+Age\s+Hosts'
        $table[2] | Should -Match "^$ns\s+shop-tls\s+ECDSA\s+256\s+\d+m\s+shop\.contoso\.example, www\.contoso\.example"
        ($listed | ConvertTo-Csv | ConvertFrom-Csv).Hosts | Should -Be 'shop.contoso.example, www.contoso.example'
        $before = Get-WriteCount
        New-IngressCertificateRequest @kc -Namespace $ns -SecretName shop-tls -Host shop.contoso.example -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RequestAlreadyPending,*'
        Get-WriteCount | Should -Be $before
    }

    It 'refuses a certificate for another key, and an expired one, writing nothing' {
        $request = Get-IngressCertificateRequest @kc -Namespace $ns -SecretName shop-tls
        $before = Get-WriteCount
        $wrongKey = Invoke-TestCa $request.Csr -OtherKey
        Complete-IngressCertificateRequest @kc -Namespace $ns -SecretName shop-tls -CertificatePem $wrongKey.CertPem -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'CertificateKeyMismatch,*'
        Complete-IngressCertificateRequest @kc -CertificatePem $wrongKey.CertPem -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'RequestNotFound,*'
        $expired = Invoke-TestCa $request.Csr -Days -1 -DaysAgo 30
        Complete-IngressCertificateRequest @kc -CertificatePem $expired.CertPem -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3[0].FullyQualifiedErrorId | Should -BeLike 'CertificateExpired,*'
        Get-WriteCount | Should -Be $before
        Get-Secret 'shop-tls' | Should -BeNullOrEmpty
    }

    It 'completes later, in a fresh process, with a changed subject, added names and a chain: published as Publish does, then the request is gone' {
        $request = Get-IngressCertificateRequest @kc -Namespace $ns -SecretName shop-tls
        $issued = Invoke-TestCa $request.Csr -Subject 'CN=Contoso Shop, O=Contoso' -AddDnsName 'extra.contoso.example'
        $certFile = Join-Path $TestDrive 'issued.crt'; $chainFile = Join-Path $TestDrive 'chain.crt'
        Set-Content $certFile $issued.CertPem; Set-Content $chainFile $issued.ChainPem
        $script = "Import-Module '$(Get-BuiltModulePath)'; " +
            "Complete-IngressCertificateRequest -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -CertificatePath '$certFile' -ChainPath '$chainFile' -TrustedRootPath '$chainFile' -Verbose -Debug *>&1 | Out-String -Width 400; " +
            "Get-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $ns | Select-Object SecretName, Thumbprint, Status | ConvertTo-Json"
        $out = Invoke-ChildPwsh $script | Out-String
        $out | Should -Match 'Created'
        $out | Should -Not -Match ('PRIVATE' + ' KEY')
        $secret = Get-Secret 'shop-tls'
        $secret.type | Should -Be 'kubernetes.io/tls'
        $crt = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($secret.data.'tls.crt'))
        ([regex]::Matches($crt, 'BEGIN CERTIFICATE')).Count | Should -Be 2 -Because 'the leaf and the intermediate (the root is left out)'
        $secret.metadata.annotations.'ingresscerts.io/thumbprint' | Should -Be $issued.Certificate.Thumbprint
        (Get-ClusterObject $cluster "/apis/networking.k8s.io/v1/namespaces/$ns/ingresses/shop").spec.tls.secretName | Should -Contain 'shop-tls'
        Get-Secret $request.PendingSecretName | Should -BeNullOrEmpty
        @(Get-IngressCertificateRequest @kc -Namespace $ns).Count | Should -Be 0
        Get-IngressCertificateHistory @kc -Namespace $ns -SecretName shop-tls | Should -BeNullOrEmpty
    }

    It 'renews an existing certificate with a piped inventory row: the key like the current one, the old certificate kept for Undo' {
        $current = Get-IngressCertificate @kc -Namespace $ns | Where-Object SecretName -eq 'shop-tls'
        $request = $current | New-IngressCertificateRequest @kc -KeySize 3072
        $request.KeyAlgorithm | Should -Be 'RSA'
        $request.Hosts | Should -Be @('shop.contoso.example', 'www.contoso.example')
        $issued = Invoke-TestCa $request.Csr
        $result = $issued.Certificate | Complete-IngressCertificateRequest @kc -Chain $intermediate.Certificate -WarningAction SilentlyContinue
        $result.GetType().FullName | Should -Be 'IngressCerts.PublishResult'
        $result.Action | Should -Be 'Updated'
        $result.Thumbprint | Should -Be $issued.Certificate.Thumbprint
        @(Get-IngressCertificateHistory @kc -Namespace $ns -SecretName shop-tls).Count | Should -Be 1
    }

    It 'cancels a request with Remove-IngressCertificateRequest' {
        $request = New-IngressCertificateRequest @kc -Namespace $ns -SecretName other-tls -Host '10.0.0.5', 'bücher.contoso.example' -Subject 'CN=other, O=Contoso, C=NL' -KeyAlgorithm RSA
        $request.Hosts | Should -Be @('10.0.0.5', 'xn--bcher-kva.contoso.example')
        $request.KeySize | Should -Be 2048
        Get-IngressCertificateRequest @kc -Namespace $ns | Remove-IngressCertificateRequest @kc -Confirm:$false
        Get-Secret $request.PendingSecretName | Should -BeNullOrEmpty
        Remove-IngressCertificateRequest @kc -Namespace $ns -SecretName other-tls -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RequestNotFound,*'
    }
}

Describe 'Certificate requests for a Gateway listener' {
    BeforeAll {
        $gatewayServed = Test-GatewayApiServed $cluster
        $because = 'the cluster does not serve gateway.networking.k8s.io/v1 (the Gateway API CRDs are not installed)'
        if (-not $gatewayServed) { return }
        $edge = New-TestNamespace $cluster 'reqgw-'
        $certs = New-TestNamespace $cluster 'reqgwcerts-'
        $old = New-TestCertificate -Subject 'CN=*.apps.contoso.example' -DnsName '*.apps.contoso.example'
        Add-ClusterObject $cluster (ConvertTo-SecretObject $certs 'old-tls' $old)
        Add-ClusterObject $cluster (ConvertTo-GatewayObject $edge 'gw' '*.apps.contoso.example' $certs 'old-tls')
        function Get-Listener { (Get-ClusterObject $cluster "/apis/gateway.networking.k8s.io/v1/namespaces/$edge/gateways/gw").spec.listeners[0] }
    }

    It 'keeps the Gateway, listener and grant of New -GatewayName in the request, and Complete wires the listener without them' {
        if (-not $gatewayServed) { Set-ItResult -Skipped -Because $because; return }
        $request = New-IngressCertificateRequest @kc -Namespace $certs -SecretName new-tls -GatewayName gw -GatewayNamespace $edge -ListenerName https -GrantReference -Host 'shop.apps.contoso.example'
        ($request.GatewayName, $request.GatewayNamespace, $request.ListenerName, $request.GrantReference) | Should -Be @('gw', $edge, 'https', $true)
        $request.IngressName | Should -BeNullOrEmpty
        $listed = Get-IngressCertificateRequest @kc -Namespace $certs -SecretName new-tls
        ($listed.GatewayName, $listed.GatewayNamespace, $listed.ListenerName, $listed.GrantReference) | Should -Be @('gw', $edge, 'https', $true)

        $issued = Invoke-TestCa $request.Csr
        $certFile = Join-Path $TestDrive 'gw.crt'; $chainFile = Join-Path $TestDrive 'gw-chain.crt'
        Set-Content $certFile $issued.CertPem; Set-Content $chainFile $issued.ChainPem
        # In a fresh process, with nothing but the certificate: the request says where it goes.
        $script = "Import-Module '$(Get-BuiltModulePath)'; " +
            "Complete-IngressCertificateRequest -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -CertificatePath '$certFile' -ChainPath '$chainFile' -TrustedRootPath '$chainFile' | " +
            "ForEach-Object { 'RESULT ' + `$_.Action + ' ' + `$_.GatewayName + ' ' + (`$_.Listeners -join ',') }"
        $out = Invoke-ChildPwsh $script | Out-String
        $out | Should -Match ([regex]::Escape("RESULT Created $edge/gw https"))
        $ref = (Get-Listener).tls.certificateRefs[0]
        "$($ref.namespace)/$($ref.name)" | Should -Be "$certs/new-tls"
        (Get-ClusterObject $cluster "/apis/gateway.networking.k8s.io/v1beta1/namespaces/$certs/referencegrants/ingresscerts-gateways-$edge").spec.to.name | Should -Be @('new-tls')
        @(Get-IngressCertificateRequest @kc -Namespace $certs).Count | Should -Be 0
    }

    It 'takes the Gateway from a piped Gateway row, and Complete''s own -IngressName wins over it' {
        if (-not $gatewayServed) { Set-ItResult -Skipped -Because $because; return }
        $row = Get-IngressCertificate @kc -Namespace $edge | Where-Object Kind -eq Gateway
        $request = $row | New-IngressCertificateRequest @kc -GrantReference
        ($request.Namespace, $request.SecretName, $request.GatewayName, $request.GatewayNamespace, $request.ListenerName) | Should -Be @($certs, $row.SecretName, 'gw', $edge, 'https')
        $request.Hosts | Should -Be @($row.Hosts)

        # An explicit -IngressName wires that Ingress instead: the stored Gateway is not touched, and nothing is written
        # when the Ingress cannot use a Secret of another namespace.
        $before = (Get-Listener).tls.certificateRefs[0].name
        $issued = Invoke-TestCa $request.Csr
        Complete-IngressCertificateRequest @kc -Namespace $certs -SecretName $row.SecretName -CertificatePem $issued.CertPem -IngressName nowhere -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed | Should -Not -BeNullOrEmpty
        (Get-Listener).tls.certificateRefs[0].name | Should -Be $before
        Remove-IngressCertificateRequest @kc -Namespace $certs -SecretName $row.SecretName -Confirm:$false
    }
}

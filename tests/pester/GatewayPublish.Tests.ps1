# Publish-IngressCertificate and Undo-IngressCertificate with a Gateway listener as the target (issue 15).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'gwpub'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $password = ConvertTo-SecureString 'pfx-pass-123' -AsPlainText -Force
    $served = Test-GatewayApiServed $cluster
    $because = 'the cluster does not serve gateway.networking.k8s.io/v1 (the Gateway API CRDs are not installed)'

    function Get-Object([string] $Path) { try { Get-ClusterObject $cluster $Path } catch { $null } }
    function Get-Gateway([string] $Namespace) { Get-Object "/apis/gateway.networking.k8s.io/v1/namespaces/$Namespace/gateways/gw" }
    function Get-Grant([string] $Namespace, [string] $Name) { Get-Object "/apis/gateway.networking.k8s.io/v1beta1/namespaces/$Namespace/referencegrants/$Name" }
    function Get-ListenerRef($Gateway) {
        $ref = $Gateway.spec.listeners[0].tls.certificateRefs[0]
        if ($ref.namespace) { "$($ref.namespace)/$($ref.name)" } else { $ref.name }
    }
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe 'Publish-IngressCertificate -GatewayName' {
    BeforeAll {
        if (-not $served) { return }
        $edge = New-TestNamespace $cluster 'gwedge-'
        $certs = New-TestNamespace $cluster 'gwcerts-'
        $wild = New-TestCertificate -Subject 'CN=*.apps.contoso.example' -DnsName '*.apps.contoso.example'
        Add-ClusterObject $cluster (ConvertTo-SecretObject $certs 'old-tls' $wild)
        Add-ClusterObject $cluster (ConvertTo-GatewayObject $edge 'gw' '*.apps.contoso.example' $certs 'old-tls')
        $fresh = New-TestCertificate -Subject 'CN=*.apps.contoso.example' -DnsName '*.apps.contoso.example'
        $pfx = New-TestPfx $fresh (Join-Path $TestDrive 'wild.pfx') $password
    }

    It 'refuses a Secret in another namespace without -GrantReference, showing the grant it needs, and writes nothing' {
        if (-not $served) { Set-ItResult -Skipped -Because $because; return }
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $r = Publish-IngressCertificate @kc -Namespace $certs -SecretName new-tls -GatewayName gw -GatewayNamespace $edge -Host 'shop.apps.contoso.example' -PfxPath $pfx -Password $password -ErrorVariable failed -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -Match '^ReferenceGrantRequired'
        $failed[0].Exception.Message | Should -Match 'kind: ReferenceGrant'
        $failed[0].Exception.Message | Should -Match "namespace: $edge"
        $failed[0].Exception.Message | Should -Match 'name: new-tls'
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore }
        Get-Object "/api/v1/namespaces/$certs/secrets/new-tls" | Should -BeNullOrEmpty
    }

    It 'says with -WhatIf which grant and listener it would change, and writes nothing' {
        if (-not $served) { Set-ItResult -Skipped -Because $because; return }
        $script = "Import-Module '$(Get-BuiltModulePath)'; `$pw = ConvertTo-SecureString 'pfx-pass-123' -AsPlainText -Force; " +
            "Publish-IngressCertificate -KubeConfigPath '$($cluster.KubeConfig)' -Context '$($cluster.Context)' -Namespace $certs -SecretName new-tls -GatewayName gw -GatewayNamespace $edge -GrantReference -PfxPath '$pfx' -Password `$pw -WhatIf"
        $writesBefore = if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count }
        $out = Invoke-ChildPwsh $script | Out-String
        if ($cluster.Server) { (Get-TestServerWrite $cluster.Server).Count | Should -Be $writesBefore }
        $out | Should -Match ([regex]::Escape("Create ReferenceGrant $certs/ingresscerts-gateways-$edge"))
        $out | Should -Match ([regex]::Escape("Update Gateway $edge/gw: listener https: Secret $certs/old-tls -> $certs/new-tls"))
        $out | Should -Not -Match 'PRIVATE KEY'
        Get-ListenerRef (Get-Gateway $edge) | Should -Be "$certs/old-tls"
        Get-Grant $certs "ingresscerts-gateways-$edge" | Should -BeNullOrEmpty
    }

    It 'writes the grant and the Gateway with -AsManifest, without the records that are only for Undo' {
        if (-not $served) { Set-ItResult -Skipped -Because $because; return }
        $yaml = Publish-IngressCertificate @kc -Namespace $certs -SecretName new-tls -GatewayName gw -GatewayNamespace $edge -GrantReference -PfxPath $pfx -Password $password -AsManifest
        $yaml | Should -Match 'kind: ReferenceGrant'
        $yaml | Should -Match 'kind: Gateway'
        $yaml | Should -Not -Match 'ingresscerts.io/(gateway|grant)-wiring'
        $yaml | Should -Not -Match 'resourceVersion'
        Get-ListenerRef (Get-Gateway $edge) | Should -Be "$certs/old-tls"
    }

    It 'creates the grant and wires the listener with -GrantReference, and Undo takes out exactly that' {
        if (-not $served) { Set-ItResult -Skipped -Because $because; return }
        $r = Publish-IngressCertificate @kc -Namespace $certs -SecretName new-tls -GatewayName gw -GatewayNamespace $edge -GrantReference -PfxPath $pfx -Password $password
        $r.Action | Should -Be 'Created'
        $r.GatewayName | Should -Be "$edge/gw"
        $r.Listeners | Should -Be @('https')
        Get-ListenerRef (Get-Gateway $edge) | Should -Be "$certs/new-tls"
        (Get-Grant $certs "ingresscerts-gateways-$edge").spec.to.name | Should -Be @('new-tls')
        Get-IngressCertificate @kc -Namespace $edge | Where-Object Kind -eq Gateway | Select-Object -ExpandProperty Status | Should -Not -Be 'ReferenceNotPermitted'

        $u = Undo-IngressCertificate @kc -Namespace $certs -SecretName new-tls -Confirm:$false
        $u.Action | Should -Be 'Deleted'
        $u.Listeners | Should -Be @('https')
        Get-ListenerRef (Get-Gateway $edge) | Should -Be "$certs/old-tls"
        Get-Grant $certs "ingresscerts-gateways-$edge" | Should -BeNullOrEmpty
        Get-Object "/api/v1/namespaces/$certs/secrets/old-tls" | Should -Not -BeNullOrEmpty
    }

    It 'takes the Gateway, listener and Secret from a piped Get-IngressCertificate row' {
        if (-not $served) { Set-ItResult -Skipped -Because $because; return }
        $row = Get-IngressCertificate @kc -Namespace $edge | Where-Object Kind -eq Gateway
        $row.Listener | Should -Be 'https'
        $r = $row | Publish-IngressCertificate @kc -PfxPath $pfx -Password $password -GrantReference
        $r.Action | Should -Be 'Updated'
        $r.Namespace | Should -Be $certs
        $r.SecretName | Should -Be 'old-tls'
        $r.GatewayName | Should -Be "$edge/gw"
        Get-ListenerRef (Get-Gateway $edge) | Should -Be "$certs/old-tls" -Because 'the listener already refers to the Secret it renews'
        (Get-Grant $certs "ingresscerts-gateways-$edge").spec.to.name | Should -Be @('old-tls')
    }

    It 'undoes that publish from a piped Gateway row: the certificate before it, and no grant' {
        if (-not $served) { Set-ItResult -Skipped -Because $because; return }
        $u = Get-IngressCertificate @kc -Namespace $edge | Where-Object Kind -eq Gateway | Undo-IngressCertificate @kc -Confirm:$false
        $u.Namespace | Should -Be $certs
        $u.SecretName | Should -Be 'old-tls'
        (Get-IngressCertificate @kc -Namespace $edge | Where-Object Kind -eq Gateway).Thumbprint | Should -Be $wild.Thumbprint
        Get-ListenerRef (Get-Gateway $edge) | Should -Be "$certs/old-tls" -Because 'the publish did not change the listener, so neither does its undo'
        Get-Grant $certs "ingresscerts-gateways-$edge" | Should -BeNullOrEmpty
    }
}

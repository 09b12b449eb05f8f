# Inputs and messages (issue 11): -Token as Get-AzAccessToken gives it, one name for the days threshold, messages that
# say what the user needs, and -TrustedRootPath on every cmdlet that judges a chain.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'inputs'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $ns = New-TestNamespace $cluster 'inputs-'
    $shop = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example', 'www.contoso.example'
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'shop' @('shop.contoso.example') 'shop-tls')
    Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'shop-tls' $shop)

    # The test server's -Server URL, token and CA, read from its kubeconfig (these tests are skipped on a real cluster,
    # whose kubeconfig may hold no token).
    $kubeText = Get-Content $cluster.KubeConfig -Raw
    $serverUrl = [regex]::Match($kubeText, 'server:\s*(\S+)').Groups[1].Value
    $tokenText = [regex]::Match($kubeText, 'token:\s*(\S+)').Groups[1].Value.Trim('"')
    $caMatch = [regex]::Match($kubeText, 'certificate-authority-data:\s*(\S+)')
    $caPem = if ($caMatch.Success) { [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($caMatch.Groups[1].Value)) }
}

AfterAll {
    Remove-TestCluster $cluster
}

Describe '-Token takes what Get-AzAccessToken gives' {
    It 'connects with <Form>' -ForEach @(
        @{ Form = 'an access-token object whose Token is a SecureString (Az.Accounts 5+)'; Make = { param($t) [pscustomobject]@{ Token = (ConvertTo-SecureString $t -AsPlainText -Force); ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1) } } }
        @{ Form = 'an access-token object whose Token is a string (Az.Accounts before 5)'; Make = { param($t) [pscustomobject]@{ Token = $t; ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1) } } }
        @{ Form = 'the Token property itself, a SecureString'; Make = { param($t) ConvertTo-SecureString $t -AsPlainText -Force } }
        @{ Form = 'a plain string'; Make = { param($t) $t } }
    ) {
        if ($cluster.IsReal -or -not $tokenText) { Set-ItResult -Skipped -Because 'needs the test server''s token'; return }
        $token = & $Make $tokenText
        $r = Get-IngressCertificate -Server $serverUrl -CertificateAuthority $caPem -Token $token -Namespace $ns -ErrorAction Stop
        @($r).Count | Should -Be 1
        $r.SecretName | Should -Be 'shop-tls'
    }

    It 'keeps a plain-string token out of the parameter''s value and out of errors' {
        if ($cluster.IsReal) { Set-ItResult -Skipped -Because 'needs the test server'; return }
        $err = $null
        try { Get-IngressCertificate -Server $serverUrl -CertificateAuthority $caPem -Token 'plain-secret-token-xyz' -Namespace $ns -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'Unauthorized,*'
        "$err $($err.Exception.Message) $($err.TargetObject)" | Should -Not -Match 'plain-secret-token-xyz'
    }
}

Describe '-ExpiringWithinDays and -MinimumDaysRemaining are one parameter' {
    # The shop certificate has about 89 days left: within 100, not within 10.
    It 'Get-IngressCertificate filters by -<Name>' -ForEach @(@{ Name = 'ExpiringWithinDays' }, @{ Name = 'MinimumDaysRemaining' }) {
        $within100 = @{ $Name = 100 }; $within10 = @{ $Name = 10 }
        @(Get-IngressCertificate @kc -Namespace $ns @within100).Count | Should -Be 1
        @(Get-IngressCertificate @kc -Namespace $ns @within10).Count | Should -Be 0
    }

    It 'Test-IngressCertificate checks DaysRemaining against -<Name>' -ForEach @(@{ Name = 'ExpiringWithinDays' }, @{ Name = 'MinimumDaysRemaining' }) {
        $within100 = @{ $Name = 100 }; $within10 = @{ $Name = 10 }
        Test-IngressCertificate @kc -Namespace $ns -Name shop @within100 | Should -BeFalse
        Test-IngressCertificate @kc -Namespace $ns -Name shop @within10 | Should -BeTrue
    }

    It 'is one parameter on both cmdlets: ExpiringWithinDays, with MinimumDaysRemaining as its alias' {
        foreach ($cmdlet in 'Get-IngressCertificate', 'Test-IngressCertificate') {
            $parameter = (Get-Command $cmdlet).Parameters['ExpiringWithinDays']
            $parameter | Should -Not -BeNullOrEmpty -Because $cmdlet
            $parameter.Aliases | Should -Contain 'MinimumDaysRemaining' -Because $cmdlet
        }
    }
}

Describe 'HostNotCovered names what the certificate does cover' {
    BeforeAll {
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'elsewhere' @() $null -RuleHosts 'elsewhere.contoso.example')
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'mismatch' @('mismatch.contoso.example') 'shop-tls')
    }

    It 'in the Publish preflight for -Host' {
        $err = $null
        try { Publish-IngressCertificate @kc -Namespace $ns -SecretName new-tls -CertificatePem $shop.CertPem -KeyPem $shop.KeyPem -Host other.contoso.example -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'HostNotCovered,*'
        $err.Exception.Message | Should -Match 'other\.contoso\.example'
        $err.Exception.Message | Should -Match 'it names shop\.contoso\.example, www\.contoso\.example'
    }

    It 'in the Publish plan for an Ingress whose rule hosts it covers none of' {
        $err = $null
        try { Publish-IngressCertificate @kc -Namespace $ns -SecretName new-tls -IngressName elsewhere -CertificatePem $shop.CertPem -KeyPem $shop.KeyPem -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'HostNotCovered,*'
        $err.Exception.Message | Should -Match 'elsewhere\.contoso\.example'
        $err.Exception.Message | Should -Match 'it names shop\.contoso\.example, www\.contoso\.example'
    }

    It 'in Test-IngressCertificate''s CoversHosts check' {
        $check = (Test-IngressCertificate @kc -Namespace $ns -Name mismatch -Detailed).Checks | Where-Object Name -eq 'CoversHosts'
        $check.Passed | Should -BeFalse
        $check.Message | Should -Match 'mismatch\.contoso\.example'
        $check.Message | Should -Match 'it names shop\.contoso\.example, www\.contoso\.example'
    }
}

Describe 'Errors of a -Server connection name its URL once' {
    It 'when the server is unreachable' {
        $err = $null
        try { Get-IngressCertificate -Server 'https://127.0.0.1:9' -Token 'x' -AllNamespaces -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ClusterUnreachable,*'
        [regex]::Matches($err.Exception.Message, [regex]::Escape('https://127.0.0.1:9')).Count | Should -Be 1 -Because $err.Exception.Message
    }

    It 'when the server rejects the token' {
        if ($cluster.IsReal) { Set-ItResult -Skipped -Because 'needs the test server'; return }
        $err = $null
        try { Get-IngressCertificate -Server $serverUrl -CertificateAuthority $caPem -Token 'not-the-token' -Namespace $ns -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'Unauthorized,*'
        [regex]::Matches($err.Exception.Message, [regex]::Escape($serverUrl.TrimEnd('/'))).Count | Should -Be 1 -Because $err.Exception.Message
    }

    It 'while a kubeconfig context still gets its name and its server' {
        $err = $null
        $kubeconfig = Join-Path $TestDrive 'unreachable.kubeconfig'
        Set-Content $kubeconfig ((Get-Content $cluster.KubeConfig -Raw) -replace 'server:\s*https://[^\s/]+', 'server: https://127.0.0.1:9')
        try { Get-IngressCertificate -KubeConfigPath $kubeconfig -Context $cluster.Context -AllNamespaces -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ClusterUnreachable,*'
        $err.Exception.Message | Should -Match ([regex]::Escape("Cluster '$($cluster.Context)' (https://127.0.0.1:9)"))
    }
}

Describe '-TrustedRootPath on every cmdlet that judges a chain' {
    BeforeAll {
        # A private CA whose root is not trusted here, and a leaf it issued: tls.crt holds the leaf alone.
        $privateRoot = New-TestCertificate -Subject 'CN=Contoso Private Root' -CertificateAuthority
        $privateLeaf = New-TestCertificate -Subject 'CN=private.contoso.example' -DnsName 'private.contoso.example' -Issuer $privateRoot
        $rootPath = Join-Path $TestDrive 'private-root.pem'
        Set-Content $rootPath $privateRoot.CertPem
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'private' @('private.contoso.example') 'private-tls')
        $publish = @{ Namespace = $ns; SecretName = 'private-tls'; CertificatePem = $privateLeaf.CertPem; KeyPem = $privateLeaf.KeyPem }
    }

    AfterEach {
        $PSDefaultParameterValues.Remove('*-IngressCertificate:TrustedRootPath')
    }

    It 'Publish warns that the root is not trusted, without -TrustedRootPath' {
        Publish-IngressCertificate @kc @publish -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings -join "`n" | Should -Match 'TrustedRootPath'
    }

    It 'Publish trusts the root given with -TrustedRootPath' {
        $r = Publish-IngressCertificate @kc @publish -TrustedRootPath $rootPath -WarningVariable warnings -WarningAction SilentlyContinue
        $r.Thumbprint | Should -Be $privateLeaf.Certificate.Thumbprint
        $warnings | Should -BeNullOrEmpty
    }

    It 'Publish refuses a -TrustedRootPath that holds no certificate' {
        $err = $null
        try { Publish-IngressCertificate @kc @publish -TrustedRootPath (Join-Path $TestDrive 'no-such-root.pem') -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidTrustedRoot,*'
    }

    It 'is set once for Get, Test and Publish through $PSDefaultParameterValues' {
        # Without it, the leaf's issuer is unknown: the chain is not complete.
        (Get-IngressCertificate @kc -Namespace $ns -Name private).Status | Should -Be 'IncompleteChain'
        ((Test-IngressCertificate @kc -Namespace $ns -Name private -Detailed).Checks | Where-Object Name -eq 'ChainComplete').Passed | Should -BeFalse

        $PSDefaultParameterValues['*-IngressCertificate:TrustedRootPath'] = $rootPath
        (Get-IngressCertificate @kc -Namespace $ns -Name private).Status | Should -Be 'Valid'
        ((Test-IngressCertificate @kc -Namespace $ns -Name private -Detailed).Checks | Where-Object Name -eq 'ChainComplete').Passed | Should -BeTrue
        Publish-IngressCertificate @kc @publish -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings | Should -BeNullOrEmpty
    }

    It 'calls a private CA''s complete chain UntrustedRoot until $PSDefaultParameterValues trusts its root for Get, Test and Publish' {
        # tls.crt = [leaf, intermediate]: the chain to serve, complete; only its root is not trusted here.
        $issuing = New-TestCertificate -Subject 'CN=Contoso Private Issuing CA' -CertificateAuthority -Issuer $privateRoot
        $chainedLeaf = New-TestCertificate -Subject 'CN=chained.contoso.example' -DnsName 'chained.contoso.example' -Issuer $issuing
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'chained' @('chained.contoso.example') 'chained-tls')
        $chained = @{ Namespace = $ns; SecretName = 'chained-tls'; CertificatePem = ($chainedLeaf.CertPem + "`n" + $issuing.CertPem); KeyPem = $chainedLeaf.KeyPem }

        # Published all the same, with a warning that names -TrustedRootPath.
        $p = Publish-IngressCertificate @kc @chained -WarningVariable warnings -WarningAction SilentlyContinue
        $p.Thumbprint | Should -Be $chainedLeaf.Certificate.Thumbprint
        $warnings -join "`n" | Should -Match "'Contoso Private Root'.*-TrustedRootPath"
        $get = Get-IngressCertificate @kc -Namespace $ns -Name chained
        $get.Status | Should -Be 'UntrustedRoot'
        $get.Findings.Id | Should -Be 'UntrustedRoot'
        $test = Test-IngressCertificate @kc -Namespace $ns -Name chained -Detailed
        $test.Status | Should -Be 'UntrustedRoot'
        ($test.Checks | Where-Object Name -eq 'ChainComplete').Passed | Should -BeTrue
        ($test.Checks | Where-Object Name -eq 'ChainTrusted').Passed | Should -BeFalse

        $PSDefaultParameterValues['*-IngressCertificate:TrustedRootPath'] = $rootPath
        (Get-IngressCertificate @kc -Namespace $ns -Name chained).Status | Should -Be 'Valid'
        $test = Test-IngressCertificate @kc -Namespace $ns -Name chained -Detailed
        $test.Status | Should -Be 'Valid'
        $test.Passed | Should -BeTrue
        Test-IngressCertificate @kc -Namespace $ns -Name chained | Should -BeTrue
        Publish-IngressCertificate @kc @chained -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings | Should -BeNullOrEmpty
    }
}

Describe 'An encrypted PEM key with -KeyPassword' {
    BeforeAll {
        $keyPassword = 'key-pass-789'
        $pbe = [System.Security.Cryptography.PbeParameters]::new([System.Security.Cryptography.PbeEncryptionAlgorithm]::Aes256Cbc, [System.Security.Cryptography.HashAlgorithmName]::SHA256, 10000)
        $encryptedPem = $shop.Key.ExportEncryptedPkcs8PrivateKeyPem($keyPassword, $pbe)
        $encryptedPath = Join-Path $TestDrive 'encrypted.key'
        $certPath = Join-Path $TestDrive 'shop.crt'
        Set-Content $encryptedPath $encryptedPem
        Set-Content $certPath $shop.CertPem
        $securePassword = ConvertTo-SecureString $keyPassword -AsPlainText -Force
        # Text that must never show: the key's PKCS#8 base64, and the password.
        $keyFragment = [Convert]::ToBase64String($shop.Key.ExportPkcs8PrivateKey()).Substring(20, 32)

        function Get-PublishedKeyPem([string] $Name) {
            $secret = Get-ClusterObject $cluster "/api/v1/namespaces/$ns/secrets/$Name"
            [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($secret.data.'tls.key'))
        }
    }

    It 'publishes the key decrypted, from <Form>' -ForEach @(
        @{ Form = 'a key file'; Secret = 'enc-file-tls'; Source = { @{ CertificatePath = $certPath; KeyPath = $encryptedPath } } }
        @{ Form = 'PEM text'; Secret = 'enc-text-tls'; Source = { @{ CertificatePem = $shop.CertPem; KeyPem = $encryptedPem } } }
        @{ Form = 'PEM text in a SecureString'; Secret = 'enc-secure-tls'; Source = { @{ CertificatePem = $shop.CertPem; KeyPem = (ConvertTo-SecureString $encryptedPem -AsPlainText -Force) } } }
    ) {
        $source = & $Source
        $r = Publish-IngressCertificate @kc -Namespace $ns -SecretName $Secret @source -KeyPassword $securePassword -ErrorAction Stop
        $r.Thumbprint | Should -Be $shop.Certificate.Thumbprint
        $published = Get-PublishedKeyPem $Secret
        $published | Should -Match ('^-----BEGIN ' + 'PRIVATE KEY-----')
        $published | Should -Not -Match 'ENCRYPTED'
        $key = [System.Security.Cryptography.ECDsa]::Create()
        $key.ImportFromPem($published)
        [Convert]::ToBase64String($key.ExportSubjectPublicKeyInfo()) | Should -Be ([Convert]::ToBase64String($shop.Key.ExportSubjectPublicKeyInfo()))
    }

    It 'refuses a wrong -KeyPassword cleanly, naming neither key nor password' {
        $err = $null
        try { Publish-IngressCertificate @kc -Namespace $ns -SecretName enc-wrong-tls -CertificatePath $certPath -KeyPath $encryptedPath -KeyPassword (ConvertTo-SecureString 'not-the-pass' -AsPlainText -Force) -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidCertificateInput,*'
        $err.Exception.Message | Should -Match 'KeyPassword'
        $text = "$($err.Exception.Message) $err $($err.Exception.InnerException)"
        $text.Contains($keyFragment) | Should -BeFalse
        $text | Should -Not -Match 'not-the-pass|key-pass-789'
        { Get-ClusterObject $cluster "/api/v1/namespaces/$ns/secrets/enc-wrong-tls" } | Should -Throw
    }
}

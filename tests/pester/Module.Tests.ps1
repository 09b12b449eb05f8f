# The module as a whole: manifest, isolation of its dependencies, exported surface, packaging.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $modulePath = Get-BuiltModulePath
    Import-Module $modulePath -Force
    $packages = if ($env:INGRESSCERTS_NUGET_PACKAGES) { $env:INGRESSCERTS_NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
}

Describe 'The module manifest' {
    It 'targets PowerShell 7.4+ Core and exports its cmdlets explicitly' {
        $m = Import-PowerShellDataFile $modulePath
        $m.PowerShellVersion | Should -Be '7.4'
        $m.CompatiblePSEditions | Should -Be @('Core')
        $m.CmdletsToExport | Should -Not -Contain '*'
        $m.FormatsToProcess | Should -Contain 'IngressCerts.Format.ps1xml'
        $m.Description | Should -Not -BeNullOrEmpty
        $m.PrivateData.PSData.Tags | Should -Contain 'Kubernetes'
        (Get-Command -Module IngressCerts).Name | Sort-Object | Should -Be ($m.CmdletsToExport | Sort-Object)
    }

    It 'declares an output type on every cmdlet' {
        foreach ($c in Get-Command -Module IngressCerts) { $c.OutputType | Should -Not -BeNullOrEmpty -Because $c.Name }
    }

    It 'exposes no dependency type (KubernetesClient, YamlDotNet, BouncyCastle) in any parameter or output' {
        $allowed = '^(System\.|mscorlib|netstandard|IngressCerts)'
        foreach ($c in Get-Command -Module IngressCerts) {
            foreach ($p in $c.Parameters.Values) { $p.ParameterType.Assembly.GetName().Name | Should -Match $allowed -Because "$($c.Name) -$($p.Name)" }
            foreach ($t in $c.OutputType) { $t.Type.Assembly.GetName().Name | Should -Match $allowed -Because "$($c.Name) output" }
        }
        $r = Get-IngressCertificate -Path (Join-Path $PSScriptRoot '../../examples/manifests') | Select-Object -First 1
        foreach ($prop in $r.PSObject.Properties) {
            if ($null -ne $prop.Value) { $prop.Value.GetType().Assembly.GetName().Name | Should -Match $allowed -Because $prop.Name }
        }
    }
}

Describe 'Dependency isolation' {
    It 'works in a session that already loaded other versions of YamlDotNet and BouncyCastle' {
        $yaml = Join-Path $packages 'yamldotnet/11.2.1/lib/netstandard2.1/YamlDotNet.dll'
        $bc = Join-Path $packages 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll'
        $yaml | Should -Exist
        $bc | Should -Exist
        $examples = Join-Path $PSScriptRoot '../../examples/manifests'
        $expected = @(Get-IngressCertificate -Path $examples).Count
        $expected | Should -BeGreaterThan 0
        $out = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$yaml'; Add-Type -Path '$bc'
Import-Module '$modulePath'
`$r = Get-IngressCertificate -Path '$examples'
# The session's own copies stay what they were, and still work.
`$d = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize[object]('a: 1')
"RESULT `$(`$r.Count) `$([YamlDotNet.Serialization.Deserializer].Assembly.GetName().Version) `$([Org.BouncyCastle.Security.SecureRandom].Assembly.GetName().Version) `$(`$d['a'])"
"@
        ($out | Out-String) | Should -Match "RESULT $expected 11\.0\.0\.0 2\.0\.0\.0 1"
    }

    It 'imports in a fresh session within a loose time bound' {
        $out = Invoke-ChildPwsh "`$s = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$modulePath'; 'IMPORT ' + `$s.Elapsed.TotalSeconds"
        $seconds = [double](([regex]::Match(($out | Out-String), 'IMPORT ([0-9.]+)')).Groups[1].Value)
        $seconds | Should -BeGreaterThan 0
        $seconds | Should -BeLessThan 5   # a loose bound that can fail; the README reports the measured median
    }
}

Describe 'Cancellation' {
    It 'stops promptly on Ctrl+C while a request to the cluster hangs' {
        # The listener accepts connections but never answers, so the TLS handshake hangs until cancelled.
        $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
        $listener.Start()
        $ps = [powershell]::Create()
        try {
            $port = $listener.LocalEndpoint.Port
            $null = $ps.AddScript("Import-Module '$modulePath'; Get-IngressCertificate -Server https://127.0.0.1:$port -Token (ConvertTo-SecureString 'x' -AsPlainText -Force) -AllNamespaces")
            $handle = $ps.BeginInvoke()
            Start-Sleep -Seconds 3
            $handle.IsCompleted | Should -BeFalse
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
        }
        finally {
            $ps.Dispose()
            $listener.Stop()
        }
    }
}

Describe 'Exec credential plugins' -Skip:([bool]$env:INGRESSCERTS_TEST_KUBECONFIG -or $IsWindows) {
    BeforeAll { $server = Start-KubeTestServer -ContextName 'exec' }
    AfterAll { Stop-KubeTestServer $server }

    BeforeEach {
        # The plugin counts its runs in a file: each run of a real one (az, aws, gcloud) costs seconds.
        $text = Get-Content $server.KubeConfig -Raw
        $token = [regex]::Match($text, 'token:\s*(\S+)').Groups[1].Value.Trim('"')
        $runs = Join-Path $TestDrive "runs-$([guid]::NewGuid().ToString('N'))"
        $plugin = Join-Path $TestDrive 'plugin.sh'
        Set-Content $plugin "#!/bin/sh`necho run >> '$runs'`necho 'signing in as test user' >&2`necho '{`"apiVersion`":`"client.authentication.k8s.io/v1beta1`",`"kind`":`"ExecCredential`",`"status`":{`"token`":`"$token`"}}'`n"
        chmod +x $plugin
        $exec = $text -replace '(?s)  user:\s*\n\s*token: \S+', "  user:`n    exec:`n      apiVersion: client.authentication.k8s.io/v1beta1`n      command: $plugin`n      interactiveMode: Never"
        $kc = Join-Path $TestDrive "exec-$([guid]::NewGuid().ToString('N')).kubeconfig"
        Set-Content $kc $exec
    }

    It 'authenticates through the plugin and sends its stderr to the debug stream only' {
        $records = Get-IngressCertificate -KubeConfigPath $kc -AllNamespaces -Verbose -Debug -ErrorAction Stop 4>&1 5>&1
        (($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message -join "`n") | Should -Match 'exec credential plugin: signing in as test user'
        (($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n") | Should -Not -Match 'exec credential plugin'
    }

    It 'shows a plugin that logs its token only redacted, on no stream in clear' {
        $text = Get-Content $plugin -Raw
        Set-Content $plugin ($text -replace "(?m)^echo 'signing in as test user' >&2$", "echo 'Authorization: Bearer $token' >&2")
        $all = Get-IngressCertificate -KubeConfigPath $kc -AllNamespaces -Verbose -Debug -ErrorAction Stop *>&1 | Out-String
        $all | Should -Match 'exec credential plugin: Authorization: Bearer \[redacted\]'
        $all | Should -Not -Match ([regex]::Escape($token))
    }

    It 'runs the plugin once for a whole scan, and not again for the next cmdlet in the session' {
        Get-IngressCertificate -KubeConfigPath $kc -AllNamespaces -ErrorAction Stop | Out-Null
        @(Get-Content $runs).Count | Should -Be 1
        Get-IngressCertificate -KubeConfigPath $kc -AllNamespaces -ErrorAction Stop | Out-Null
        @(Get-Content $runs).Count | Should -Be 1
    }

    It 'reports a failing plugin as one clear error, without a stack trace' {
        Set-Content $plugin "#!/bin/sh`necho 'sign-in refused' >&2`nexit 4`n"
        $err = { Get-IngressCertificate -KubeConfigPath $kc -AllNamespaces -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubeConfigInvalid,IngressCerts.Commands.GetIngressCertificateCommand' -PassThru
        $err.Exception.Message | Should -Match "The kubeconfig context 'exec' cannot be used: .* failed with exit code 4"
        $err.Exception.Message | Should -Not -Match '\n'
    }
}

Describe 'Packaging' {
    It 'writes a nupkg that Save-PSResource installs from a local repository, and an Azure Automation zip' {
        $out = Join-Path $PSScriptRoot '../../out/package'
        if (-not (Get-ChildItem $out -Filter *.nupkg -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'run ./build.ps1 -Task Package first (build.ps1 -Task Test does)'
            return
        }
        $repo = New-Item -ItemType Directory (Join-Path $TestDrive 'repo')
        Copy-Item (Join-Path $out '*.nupkg') $repo
        $name = "ic-test-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Register-PSResourceRepository -Name $name -Uri $repo.FullName -Trusted
        try {
            $dest = New-Item -ItemType Directory (Join-Path $TestDrive 'saved')
            Save-PSResource -Name IngressCerts -Repository $name -Path $dest.FullName -TrustRepository -ErrorAction Stop
            $psd1 = Get-ChildItem $dest -Recurse -Filter IngressCerts.psd1 | Select-Object -First 1
            $psd1 | Should -Not -BeNullOrEmpty
            (Invoke-ChildPwsh "Import-Module '$($psd1.FullName)'; (Get-Command -Module IngressCerts).Count" | Select-Object -Last 1) |
                Should -Be "$((Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../IngressCerts.psd1')).CmdletsToExport.Count)"
        }
        finally {
            Unregister-PSResourceRepository -Name $name
        }
        $zip = [IO.Compression.ZipFile]::OpenRead((Join-Path $out 'IngressCerts.zip'))
        try { $zip.Entries.FullName | Should -Contain 'IngressCerts/IngressCerts.psd1' } finally { $zip.Dispose() }
    }
}

# The runbooks in examples/runbooks, each run unchanged against the test server (or a real cluster). The external
# commands they call (Posh-ACME, Az.Accounts, Azure Automation's Get-Automation*, certreq.exe) are stand-ins defined
# here with the real commands' parameters; the CA behind them signs the CSR it is given.
using namespace System.Security.Cryptography.X509Certificates

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'runbooks'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    $runbooks = Join-Path $PSScriptRoot '../../examples/runbooks'
    $root = New-TestCertificate -Subject 'CN=Runbook Root CA' -CertificateAuthority -Days 3650
    $intermediate = New-TestCertificate -Subject 'CN=Runbook Issuing CA' -CertificateAuthority -Issuer $root -Days 1000
    $savedPoshAcmeHome = $env:POSHACME_HOME

    # What the stand-ins saw and hold. One name, unlikely to be shadowed by a runbook's own variables.
    $RunbookFakes = @{
        Root = $root; Intermediate = $intermediate
        AksToken = if ($cluster.IsReal) { $null } else { Get-TestClusterToken $cluster }
        AzLogins = [Collections.Generic.List[hashtable]]::new(); TokenRequests = [Collections.Generic.List[string]]::new()
        PluginArgs = [Collections.Generic.List[hashtable]]::new(); Orders = @{}; AcmeIssued = 0; AcmeFails = $false
        Adcs = @{ Mode = 'Pending'; NextId = 100; Requests = @{}; Submits = [Collections.Generic.List[hashtable]]::new(); Retrieves = 0 }
        Credentials = @{}; Variables = @{}
    }

    # --- Az.Accounts ---
    function Connect-AzAccount {
        [CmdletBinding()]
        param([switch] $Identity, [string] $AccountId, [string] $Tenant, [string] $Subscription)
        $RunbookFakes.AzLogins.Add(@{ Identity = $Identity.IsPresent; AccountId = $AccountId })
        [pscustomobject]@{ Context = [pscustomobject]@{ Account = 'managed-identity' } }
    }
    function Get-AzAccessToken {
        # Az.Accounts 5+: Token is a SecureString.
        [CmdletBinding()]
        param([string] $ResourceUrl, [string] $ResourceTypeName, [string] $TenantId, [switch] $AsSecureString)
        if (-not $RunbookFakes.AzLogins.Count) { throw 'Run Connect-AzAccount to login.' }
        $RunbookFakes.TokenRequests.Add($ResourceUrl)
        $value = if ($ResourceUrl -eq '6dae42f8-4368-4678-94ff-3960e28e3630') { $RunbookFakes.AksToken } else { 'arm-token-from-the-stand-in' }
        [pscustomobject]@{ Token = (ConvertTo-SecureString $value -AsPlainText -Force); Type = 'Bearer'; ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1) }
    }

    # --- Posh-ACME (the FromCSR parameter set of New-PACertificate 4.x, Get-PACertificate) ---
    function New-PACertificate {
        [CmdletBinding(DefaultParameterSetName = 'FromScratch')]
        param(
            [Parameter(ParameterSetName = 'FromScratch', Mandatory, Position = 0)] [string[]] $Domain,
            [Parameter(ParameterSetName = 'FromCSR', Mandatory, Position = 0)] [Alias('CSRString')] [string] $CSRPath,
            [string] $Name, [string[]] $Contact, [switch] $AcceptTOS, [string] $AccountKeyLength,
            [Alias('location')] [string] $DirectoryUrl = 'LE_PROD', [Alias('DnsPlugin')] [string[]] $Plugin, [hashtable] $PluginArgs,
            [int] $LifetimeDays, [string[]] $DnsAlias, [switch] $UseSerialValidation, [switch] $Force, [int] $DnsSleep = 120,
            [string] $DnsVariant, [int] $ValidationTimeout = 60, [string] $PreferredChain
        )
        if ($PSCmdlet.ParameterSetName -ne 'FromCSR') { throw 'The order must be made from the request''s CSR.' }
        if (-not $env:POSHACME_HOME) { throw 'POSHACME_HOME is not set.' }
        # The Azure plugin's parameter sets (Posh-ACME/Plugins/Azure.ps1): AZSubscriptionId, then one way to sign in.
        if ("$Plugin" -ne 'Azure') { throw "Plugin '$Plugin' is not Azure." }
        if (-not $PluginArgs.AZSubscriptionId) { throw 'AZSubscriptionId is mandatory.' }
        $ways = @('AZAccessToken', 'AZUseIMDS', 'AZAppCred', 'AZCertThumbprint', 'AZCertPfx') | Where-Object { $PluginArgs.ContainsKey($_) }
        if (@($ways).Count -ne 1) { throw "Parameter set cannot be resolved: $($ways -join ', ')" }
        if ($PluginArgs.ContainsKey('AZAccessToken') -and $PluginArgs.AZAccessToken -isnot [string]) { throw 'AZAccessToken is a [string].' }
        $RunbookFakes.PluginArgs.Add($PluginArgs)
        if ($RunbookFakes.AcmeFails) { throw 'Timed out waiting 60 seconds for authorizations to become valid.' }

        $csr = if ($CSRPath -match '-----BEGIN') { $CSRPath } else { Get-Content $CSRPath -Raw }
        $order = $RunbookFakes.Orders[$Name]
        if ($order -and $order.Csr -eq $csr -and -not $Force) {
            # As Posh-ACME does for an order already completed with this CSR: a warning, no output.
            Write-Warning 'This certificate order has already been completed. Use -Force to overwrite the current certificate.'
            return
        }
        $issued = Invoke-TestCaSigning -Root $RunbookFakes.Root -Intermediate $RunbookFakes.Intermediate -Csr $csr
        $dir = Join-Path $env:POSHACME_HOME "orders/$Name"
        New-Item -ItemType Directory -Force $dir | Out-Null
        Set-Content (Join-Path $dir 'cert.cer') $issued.CertPem
        Set-Content (Join-Path $dir 'chain.cer') $RunbookFakes.Intermediate.CertPem
        Set-Content (Join-Path $dir 'fullchain.cer') ($issued.CertPem + "`n" + $RunbookFakes.Intermediate.CertPem)
        $RunbookFakes.AcmeIssued++
        $certificate = [pscustomobject]@{
            PSTypeName = 'PoshACME.PACertificate'; Subject = $issued.Certificate.Subject; NotAfter = $issued.Certificate.NotAfter
            Thumbprint = $issued.Certificate.Thumbprint; CertFile = Join-Path $dir 'cert.cer'; KeyFile = $null
            ChainFile = Join-Path $dir 'chain.cer'; FullChainFile = Join-Path $dir 'fullchain.cer'; PfxFile = $null
        }
        $RunbookFakes.Orders[$Name] = @{ Csr = $csr; Certificate = $certificate }
        $certificate
    }
    function Get-PACertificate {
        [CmdletBinding(DefaultParameterSetName = 'Specific')]
        param([Parameter(ParameterSetName = 'Specific', Position = 0)] [string] $MainDomain, [Parameter(ParameterSetName = 'Specific')] [string] $Name,
            [Parameter(ParameterSetName = 'List', Mandatory)] [switch] $List)
        $RunbookFakes.Orders[$Name].Certificate
    }

    # --- Azure Automation's shared-resource commands ---
    function Get-AutomationPSCredential { param([Parameter(Mandatory)] [string] $Name) $RunbookFakes.Credentials[$Name] }
    function Get-AutomationVariable { param([Parameter(Mandatory)] [string] $Name) $RunbookFakes.Variables[$Name] }

    # --- certreq.exe against an ADCS CA whose template needs a manager's approval (Mode Pending), or not (Issue) ---
    function certreq.exe {
        $config = $null; $attrib = $null; $positional = [Collections.Generic.List[string]]::new()
        for ($i = 1; $i -lt $args.Count; $i++) {
            switch ($args[$i]) {
                '-config' { $config = $args[++$i] }
                '-attrib' { $attrib = $args[++$i] }
                { $_ -in '-q', '-f' } { }
                default { $positional.Add($args[$i]) }
            }
        }
        $ca = $RunbookFakes.Adcs
        $global:LASTEXITCODE = 0
        if ($args[0] -eq '-submit') {
            $id = ++$ca.NextId
            $ca.Requests[$id] = Get-Content $positional[0] -Raw
            $ca.Submits.Add(@{ Config = $config; Attrib = $attrib; Id = $id })
        }
        elseif ($args[0] -eq '-retrieve') {
            $id = [int]$positional[0]
            $ca.Retrieves++
            if (-not $ca.Requests.ContainsKey($id)) { $global:LASTEXITCODE = -2146885613; return "Certificate retrieval failed. ${id}: The requested property value is empty." }
        }
        else { throw "certreq stand-in: $($args[0]) is not used by the runbook" }
        "RequestId: $id"
        "RequestId: `"$id`""
        switch ($ca.Mode) {
            'Pending' { 'Certificate request is pending: Taken Under Submission (0)' }
            'Deny' { 'Certificate not issued (Denied) Denied by Policy Module  0x80094801, The request does not contain a certificate template extension.' }
            'Issue' {
                Set-Content $positional[1] (Invoke-TestCaSigning -Root $RunbookFakes.Root -Intermediate $RunbookFakes.Intermediate -Csr $ca.Requests[$id]).CertPem
                'Certificate retrieved(Issued) Issued'
            }
        }
    }

    function Invoke-Runbook {
        <# Runs a runbook in this session; its output and the error it ended with (or $null). #>
        param([string] $Name, [hashtable] $Parameters)
        $output = [Collections.Generic.List[object]]::new()
        $failure = $null
        try { & (Join-Path $runbooks $Name) @Parameters -WarningAction SilentlyContinue -InformationAction SilentlyContinue 2>$null | ForEach-Object { $output.Add($_) } }
        catch { $failure = $_ }
        [pscustomobject]@{ Results = @($output | Where-Object { $_.PSObject.TypeNames[0] -eq 'IngressCerts.SyncResult' }); Output = $output; Error = $failure }
    }
    function Assert-IssuedForPendingKey([string] $Namespace, [string] $Secret, [string[]] $Hosts) {
        # CreateFromPem throws unless tls.key is the certificate's key: the key made in the cluster for the request.
        $leaf = Get-TestSecretCertificate $cluster $Namespace $Secret
        $leaf.HasPrivateKey | Should -BeTrue
        $leaf.Issuer | Should -Be $intermediate.Certificate.Subject
        foreach ($h in $Hosts) { $leaf.MatchesHostname($h) | Should -BeTrue }
        @(Get-IngressCertificateRequest @kc -Namespace $Namespace).Count | Should -Be 0
        $leaf
    }
}

AfterAll {
    $env:POSHACME_HOME = $savedPoshAcmeHome
    Remove-TestCluster $cluster
}

Describe 'Sync-PoshAcme.ps1 (Posh-ACME, Azure DNS plugin)' {
    BeforeEach {
        $RunbookFakes.PluginArgs.Clear(); $RunbookFakes.AzLogins.Clear(); $RunbookFakes.TokenRequests.Clear()
        $RunbookFakes.AcmeIssued = 0; $RunbookFakes.AcmeFails = $false
    }

    It 'with a kubeconfig and an ARM token: orders the request''s CSR, and the Secret holds the certificate for the pending key' {
        $ns = New-TestNamespace $cluster 'rb-acme-'
        $hosts = 'shop.contoso.example', 'www.shop.contoso.example'
        $old = Add-TestDueTarget $cluster $intermediate $ns 'shop' $hosts
        $null = Add-TestDueTarget $cluster $intermediate $ns 'later' 'later.contoso.example' -Days 200
        $home_ = Join-Path $TestDrive 'posh-acme'
        # Get-AzAccessToken for ARM needs a signed-in Az session, as it does outside Azure Automation.
        $null = Connect-AzAccount
        $run = Invoke-Runbook 'Sync-PoshAcme.ps1' (@{ Namespace = $ns; AZSubscriptionId = '11111111-2222-3333-4444-555555555555'; Contact = 'certs@contoso.example'; PoshAcmeHome = $home_; DnsSleep = 0 } + $kc)
        $run.Error | Should -BeNullOrEmpty
        ($run.Results | Where-Object Name -eq 'shop').Action | Should -Be 'Renewed'
        ($run.Results | Where-Object Name -eq 'shop').PreviousThumbprint | Should -Be $old.Certificate.Thumbprint
        ($run.Results | Where-Object Name -eq 'later').Action | Should -Be 'Unchanged'
        $leaf = Assert-IssuedForPendingKey $ns 'shop-tls' $hosts
        $leaf.Thumbprint | Should -Be $RunbookFakes.Orders["${ns}_shop-tls"].Certificate.Thumbprint
        $RunbookFakes.AcmeIssued | Should -Be 1
        $RunbookFakes.PluginArgs[0].AZSubscriptionId | Should -Be '11111111-2222-3333-4444-555555555555'
        $RunbookFakes.PluginArgs[0].AZAccessToken | Should -Be 'arm-token-from-the-stand-in'
        $RunbookFakes.TokenRequests | Should -Contain 'https://management.azure.com/'
        $env:POSHACME_HOME | Should -Be $home_
    }

    It 'with -Server and the managed identity (AKS token, IMDS for DNS): creates the missing Secret' {
        if ($cluster.IsReal) { Set-ItResult -Skipped -Because 'the stand-in Get-AzAccessToken hands out the test server''s token'; return }
        $ns = New-TestNamespace $cluster 'rb-acme-mi-'
        Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'fresh' 'fresh.contoso.example' 'fresh-tls')
        $server = [regex]::Match((Get-Content $cluster.KubeConfig -Raw), 'server:\s*(\S+)').Groups[1].Value.Trim('"')
        $run = Invoke-Runbook 'Sync-PoshAcme.ps1' @{
            Server = $server; CertificateAuthority = (Get-TestClusterCaPem $cluster); IdentityClientId = 'aaaaaaaa-0000-0000-0000-000000000001'
            Namespace = $ns; AZSubscriptionId = '11111111-2222-3333-4444-555555555555'; UseImds = $true; PoshAcmeHome = (Join-Path $TestDrive 'pa-mi'); DnsSleep = 0
        }
        $run.Error | Should -BeNullOrEmpty
        $run.Results.Action | Should -Be 'Created'
        $null = Assert-IssuedForPendingKey $ns 'fresh-tls' 'fresh.contoso.example'
        $RunbookFakes.AzLogins[0].Identity | Should -BeTrue
        $RunbookFakes.AzLogins[0].AccountId | Should -Be 'aaaaaaaa-0000-0000-0000-000000000001'
        $RunbookFakes.TokenRequests | Should -Be @('6dae42f8-4368-4678-94ff-3960e28e3630')
        $RunbookFakes.PluginArgs[0].AZUseIMDS | Should -BeTrue
        $RunbookFakes.PluginArgs[0].ContainsKey('AZAccessToken') | Should -BeFalse
    }

    It 'a failed ACME order fails the job naming the target; the next run resumes with the same key and orders no second certificate' {
        $ns = New-TestNamespace $cluster 'rb-acme-retry-'
        $null = Add-TestDueTarget $cluster $intermediate $ns 'api' 'api.contoso.example'
        $null = Connect-AzAccount
        $parameters = @{ Namespace = $ns; AZSubscriptionId = '11111111-2222-3333-4444-555555555555'; PoshAcmeHome = (Join-Path $TestDrive 'pa-retry'); DnsSleep = 0 } + $kc
        $RunbookFakes.AcmeFails = $true
        $first = Invoke-Runbook 'Sync-PoshAcme.ps1' $parameters
        $first.Results.Action | Should -Be 'Failed'
        $first.Results.ErrorId | Should -Be 'IssuerFailed'
        "$($first.Error)" | Should -Match "$ns/api-tls \(IssuerFailed\)"
        $pending = Get-IngressCertificateRequest @kc -Namespace $ns
        @($pending).Count | Should -Be 1

        # Meanwhile the order went through for that CSR (as a job stopped after the CA answered leaves it): the next
        # run gets that certificate from Get-PACertificate instead of ordering another.
        $RunbookFakes.AcmeFails = $false
        $null = New-PACertificate -CSRString $pending.Csr -Name "${ns}_api-tls" -Plugin Azure -PluginArgs @{ AZSubscriptionId = 'x'; AZUseIMDS = $true }
        $RunbookFakes.AcmeIssued | Should -Be 1
        $second = Invoke-Runbook 'Sync-PoshAcme.ps1' $parameters
        $second.Error | Should -BeNullOrEmpty
        $second.Results.Action | Should -Be 'Renewed'
        $RunbookFakes.AcmeIssued | Should -Be 1
        $leaf = Assert-IssuedForPendingKey $ns 'api-tls' 'api.contoso.example'
        $leaf.Thumbprint | Should -Be $RunbookFakes.Orders["${ns}_api-tls"].Certificate.Thumbprint
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($leaf.PublicKey.ExportSubjectPublicKeyInfo())) | Should -Be $pending.PublicKeySha256
    }
}

Describe 'Sync-DropFolder.ps1' {
    BeforeAll {
        $password = ConvertTo-SecureString 'drop-folder-pass' -AsPlainText -Force
        $RunbookFakes.Credentials['drop-pfx'] = [pscredential]::new('pfx', $password)
        $RunbookFakes.Variables['drop-pfx-password'] = 'drop-folder-pass'
    }

    It 'publishes the dropped certificate that fits, with the password of an Automation credential; a target with no file fails the job' {
        $ns = New-TestNamespace $cluster 'rb-drop-'
        $old = Add-TestDueTarget $cluster $intermediate $ns 'portal' 'portal.contoso.example'
        $null = Add-TestDueTarget $cluster $intermediate $ns 'nofile' 'nofile.contoso.example'
        $drop = Join-Path $TestDrive "drop-$ns"
        New-Item -ItemType Directory $drop | Out-Null
        $fits = New-TestCertificate -Subject 'CN=portal.contoso.example' -DnsName 'portal.contoso.example' -Days 90 -Issuer $intermediate
        $other = New-TestCertificate -Subject 'CN=other.contoso.example' -DnsName 'other.contoso.example' -Days 300 -Issuer $intermediate
        $null = New-TestPfx $fits (Join-Path $drop 'portal.pfx') $password
        $null = New-TestPfx $other (Join-Path $drop 'other.pfx') $password
        $run = Invoke-Runbook 'Sync-DropFolder.ps1' (@{ SourcePath = $drop; PasswordCredentialName = 'drop-pfx'; Namespace = $ns } + $kc)
        ($run.Results | Where-Object Name -eq 'portal').Action | Should -Be 'Renewed'
        ($run.Results | Where-Object Name -eq 'portal').PreviousThumbprint | Should -Be $old.Certificate.Thumbprint
        (Get-TestSecretCertificate $cluster $ns 'portal-tls').Thumbprint | Should -Be $fits.Certificate.Thumbprint
        ($run.Results | Where-Object Name -eq 'nofile').Action | Should -Be 'Failed'
        "$($run.Error)" | Should -Match "$ns/nofile-tls \(NoCertificateAvailable\)"
    }

    It 'takes the PFX password from an encrypted Automation variable' {
        $ns = New-TestNamespace $cluster 'rb-drop-var-'
        $null = Add-TestDueTarget $cluster $intermediate $ns 'docs' 'docs.contoso.example'
        $drop = Join-Path $TestDrive "drop-$ns"
        New-Item -ItemType Directory $drop | Out-Null
        $fits = New-TestCertificate -Subject 'CN=docs.contoso.example' -DnsName 'docs.contoso.example' -Days 90 -Issuer $intermediate
        $null = New-TestPfx $fits (Join-Path $drop 'docs.pfx') $password
        $run = Invoke-Runbook 'Sync-DropFolder.ps1' (@{ SourcePath = $drop; PasswordVariableName = 'drop-pfx-password'; Namespace = $ns } + $kc)
        $run.Error | Should -BeNullOrEmpty
        $run.Results.Action | Should -Be 'Renewed'
        (Get-TestSecretCertificate $cluster $ns 'docs-tls').Thumbprint | Should -Be $fits.Certificate.Thumbprint
    }
}

Describe 'Sync-AdcsCertreq.ps1 (enterprise CA through certreq.exe)' {
    BeforeEach { $RunbookFakes.Adcs.Submits.Clear(); $RunbookFakes.Adcs.Retrieves = 0 }

    It 'a template that needs approval: Requested on the first run, Renewed on the next with the same key and one CA request' {
        $ns = New-TestNamespace $cluster 'rb-adcs-'
        $hosts = 'erp.corp.contoso.example', 'erp-api.corp.contoso.example'
        $null = Add-TestDueTarget $cluster $intermediate $ns 'erp' $hosts
        $chain = Join-Path $TestDrive 'issuing-chain.pem'
        Set-Content $chain $intermediate.CertPem
        $parameters = @{ CAConfig = 'ca01.corp.contoso.example\Contoso Issuing CA 1'; Template = 'WebServer'; ChainPath = $chain; StateDirectory = (Join-Path $TestDrive "certreq-$ns"); Namespace = $ns } + $kc

        $RunbookFakes.Adcs.Mode = 'Pending'
        $first = Invoke-Runbook 'Sync-AdcsCertreq.ps1' $parameters
        $first.Error | Should -BeNullOrEmpty
        $first.Results.Action | Should -Be 'Requested'
        $pending = Get-IngressCertificateRequest @kc -Namespace $ns
        @($pending).Count | Should -Be 1
        $RunbookFakes.Adcs.Submits.Count | Should -Be 1
        $RunbookFakes.Adcs.Submits[0].Config | Should -Be 'ca01.corp.contoso.example\Contoso Issuing CA 1'
        $RunbookFakes.Adcs.Submits[0].Attrib | Should -Be 'CertificateTemplate:WebServer'
        $RunbookFakes.Adcs.Requests[$RunbookFakes.Adcs.Submits[0].Id].Trim() | Should -Be $pending.Csr.Trim()

        # Still waiting an hour later: asked again by RequestId, no new request.
        $again = Invoke-Runbook 'Sync-AdcsCertreq.ps1' $parameters
        $again.Results.Action | Should -Be 'Requested'
        $RunbookFakes.Adcs.Submits.Count | Should -Be 1
        $RunbookFakes.Adcs.Retrieves | Should -Be 1

        $RunbookFakes.Adcs.Mode = 'Issue'   # a CA manager approves
        $second = Invoke-Runbook 'Sync-AdcsCertreq.ps1' $parameters
        $second.Error | Should -BeNullOrEmpty
        $second.Results.Action | Should -Be 'Renewed'
        $RunbookFakes.Adcs.Submits.Count | Should -Be 1
        $RunbookFakes.Adcs.Retrieves | Should -Be 2
        $leaf = Assert-IssuedForPendingKey $ns 'erp-tls' $hosts
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($leaf.PublicKey.ExportSubjectPublicKeyInfo())) | Should -Be $pending.PublicKeySha256
        # The chain from -ChainPath follows the leaf.
        $crt = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String((Get-ClusterObject $cluster "/api/v1/namespaces/$ns/secrets/erp-tls").data.'tls.crt'))
        ([regex]::Matches($crt, '-----BEGIN CERTIFICATE-----')).Count | Should -Be 2
        @(Get-ChildItem $parameters.StateDirectory).Count | Should -Be 0
    }

    It 'issued at once is Renewed in one run; a denied request fails the job naming the target' {
        $ns = New-TestNamespace $cluster 'rb-adcs-now-'
        $null = Add-TestDueTarget $cluster $intermediate $ns 'intranet' 'intranet.corp.contoso.example'
        $parameters = @{ CAConfig = 'ca01\CA'; Template = 'WebServer'; StateDirectory = (Join-Path $TestDrive "certreq-$ns"); Namespace = $ns } + $kc
        $RunbookFakes.Adcs.Mode = 'Issue'
        (Invoke-Runbook 'Sync-AdcsCertreq.ps1' $parameters).Results.Action | Should -Be 'Renewed'
        $null = Assert-IssuedForPendingKey $ns 'intranet-tls' 'intranet.corp.contoso.example'

        $null = Add-TestDueTarget $cluster $intermediate $ns 'legacy' 'legacy.corp.contoso.example'
        $RunbookFakes.Adcs.Mode = 'Deny'
        $denied = Invoke-Runbook 'Sync-AdcsCertreq.ps1' $parameters
        ($denied.Results | Where-Object Name -eq 'legacy').Action | Should -Be 'Failed'
        "$($denied.Error)" | Should -Match "$ns/legacy-tls \(IssuerFailed\)"
        ($denied.Results | Where-Object Name -eq 'intranet').Action | Should -Be 'Unchanged'
    }
}

Describe 'Test-ExpiringCertificates.ps1 (the weekly check)' {
    BeforeAll {
        $script = Join-Path $runbooks 'Test-ExpiringCertificates.ps1'
        $outDir = Split-Path (Split-Path (Get-BuiltModulePath))
        $savedModulePath = $env:PSModulePath
        # The child pwsh finds IngressCerts as Azure Automation does: by name, from the module path.
        $env:PSModulePath = $outDir + [IO.Path]::PathSeparator + $env:PSModulePath
    }
    AfterAll { $env:PSModulePath = $savedModulePath }

    It 'lists what expires within the window in HTML, Markdown and Prometheus, and exits 1 naming it' {
        $ns = New-TestNamespace $cluster 'rb-weekly-'
        $null = Add-TestDueTarget $cluster $intermediate $ns 'soon' 'soon.contoso.example' -Days 10
        $null = Add-TestDueTarget $cluster $intermediate $ns 'fine' 'fine.contoso.example' -Days 200
        $reports = Join-Path $TestDrive 'weekly'
        $output = Invoke-ChildPwshFile $script @('-KubeConfigPath', $cluster.KubeConfig, '-Context', $cluster.Context, '-ExpiringWithinDays', '21', '-ReportDirectory', $reports)
        $LASTEXITCODE | Should -Be 1
        $text = $output -join "`n"
        $text | Should -Match "$ns/soon Secret soon-tls: \d+ day"
        $text | Should -Not -Match "$ns/fine"
        foreach ($file in 'expiring.html', 'expiring.md', 'expiring.prom') {
            $report = Get-Content (Join-Path $reports $file) -Raw
            $report | Should -Match 'soon-tls'
            $report | Should -Not -Match 'fine-tls'
        }
        Get-Content (Join-Path $reports 'expiring.prom') -Raw | Should -Match "x509_cert_not_after\{[^}]*secret_name=`"soon-tls`""
    }

    It 'exits 0 and writes empty reports when nothing is due' {
        if ($cluster.IsReal) { Set-ItResult -Skipped -Because 'a real cluster may hold certificates that are due'; return }
        $quiet = Start-KubeTestServer -ContextName 'quiet'
        try {
            $reports = Join-Path $TestDrive 'quiet'
            $output = Invoke-ChildPwshFile $script @('-KubeConfigPath', $quiet.KubeConfig, '-ReportDirectory', $reports, '-Format', 'Markdown')
            $LASTEXITCODE | Should -Be 0
            ($output -join "`n") | Should -Match 'Nothing expires within 30 days'
            Test-Path (Join-Path $reports 'expiring.md') | Should -BeTrue
            Test-Path (Join-Path $reports 'expiring.html') | Should -BeFalse
        }
        finally { Stop-KubeTestServer $quiet }
    }

    It 'with -Server and the managed identity token, in this session, throws naming what is due' {
        if ($cluster.IsReal) { Set-ItResult -Skipped -Because 'the stand-in Get-AzAccessToken hands out the test server''s token'; return }
        $ns = New-TestNamespace $cluster 'rb-weekly-mi-'
        $null = Add-TestDueTarget $cluster $intermediate $ns 'expired' 'expired.contoso.example' -Days -2
        $server = [regex]::Match((Get-Content $cluster.KubeConfig -Raw), 'server:\s*(\S+)').Groups[1].Value.Trim('"')
        $RunbookFakes.AzLogins.Clear(); $RunbookFakes.TokenRequests.Clear()
        { & $script -Server $server -CertificateAuthority (Get-TestClusterCaPem $cluster) -ExpiringWithinDays 7 | Out-Null } |
            Should -Throw "*$ns/expired Secret expired-tls: -*"
        $RunbookFakes.AzLogins[0].Identity | Should -BeTrue
        $RunbookFakes.TokenRequests | Should -Be @('6dae42f8-4368-4678-94ff-3960e28e3630')
    }
}

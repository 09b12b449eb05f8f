# Get-Help for every exported cmdlet: it comes from module/en-US/IngressCerts.dll-Help.xml, says something for every
# parameter the cmdlet really has, and its parameter metadata and syntax agree with the cmdlet's. A parameter added,
# renamed or changed without its help makes these tests fail, and so does a cmdlet exported without help.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $module = Import-Module (Get-BuiltModulePath) -Force -PassThru
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $cmdlets = foreach ($name in $module.ExportedCmdlets.Keys | Sort-Object) {
        @{
            Name       = $name
            # WhatIf and Confirm are not in CommonParameters: Publish and Undo must document them like the others.
            Parameters = @((Get-Command $name).Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object | ForEach-Object { @{ Cmdlet = $name; Parameter = $_ } })
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters

    function Get-Text($Paragraphs) { (@($Paragraphs) | ForEach-Object { $_.Text }) -join "`n" }

    # What Get-Help should say about a parameter, from the cmdlet's own metadata. MAML has one entry per parameter,
    # so the parameter must look the same in each of its parameter sets.
    function Get-ExpectedParameterHelp([System.Management.Automation.ParameterMetadata] $Parameter) {
        $shapes = @($Parameter.ParameterSets.Values | ForEach-Object { "$($_.IsMandatory)|$($_.Position)|$($_.ValueFromPipeline)|$($_.ValueFromPipelineByPropertyName)" } | Select-Object -Unique)
        $shapes.Count | Should -Be 1 -Because "-$($Parameter.Name) must behave the same in all its parameter sets for one help entry to describe it"
        $set = @($Parameter.ParameterSets.Values)[0]
        $pipeline = @(if ($set.ValueFromPipeline) { 'ByValue' }; if ($set.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
        [pscustomobject]@{
            required       = $set.IsMandatory.ToString().ToLowerInvariant()
            position       = if ($set.Position -ge 0) { "$($set.Position)" } else { 'named' }
            pipelineInput  = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
            globbing       = ([bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })).ToString().ToLowerInvariant()
            aliases        = if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }
            type           = $Parameter.ParameterType.FullName
            parameterValue = if ($Parameter.SwitchParameter) { 'SwitchParameter' } else { $Parameter.ParameterType.Name }
        }
    }
}

Describe 'The help file' {
    It 'ships in the en-US folder of the built module, where Get-Help finds it for cmdlets re-exported by the .psm1' {
        Join-Path (Split-Path (Get-BuiltModulePath)) 'en-US/IngressCerts.dll-Help.xml' | Should -Exist
        (Get-Command Get-IngressCertificate).HelpFile | Should -Be 'IngressCerts.dll-Help.xml'
    }

    It 'is found under another UI culture too (en-US is the fallback)' {
        $saved = [System.Threading.Thread]::CurrentThread.CurrentUICulture
        try {
            [System.Threading.Thread]::CurrentThread.CurrentUICulture = [System.Globalization.CultureInfo]::GetCultureInfo('de-DE')
            (Get-Help Undo-IngressCertificate).Synopsis | Should -Match '^Undoes'
        }
        finally {
            [System.Threading.Thread]::CurrentThread.CurrentUICulture = $saved
        }
    }
}

Describe '<Name> help' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
    }

    It 'comes from the MAML file, not from the cmdlet''s metadata' {
        $help.PSObject.TypeNames | Should -Contain 'MamlCommandHelpInfo'
    }

    It 'has a synopsis that is a sentence, not the generated syntax' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -BeLike "$Name *"
        $synopsis | Should -Not -Match '\[-\w+'
        $synopsis.Length | Should -BeGreaterThan 30
    }

    It 'has a description' {
        (Get-Text $help.description).Length | Should -BeGreaterThan 200
    }

    It 'has at least 4 examples, each with code and a remark' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 4
        foreach ($example in $examples) {
            $example.code | Should -Match $Name -Because "example '$($example.title)' should use $Name"
            (Get-Text $example.remarks).Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.title)' needs a remark"
        }
    }

    It 'documents every output type the cmdlet declares' {
        $documented = @($help.returnValues.returnValue | ForEach-Object { $_.type.name })
        foreach ($type in $command.OutputType) {
            $documented | Should -Contain $type.Name
        }
    }

    It 'has notes and related links' {
        (Get-Text $help.alertSet.alert).Length | Should -BeGreaterThan 100
        @($help.relatedLinks.navigationLink).Count | Should -BeGreaterOrEqual 3
    }

    It 'documents no parameter the cmdlet does not have' {
        $actual = @($command.Parameters.Keys)
        @($help.parameters.parameter | Where-Object { $_.name -notin $actual } | ForEach-Object name) | Should -BeNullOrEmpty
    }

    It 'has one syntax block per parameter set, with that set''s parameters and mandatory ones marked' {
        $items = @($help.syntax.syntaxItem)
        $items.Count | Should -Be $command.ParameterSets.Count
        foreach ($set in $command.ParameterSets) {
            $visible = @($set.Parameters | Where-Object { $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }) })
            $expected = ($visible | ForEach-Object { "$($_.Name):$($_.IsMandatory.ToString().ToLowerInvariant())" } | Sort-Object) -join ' '
            $found = $items | Where-Object { (($_.parameter | ForEach-Object { "$($_.name):$($_.required)" } | Sort-Object) -join ' ') -eq $expected }
            $found | Should -Not -BeNullOrEmpty -Because "parameter set '$($set.Name)' should have a syntax block with: $expected"
        }
    }

    It '-<Parameter> has a description, and its type, required, position, pipeline input, aliases and wildcards' -ForEach $Parameters {
        $entry = @($help.parameters.parameter) | Where-Object name -eq $Parameter
        $entry | Should -Not -BeNullOrEmpty -Because "-$Parameter of $Cmdlet needs an entry in module/en-US/IngressCerts.dll-Help.xml"
        (Get-Text $entry.description).Trim().Length | Should -BeGreaterThan 20 -Because "-$Parameter needs a real description"
        $expected = Get-ExpectedParameterHelp $command.Parameters[$Parameter]
        foreach ($property in 'required', 'position', 'pipelineInput', 'globbing', 'aliases', 'parameterValue') {
            "$($entry.$property)" | Should -Be $expected.$property -Because "the help of -$Parameter says $property"
        }
        $entry.type.name | Should -Be $expected.type -Because "the help of -$Parameter names its type"
    }
}

# What a parameter's help says about piping and defaults agrees with the code, not only its metadata.
Describe '<Name> help tells the truth about pipeline input and defaults' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
        # A fresh cmdlet object holds each parameter's real default (a property initialiser such as = 30).
        $fresh = [Activator]::CreateInstance($command.ImplementingType)
    }

    It '-<Parameter>: its description does not deny the pipeline binding it has, nor claim one it lacks' -ForEach $Parameters {
        $entry = @($help.parameters.parameter) | Where-Object name -eq $Parameter
        $text = (@($entry.description) | ForEach-Object { $_.Text }) -join "`n"
        if ("$($entry.pipelineInput)" -like '*ByPropertyName*') {
            $text | Should -Not -Match 'not (taken|bound) from (the )?pip|piped objects is not used|not from piped' -Because "-$Parameter of $Cmdlet binds by property name"
        }
        elseif ("$($entry.pipelineInput)" -eq 'False') {
            $text | Should -Not -Match '(?<!not )\bbinds? from\b' -Because "-$Parameter of $Cmdlet takes nothing from the pipeline"
        }
    }

    It '-<Parameter>: a default the code sets is the default the help shows' -ForEach $Parameters {
        $entry = @($help.parameters.parameter) | Where-Object name -eq $Parameter
        # The most derived property of that name (Host hides PSCmdlet.Host); WhatIf and Confirm are no property.
        $property = $null
        for ($t = $command.ImplementingType; $t -and -not $property; $t = $t.BaseType) { $property = $t.GetProperty($Parameter, [Reflection.BindingFlags]'Public, Instance, DeclaredOnly') }
        if (-not $property) { return }
        $actual = $property.GetValue($fresh)
        $shown = "$($entry.defaultValue)".Trim()
        if ($actual -is [ValueType] -and $actual -isnot [System.Management.Automation.SwitchParameter] -and $actual -ne [Activator]::CreateInstance($property.PropertyType)) {
            $shown | Should -Be "$actual" -Because "-$Parameter of $Cmdlet defaults to $actual in the code"
        }
        elseif ($actual -is [string]) {
            $shown | Should -Be $actual -Because "-$Parameter of $Cmdlet defaults to '$actual' in the code"
        }
        elseif ($shown -match '^-?\d+$') {
            "$actual" | Should -Be $shown -Because "the help of -$Parameter of $Cmdlet shows the default $shown, which the code does not set"
        }
    }
}

# Each cmdlet's notes list the errors it raises, after the line 'Errors (the ErrorId is the first part of
# FullyQualifiedErrorId)...', one line per error or group of errors in the form
#     - ErrorId (Category[, note])[, ErrorId (Category[, note])]: what it means
# The ErrorIds a cmdlet can raise are known from two places: the bad-input table (tests/pester/BadInput.Tests.ps1,
# the same as docs/bad-inputs.md), which provokes each of them; and, for failures no bad input provokes (the cluster
# refuses, a race, a timeout), the lists below, whose every ErrorId must be one the source defines. The help must
# name each of them and nothing else, so a documented error that cannot happen, or a new error left undocumented,
# fails here. A new cmdlet is held to the same as soon as the module exports it.
BeforeDiscovery {
    # Every cmdlet that connects to a cluster (derives from KubernetesCmdlet) can raise these: setting up the
    # connection (KubernetesCmdlet.Connect, ConnectionFactory) and any API request (KubeCall's failure kinds).
    $clusterErrorIds = @('KubeConfigNotFound', 'KubeConfigInvalid', 'ContextNotFound', 'TokenWithoutServer',
        'Unauthorized', 'Forbidden', 'ClusterUnreachable', 'ServerNameMismatch', 'TooManyRequests', 'ServerError')
    # Raised only when the cluster fails or changes under the cmdlet, so no bad input provokes them.
    $faultErrorIds = @{
        'Get-IngressCertificate'     = @('ScanFailed')
        'Publish-IngressCertificate' = @('PublishConflict', 'VerifyTimeout', 'InsufficientRights', 'Invalid', 'SecretChanged', 'IngressWiringChanged')
        'Undo-IngressCertificate'    = @('Conflict', 'InsufficientRights', 'IngressWiringChanged', 'CertificateExpired')
        'Export-IngressCertificateReport' = @('ReportWriteFailed')
        'New-IngressCertificateRequest' = @('InsufficientRights')
        'Complete-IngressCertificateRequest' = @('InsufficientRights', 'PublishConflict', 'VerifyTimeout')
        'Sync-IngressCertificate' = @('IssuerFailed', 'InvalidIssuerAnswer', 'CertificateKeyMismatch', 'CertificateExpired', 'HostNotCovered', 'NoCertificateAvailable', 'CertificateUnusable', 'LeaseLost', 'InsufficientRights', 'PublishConflict', 'VerifyTimeout', 'CertManagerCertificateNotFound')
    }
    $errorCases = foreach ($c in $cmdlets) { @{ Name = $c.Name; ClusterErrorIds = $clusterErrorIds; FaultErrorIds = @($faultErrorIds[$c.Name] | Where-Object { $_ }) } }
    $listCase = @{ ClusterErrorIds = $clusterErrorIds; FaultErrorIds = $faultErrorIds; Exported = @($cmdlets.Name) }
}

Describe 'ErrorIds in the help' {
    BeforeAll {
        $repo = Join-Path $PSScriptRoot '../..'

        # The documented errors of a cmdlet: @{ Id; Category; Line } per ErrorId, and the lines that do not parse.
        function Get-DocumentedError([string] $Name) {
            $lines = @(@((Get-Help $Name -Full).alertSet.alert) | ForEach-Object { "$($_.Text)" -split "`n" } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
            $start = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -like 'Errors (the ErrorId is the first part of FullyQualifiedErrorId*' })
            $result = [pscustomobject]@{ Found = $start -ge 0; Errors = @(); Unparsed = @() }
            if ($start -lt 0) { return $result }
            $item = '[A-Z][A-Za-z0-9]+ \([A-Za-z]+(?:, [a-z][a-z -]*)?\)'
            for ($i = $start + 1; $i -lt $lines.Count -and $lines[$i].StartsWith('- '); $i++) {
                $line = $lines[$i]
                $head = [regex]::Match($line, "^- ((?:$item, )*$item): \S")
                if (-not $head.Success) { $result.Unparsed += $line; continue }
                foreach ($m in [regex]::Matches($head.Groups[1].Value, '([A-Z][A-Za-z0-9]+) \(([A-Za-z]+)')) {
                    $result.Errors += [pscustomobject]@{ Id = $m.Groups[1].Value; Category = $m.Groups[2].Value; Line = $line }
                }
            }
            return $result
        }

        # The bad-input table, read from BadInput.Tests.ps1 without running it. Rows that PowerShell's parameter binder
        # refuses (Binding) raise PowerShell's own ErrorIds, which the help of a parameter's range or set covers.
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $PSScriptRoot 'BadInput.Tests.ps1'), [ref]$null, [ref]$null)
        $badInputs = @($ast.FindAll({
                    param($node)
                    $node -is [System.Management.Automation.Language.HashtableAst] -and 'ErrorId' -in $node.KeyValuePairs.Item1.Value -and 'Cmdlet' -in $node.KeyValuePairs.Item1.Value
                }, $true) | ForEach-Object {
                $row = @{}
                foreach ($pair in $_.KeyValuePairs) { $row[$pair.Item1.Value] = $pair.Item2.Extent.Text -replace "^'(.*)'$", '$1' }
                [pscustomobject]@{ Id = $row.Id; Cmdlet = $row.Cmdlet; ErrorId = $row.ErrorId; Category = $row.Category; Binding = $row.Binding -eq '$true' }
            } | Where-Object { -not $_.Binding })

        # Every name the source could use as an ErrorId: string literals, nameof() and the KubeErrorKind members
        # (an API failure's ErrorId is its kind). A superset; it only keeps the lists below honest.
        $sourceIds = [System.Collections.Generic.HashSet[string]]::new()
        foreach ($file in Get-ChildItem (Join-Path $repo 'src') -Recurse -Filter *.cs) {
            $text = [IO.File]::ReadAllText($file.FullName)
            foreach ($m in [regex]::Matches($text, '"([A-Z][A-Za-z0-9]+)"|nameof\(([A-Z][A-Za-z0-9]+)\)')) { [void]$sourceIds.Add($m.Groups[1].Value + $m.Groups[2].Value) }
            $enum = [regex]::Match($text, 'enum KubeErrorKind\s*\{([^}]*)\}')
            if ($enum.Success) {
                foreach ($m in [regex]::Matches(($enum.Groups[1].Value -replace '///[^\n]*', ''), '\b([A-Z][A-Za-z0-9]+)\b')) { [void]$sourceIds.Add($m.Groups[1].Value) }
            }
        }

        function Test-ConnectsToCluster([type] $Type) {
            for ($t = $Type; $t; $t = $t.BaseType) { if ($t.Name -eq 'KubernetesCmdlet') { return $true } }
            return $false
        }
    }

    Context '<Name>' -ForEach $errorCases {
        BeforeAll {
            $documented = Get-DocumentedError $Name
            $rows = @($badInputs | Where-Object Cmdlet -eq $Name)
            $raised = [System.Collections.Generic.HashSet[string]]::new([string[]]@($rows.ErrorId | Where-Object { $_ }))
            if (Test-ConnectsToCluster (Get-Command $Name).ImplementingType) { $raised.UnionWith([string[]]$ClusterErrorIds) }
            if ($FaultErrorIds) { $raised.UnionWith([string[]]$FaultErrorIds) }
        }

        It 'has an Errors section in its notes, every line of it "- ErrorId (Category): what it means"' {
            $documented.Found | Should -BeTrue -Because "the notes of $Name need a line 'Errors (the ErrorId is the first part of FullyQualifiedErrorId):' followed by its errors"
            $documented.Unparsed | Should -BeNullOrEmpty -Because 'each line names its ErrorIds with their categories before the colon'
            $documented.Errors | Should -Not -BeNullOrEmpty
            $documented.Errors.Id | Group-Object | Where-Object Count -gt 1 | ForEach-Object Name | Should -BeNullOrEmpty -Because 'each ErrorId is documented once'
        }

        It 'documents every ErrorId that a bad input gets from it, with the same category' {
            foreach ($row in $rows) {
                $entry = $documented.Errors | Where-Object Id -eq $row.ErrorId
                $entry | Should -Not -BeNullOrEmpty -Because "bad input '$($row.Id)' gets $($row.ErrorId) from $Name"
                $entry.Category | Should -Be $row.Category -Because "bad input '$($row.Id)' gets $($row.ErrorId) as $($row.Category)"
            }
        }

        It 'documents the errors of the cluster connection and the failures listed for it' {
            $missing = @($raised | Where-Object { $_ -notin $documented.Errors.Id })
            $missing | Should -BeNullOrEmpty -Because "$Name can raise them"
        }

        It 'documents no ErrorId it cannot raise' {
            $invented = @($documented.Errors.Id | Where-Object { -not $raised.Contains($_) })
            $invented | Should -BeNullOrEmpty -Because "no bad input gets them from $Name, and neither the connection nor a listed failure raises them (to add a failure no bad input provokes, list it in Help.Tests.ps1)"
        }
    }

    It 'lists only failures whose ErrorIds the source defines, for cmdlets the module exports' -ForEach @($listCase) {
        foreach ($id in @($ClusterErrorIds) + @($FaultErrorIds.Values | ForEach-Object { $_ })) {
            $sourceIds.Contains($id) | Should -BeTrue -Because "$id must be an ErrorId that src/ defines"
        }
        foreach ($name in $FaultErrorIds.Keys) { $name | Should -BeIn $Exported }
    }

    It 'reads the bad-input table (a sanity check of the parser)' {
        $badInputs.Count | Should -BeGreaterThan 80
        @($badInputs | Where-Object { -not $_.Cmdlet -or -not $_.ErrorId -or -not $_.Category }) | Should -BeNullOrEmpty
    }
}

Describe 'The about_IngressCerts topic' {
    BeforeAll {
        $modulePath = Get-BuiltModulePath
        $topic = [IO.File]::ReadAllText((Join-Path $PSScriptRoot '../../module/en-US/about_IngressCerts.help.txt'))
        # The statuses as the engine defines them, most severe first (the enum's order), from the module's own load context.
        $assembly = (Get-Command Get-IngressCertificate).ImplementingType.Assembly
        $engine = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Assemblies | Where-Object { $_.GetName().Name -eq 'IngressCerts.Engine' }
        $statusType = $engine.GetType('IngressCerts.Engine.Certificates.CertificateStatus', $true)
        $statuses = @([Enum]::GetValues($statusType) | Sort-Object { [int]$_ } | ForEach-Object { "$_" })
    }

    It 'ships in the built module''s en-US folder, and Get-Help finds it in a fresh session after Import-Module' {
        Join-Path (Split-Path $modulePath) 'en-US/about_IngressCerts.help.txt' | Should -Exist
        $out = Invoke-ChildPwsh "Import-Module '$modulePath'; Get-Help about_IngressCerts | Out-String"
        ($out | Out-String) | Should -Match 'SHORT DESCRIPTION'
        ($out | Out-String) | Should -Match 'RIGHTS \(RBAC\)'
    }

    It 'lists every status of the engine, in the engine''s order of severity' {
        $statuses.Count | Should -BeGreaterThan 5
        $section = [regex]::Match($topic, '(?ms)^STATUSES AND FINDINGS$(.*?)^TRUST$').Groups[1].Value
        $listed = @([regex]::Matches($section, '(?m)^    ([A-Z][A-Za-z]+) {2,}\S') | ForEach-Object { $_.Groups[1].Value })
        foreach ($status in $statuses) { $listed | Should -Contain $status -Because "the topic must explain the status $status" }
        @($listed | Where-Object { $_ -in $statuses }) | Should -Be $statuses -Because 'the topic lists the statuses most severe first, as CertificateStatus orders them'
    }

    It 'names every exported cmdlet, and covers the model, trust, connections, rights, history and runbooks' {
        foreach ($name in (Get-Module IngressCerts).ExportedCmdlets.Keys) { $topic | Should -Match "\b$name\b" }
        foreach ($heading in 'THE MODEL: REFERENCES', 'STATUSES AND FINDINGS', 'TRUST', 'CONNECTIONS', 'RIGHTS (RBAC)', 'HISTORY AND UNDO', 'RUNBOOKS') {
            $topic | Should -Match "(?m)^$([regex]::Escape($heading))" -Because "the topic needs a section $heading"
        }
        $topic | Should -Match ([regex]::Escape("`$PSDefaultParameterValues['*-IngressCertificate:TrustedRootPath']"))
        $topic | Should -Match 'kind: Role'
    }
}

# Get-Help -Online opens this project's own page for the cmdlet: docs/cmdlets/<Cmdlet>.md, written from the MAML help by
# build/New-CmdletDocs.ps1, under the manifest's ProjectUri.
Describe 'Online help' {
    BeforeAll {
        $repo = Join-Path $PSScriptRoot '../..'
        $projectUri = (Import-PowerShellDataFile (Get-BuiltModulePath)).PrivateData.PSData.ProjectUri
        $docs = Join-Path $repo 'docs/cmdlets'
    }

    It 'the manifest names the project' {
        $projectUri | Should -Match '^https://'
    }

    It '<Name>: -Online opens the project''s page for it, which exists' -ForEach $cmdlets {
        $expected = "$projectUri/blob/main/docs/cmdlets/$Name.md"
        (Get-Command $Name).HelpUri | Should -Be $expected
        # Get-Help -Online takes the first related link with a URI; it must be the same page.
        $links = @((Get-Help $Name -Full).relatedLinks.navigationLink | Where-Object { "$($_.uri)".Trim() })
        "$($links[0].uri)".Trim() | Should -Be $expected
        $links | Where-Object linkText -like 'Online*' | ForEach-Object { "$($_.uri)" | Should -Not -Match 'kubernetes\.io' }
        Join-Path $docs "$Name.md" | Should -Exist
    }

    It '<Name>: its page documents every parameter it has' -ForEach $cmdlets {
        $page = Get-Content (Join-Path $docs "$Name.md") -Raw
        foreach ($case in $Parameters) { $page | Should -Match "(?m)^### -$($case.Parameter)$" }
    }

    It 'the pages in docs/cmdlets are exactly what build/New-CmdletDocs.ps1 writes from the help (run ./build.ps1 -Task Docs)' {
        $fresh = Join-Path $TestDrive 'cmdlets'
        & (Join-Path $repo 'build/New-CmdletDocs.ps1') -OutputPath $fresh | Out-Null
        $expected = @(Get-ChildItem $fresh -Filter *.md | Sort-Object Name)
        @(Get-ChildItem $docs -Filter *.md | Sort-Object Name).Name | Should -Be $expected.Name
        foreach ($file in $expected) {
            [IO.File]::ReadAllText((Join-Path $docs $file.Name)) | Should -BeExactly ([IO.File]::ReadAllText($file.FullName)) -Because "docs/cmdlets/$($file.Name) must be regenerated"
        }
    }
}

# Get-Help for the four cmdlets: it comes from module/en-US/IngressCerts.dll-Help.xml, says something for every
# parameter the cmdlet really has, and its parameter metadata and syntax agree with the cmdlet's. A parameter added,
# renamed or changed without its help makes these tests fail.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $cmdlets = foreach ($name in 'Get-IngressCertificate', 'Publish-IngressCertificate', 'Undo-IngressCertificate', 'Test-IngressCertificate', 'Get-IngressCertificateHistory', 'New-IngressCertificateRequest', 'Get-IngressCertificateRequest', 'Complete-IngressCertificateRequest', 'Remove-IngressCertificateRequest') {
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

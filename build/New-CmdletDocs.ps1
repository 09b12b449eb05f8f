#Requires -Version 7.4
<#
.SYNOPSIS
    Writes docs/cmdlets/<Cmdlet>.md, the online help that Get-Help -Online opens, from the module's MAML help.
.DESCRIPTION
    module/en-US/IngressCerts.dll-Help.xml is the one source of the cmdlets' help; this script renders each command in
    it as one Markdown page, and about_IngressCerts.help.txt as docs/cmdlets/about_IngressCerts.md, so that the pages
    never drift from Get-Help. It reads the XML only (no module is imported) and writes the same bytes for the same
    input, so tests/pester/Help.Tests.ps1 can check that the committed pages are what it writes.
    Run it after changing the help: ./build.ps1 -Task Docs (or this script directly).
.PARAMETER OutputPath
    The folder to write to; default docs/cmdlets of the repository.
#>
[CmdletBinding()]
param(
    [string] $OutputPath = (Join-Path $PSScriptRoot '../docs/cmdlets')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$moduleFolder = Join-Path $PSScriptRoot '../module/en-US'
$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Get-NamespaceManager([System.Xml.XmlNode] $Node) {
    $manager = [System.Xml.XmlNamespaceManager]::new($Node.OwnerDocument.NameTable)
    foreach ($prefix in $ns.Keys) { $manager.AddNamespace($prefix, $ns[$prefix]) }
    Write-Output -NoEnumerate $manager
}

function Select-Node([System.Xml.XmlNode] $Node, [string] $XPath) { $Node.SelectNodes($XPath, (Get-NamespaceManager $Node)) }

# The text of the first node the path finds, trimmed; empty when there is none.
function Get-NodeText([System.Xml.XmlNode] $Node, [string] $XPath) {
    $found = $Node.SelectSingleNode($XPath, (Get-NamespaceManager $Node))
    if ($found) { $found.InnerText.Trim() } else { '' }
}

function Get-Paragraph([System.Xml.XmlNode] $Node, [string] $XPath = 'maml:description/maml:para') {
    @(Select-Node $Node $XPath | ForEach-Object { $_.InnerText.Trim() } | Where-Object { $_ })
}

# Markdown would read <host>, *, _ and a leading '- ' as markup; the help's text is plain, so say it as written.
function ConvertTo-MarkdownText([string] $Text) {
    $escaped = $Text -replace '([\\`*_<>\[\]|])', '\$1'
    if ($escaped -match '^- ') { return '- ' + $escaped.Substring(2) }
    return $escaped
}

function Write-Paragraphs([System.Text.StringBuilder] $Page, [string[]] $Paragraphs) {
    foreach ($para in $Paragraphs) { [void]$Page.Append((ConvertTo-MarkdownText $para)).Append("`n`n") }
}

function Get-SyntaxLine([System.Xml.XmlNode] $Item) {
    $parts = @(Get-NodeText $Item 'maml:name')
    foreach ($p in Select-Node $Item 'command:parameter') {
        $name = Get-NodeText $p 'maml:name'
        $value = Get-NodeText $p 'command:parameterValue'
        $text = if ($value -and $value -ne 'SwitchParameter') { "-$name <$value>" } else { "-$name" }
        if ($p.GetAttribute('position') -ne 'named') { $text = $text -replace "^-$name ", "[-$name] " }
        $parts += if ($p.GetAttribute('required') -eq 'true') { $text } else { "[$text]" }
    }
    $parts -join ' '
}

function ConvertTo-CmdletPage([System.Xml.XmlNode] $Command, [string] $Name) {
    $page = [System.Text.StringBuilder]::new()
    [void]$page.Append("<!-- Written by build/New-CmdletDocs.ps1 from module/en-US/IngressCerts.dll-Help.xml: edit that file, then run ./build.ps1 -Task Docs. -->`n`n")
    [void]$page.Append("# $Name`n`n")
    Write-Paragraphs $page (Get-Paragraph $Command 'command:details/maml:description/maml:para')

    [void]$page.Append("## Syntax`n`n")
    foreach ($item in Select-Node $Command 'command:syntax/command:syntaxItem') {
        [void]$page.Append("``````powershell`n$(Get-SyntaxLine $item)`n```````n`n")
    }

    [void]$page.Append("## Description`n`n")
    Write-Paragraphs $page (Get-Paragraph $Command)

    [void]$page.Append("## Parameters`n`n")
    foreach ($p in Select-Node $Command 'command:parameters/command:parameter') {
        [void]$page.Append("### -$(Get-NodeText $p 'maml:name')`n`n")
        Write-Paragraphs $page (Get-Paragraph $p)
        [void]$page.Append("| Type | Required | Position | Default | Pipeline input | Aliases | Wildcards |`n|---|---|---|---|---|---|---|`n")
        $cells = @(
            (Get-NodeText $p 'dev:type/maml:name'), $p.GetAttribute('required'), $p.GetAttribute('position'),
            (Get-NodeText $p 'dev:defaultValue'), $p.GetAttribute('pipelineInput'), $p.GetAttribute('aliases'), $p.GetAttribute('globbing')
        ) | ForEach-Object { ConvertTo-MarkdownText $_ }
        [void]$page.Append("| $($cells -join ' | ') |`n`n")
    }

    foreach ($section in @(@('Inputs', 'command:inputTypes/command:inputType'), @('Outputs', 'command:returnValues/command:returnValue'))) {
        [void]$page.Append("## $($section[0])`n`n")
        foreach ($t in Select-Node $Command $section[1]) {
            [void]$page.Append("### $(Get-NodeText $t 'dev:type/maml:name')`n`n")
            Write-Paragraphs $page (Get-Paragraph $t)
        }
    }

    [void]$page.Append("## Notes`n`n")
    Write-Paragraphs $page (Get-Paragraph $Command 'maml:alertSet/maml:alert/maml:para')

    [void]$page.Append("## Examples`n`n")
    foreach ($example in Select-Node $Command 'command:examples/command:example') {
        $title = (Get-NodeText $example 'maml:title').Trim(' ', '-')
        [void]$page.Append("### $title`n`n``````powershell`n$(Get-NodeText $example 'dev:code')`n```````n`n")
        Write-Paragraphs $page (Get-Paragraph $example 'dev:remarks/maml:para')
    }

    [void]$page.Append("## Related links`n`n")
    foreach ($link in Select-Node $Command 'command:relatedLinks/maml:navigationLink') {
        $text = Get-NodeText $link 'maml:linkText'
        $uri = Get-NodeText $link 'maml:uri'
        $line = if ($text -eq 'Online Version:') { $null }
        elseif ($uri) { "- [$text]($uri)" }
        else { "- [$text]($text.md)" }
        if ($line) { [void]$page.Append("$line`n") }
    }
    return $page.ToString().TrimEnd("`n") + "`n"
}

$xml = [xml]::new()
$xml.PreserveWhitespace = $true
$xml.Load((Join-Path $moduleFolder 'IngressCerts.dll-Help.xml'))
$OutputPath = [IO.Path]::GetFullPath($OutputPath)
New-Item -ItemType Directory -Force $OutputPath | Out-Null
$written = @()
foreach ($command in Select-Node $xml.DocumentElement 'command:command') {
    $name = Get-NodeText $command 'command:details/command:name'
    $file = Join-Path $OutputPath "$name.md"
    [IO.File]::WriteAllText($file, (ConvertTo-CmdletPage $command $name), [Text.UTF8Encoding]::new($false))
    $written += $file
}

foreach ($topic in Get-ChildItem $moduleFolder -Filter 'about_*.help.txt') {
    $name = $topic.Name -replace '\.help\.txt$', ''
    $text = [IO.File]::ReadAllText($topic.FullName).Replace("`r`n", "`n").TrimEnd("`n")
    $page = "<!-- Written by build/New-CmdletDocs.ps1 from module/en-US/$($topic.Name): edit that file, then run ./build.ps1 -Task Docs. -->`n`n# $name`n`n``````text`n$text`n``````"
    $file = Join-Path $OutputPath "$name.md"
    [IO.File]::WriteAllText($file, "$page`n", [Text.UTF8Encoding]::new($false))
    $written += $file
}

$written

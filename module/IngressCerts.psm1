# Loads the module's cmdlets inside a private AssemblyLoadContext so that its dependencies (KubernetesClient,
# YamlDotNet, BouncyCastle) never clash with other versions loaded by other modules in the same session.
$loaderType = 'IngressCerts.LoadContext.LoadContext' -as [type]
if (-not $loaderType) {
    Add-Type -Path ([System.IO.Path]::Combine($PSScriptRoot, 'bin', 'IngressCerts.LoadContext.dll'))
    $loaderType = 'IngressCerts.LoadContext.LoadContext' -as [type]
}

$mainAssembly = $loaderType::Initialize()
$innerModule = Import-Module -Assembly $mainAssembly -PassThru -ErrorAction Stop

# Findings and Checks are CodeProperties of types in the cmdlet assembly: they can be found only now.
Update-TypeData -AppendPath ([System.IO.Path]::Combine($PSScriptRoot, 'IngressCerts.Output.Types.ps1xml'))

# Cmdlets imported from an assembly inside a script module belong to that nested module; add them to this module's
# exports so that the manifest's CmdletsToExport exposes them (the same approach PSOpenAD takes).
$addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
    'AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
foreach ($cmdlet in $innerModule.ExportedCmdlets.Values) {
    $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
}

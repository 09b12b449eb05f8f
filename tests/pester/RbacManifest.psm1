# Reads the RBAC manifests of examples/rbac for Rbac.Tests.ps1, with the YamlDotNet the module ships (there is no YAML
# module in PowerShell 7). One grant is one verb on one resource: "list secrets", "update ingresses.networking.k8s.io".

function Import-YamlDotNet {
    if ('YamlDotNet.RepresentationModel.YamlStream' -as [type]) { return }
    $moduleDir = Split-Path (Get-BuiltModulePath)
    Add-Type -Path (Join-Path $moduleDir 'bin/deps/YamlDotNet.dll')
}

function ConvertFrom-YamlNode($Node) {
    switch ($Node.GetType().Name) {
        'YamlMappingNode' { $h = [ordered]@{}; foreach ($p in $Node.Children) { $h[$p.Key.Value] = ConvertFrom-YamlNode $p.Value }; return $h }
        'YamlSequenceNode' { return , @($Node.Children | ForEach-Object { ConvertFrom-YamlNode $_ }) }
        default { return $Node.Value }
    }
}

function Get-GrantKey([string] $Verb, [string] $Resource, [string] $Group) {
    if ($Group) { "$Verb $Resource.$Group" } else { "$Verb $Resource" }
}

function Get-RbacManifest {
    <#
    The rules of the one ClusterRole or Role in a manifest, its bindings, its grants in rule order, and the grants its
    comments name optional ("# optional: list secrets - why").
    #>
    param([string] $Path)
    Import-YamlDotNet
    $text = Get-Content $Path -Raw
    $stream = [YamlDotNet.RepresentationModel.YamlStream]::new()
    $stream.Load([IO.StringReader]::new($text))
    $objects = @($stream.Documents | ForEach-Object { ConvertFrom-YamlNode $_.RootNode })
    $roles = @($objects | Where-Object { $_.kind -in 'ClusterRole', 'Role' })
    if ($roles.Count -ne 1) { throw "$Path has $($roles.Count) roles; the test reads exactly one" }
    $bindings = @($objects | Where-Object { $_.kind -in 'ClusterRoleBinding', 'RoleBinding' })
    foreach ($b in $bindings) { if ($b.roleRef.name -ne $roles[0].metadata.name) { throw "$Path binds $($b.roleRef.name), not its role" } }
    $rules = @(foreach ($r in $roles[0].rules) {
            foreach ($group in $r.apiGroups) { [pscustomobject]@{ Group = $group; Resources = @($r.resources); Verbs = @($r.verbs) } }
        })
    $grants = @(foreach ($r in $rules) { foreach ($res in $r.Resources) { foreach ($v in $r.Verbs) { Get-GrantKey $v $res $r.Group } } })
    $optional = @([regex]::Matches($text, '(?m)^#\s+optional:\s+(\S+)\s+(\S+)') | ForEach-Object {
            $verb = $_.Groups[1].Value; $resource = $_.Groups[2].Value
            $grants | Where-Object { $_ -eq "$verb $resource" -or $_ -like "$verb $resource.*" }
        })
    [pscustomobject]@{
        Rules           = $rules
        Grants          = $grants
        Optional        = $optional
        ClusterWide     = [bool]($bindings | Where-Object kind -EQ 'ClusterRoleBinding')
        BoundNamespaces = @($bindings | Where-Object kind -EQ 'RoleBinding' | ForEach-Object { $_.metadata.namespace })
        Subjects        = @($bindings | ForEach-Object { $_.subjects })
    }
}

function ConvertTo-TestServerRules {
    <# The manifest's rules as test-server rules (which match resources by name), less one grant, bound at $Scope ('*' or a namespace). #>
    param($Manifest, [string] $Without, [string] $Scope)
    foreach ($rule in $Manifest.Rules) {
        foreach ($resource in $rule.Resources) {
            $verbs = @($rule.Verbs | Where-Object { (Get-GrantKey $_ $resource $rule.Group) -ne $Without })
            if ($verbs) { @{ verbs = $verbs; resources = @($resource); namespaces = @($Scope) } }
        }
    }
}

Export-ModuleMember -Function Get-RbacManifest, Get-GrantKey, ConvertTo-TestServerRules

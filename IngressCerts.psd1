@{
    RootModule           = 'IngressCerts.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c3b0e-5a53-4d8e-9a55-3f1f3c6a9e21'
    Author               = 'IngressCerts contributors'
    CompanyName          = 'IngressCerts'
    Copyright            = '(c) IngressCerts contributors. MIT License.'
    Description          = 'Puts X.509 certificates where Kubernetes Ingress and Gateway serve them, shows where every certificate is (one cluster, many clusters or offline manifests), and proves that it is really being served.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    TypesToProcess       = @('IngressCerts.Types.ps1xml')
    FormatsToProcess     = @('IngressCerts.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Get-IngressCertificate'
        'Publish-IngressCertificate'
        'Undo-IngressCertificate'
        'Test-IngressCertificate'
        'Get-IngressCertificateHistory'
        'Export-IngressCertificateReport'
        'New-IngressCertificateRequest'
        'Get-IngressCertificateRequest'
        'Complete-IngressCertificateRequest'
        'Remove-IngressCertificateRequest'
        'Sync-IngressCertificate'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Kubernetes', 'Ingress', 'Gateway', 'TLS', 'Certificate', 'X509', 'cert-manager', 'AKS', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/ingresscerts/IngressCerts'
            ReleaseNotes = 'First release: inventory, publish and test of Ingress certificates.'
        }
    }
}

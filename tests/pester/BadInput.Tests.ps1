# Every bad input the module is known to meet, as one table: each gets a clean ErrorRecord with a stable ErrorId and
# sends no write. docs/bad-inputs.md lists the same table for people; a test below keeps the two equal.
#
# A row: Id (short, stable), Cmdlet, Input (one line for the doc), Run (the bad call; it runs in the test's scope and
# sees $kc, $ns, $f, $pw, $url, $token, $caPem, $good and the other set-up variables), ErrorId (the first part of
# FullyQualifiedErrorId), Category (CategoryInfo.Category). Optional: Pending = 'why' (a known bug: the row is skipped
# with that reason until it is fixed), ServerOnly = $true (needs the test server), Writes = $true (the call was asked
# to write, so writes are not counted), Binding = $true (PowerShell's parameter binder refuses the input before the
# cmdlet runs: its ErrorRecord names the parameter and has no TargetObject), Message = { 'wildcard' } (a block, run in the
# test's scope like Run, giving a -like pattern the exception's message must match: for rows whose wording matters).
BeforeDiscovery {
    $rows = @(
        # --- Connection: kubeconfig files and contexts -------------------------------------------------------------
        @{ Id = 'kubeconfig-missing'; Cmdlet = 'Get-IngressCertificate'; Input = '-KubeConfigPath names a file that does not exist'
            Run = { Get-IngressCertificate -KubeConfigPath $f.Missing -AllNamespaces }; ErrorId = 'KubeConfigNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'kubeconfig-missing-context'; Cmdlet = 'Get-IngressCertificate'; Input = '-KubeConfigPath names a missing file, with -Context'
            Run = { Get-IngressCertificate -KubeConfigPath $f.Missing -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'kubeconfig-directory'; Cmdlet = 'Get-IngressCertificate'; Input = '-KubeConfigPath names a directory'
            Run = { Get-IngressCertificate -KubeConfigPath $dir -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'kubeconfig-env-missing'; Cmdlet = 'Get-IngressCertificate'; Input = 'KUBECONFIG names a file that does not exist'
            Run = { $saved = $env:KUBECONFIG; $env:KUBECONFIG = $f.Missing; try { Get-IngressCertificate -AllNamespaces } finally { $env:KUBECONFIG = $saved } }
            ErrorId = 'KubeConfigNotFound'; Category = 'ObjectNotFound'; Message = { "*KUBECONFIG names '$($f.Missing)'*" } }
        @{ Id = 'kubeconfig-empty'; Cmdlet = 'Get-IngressCertificate'; Input = 'an empty kubeconfig file'
            Run = { Get-IngressCertificate -KubeConfigPath $f.Empty -Context $kc.Context -AllNamespaces }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'kubeconfig-garbage'; Cmdlet = 'Get-IngressCertificate'; Input = 'a kubeconfig that is not YAML'
            Run = { Get-IngressCertificate -KubeConfigPath $f.Garbage -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'kubeconfig-binary'; Cmdlet = 'Get-IngressCertificate'; Input = 'a kubeconfig that is a binary file (a PFX)'
            Run = { Get-IngressCertificate -KubeConfigPath $f.Pfx -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'kubeconfig-no-current-context'; Cmdlet = 'Get-IngressCertificate'; Input = 'a kubeconfig without current-context, and no -Context'
            Run = { Get-IngressCertificate -KubeConfigPath $f.NoCurrent -AllNamespaces }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'context-unknown'; Cmdlet = 'Get-IngressCertificate'; Input = '-Context names no context of the kubeconfig'
            Run = { Get-IngressCertificate -KubeConfigPath $kc.KubeConfigPath -Context 'no-such-context' -AllNamespaces }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'context-wildcard-no-match'; Cmdlet = 'Get-IngressCertificate'; Input = '-Context wildcard that matches no context'
            Run = { Get-IngressCertificate -KubeConfigPath $kc.KubeConfigPath -Context 'zz-none-*' -AllNamespaces }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'context-missing-cluster'; Cmdlet = 'Get-IngressCertificate'; Input = 'a context whose cluster entry does not exist'
            Run = { Get-IngressCertificate -KubeConfigPath $f.NoCluster -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'kubeconfig-ca-garbage'; Cmdlet = 'Get-IngressCertificate'; Input = 'certificate-authority-data that is no certificate'
            Run = { Get-IngressCertificate -KubeConfigPath $f.BadCa -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'kubeconfig-ca-file-missing'; Cmdlet = 'Get-IngressCertificate'; Input = 'certificate-authority names a missing file'
            Run = { Get-IngressCertificate -KubeConfigPath $f.CaFileMissing -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData'; ServerOnly = $true }
        @{ Id = 'kubeconfig-client-cert-garbage'; Cmdlet = 'Get-IngressCertificate'; Input = 'client-certificate-data and client-key-data that are garbage'
            Run = { Get-IngressCertificate -KubeConfigPath $f.BadClientCert -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData'; ServerOnly = $true }
        @{ Id = 'kubeconfig-server-not-url'; Cmdlet = 'Get-IngressCertificate'; Input = 'a cluster server that is not a URL'
            Run = { Get-IngressCertificate -KubeConfigPath $f.ServerNotUrl -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'kubeconfig-unreachable'; Cmdlet = 'Get-IngressCertificate'; Input = 'a cluster server on a port nobody listens on'
            Run = { Get-IngressCertificate -KubeConfigPath $f.Unreachable -Context $kc.Context -AllNamespaces }; ErrorId = 'ClusterUnreachable'; Category = 'ConnectionError' }
        @{ Id = 'kubeconfig-bad-token'; Cmdlet = 'Get-IngressCertificate'; Input = 'a kubeconfig user whose token the server rejects'
            Run = { Get-IngressCertificate -KubeConfigPath $f.BadToken -Context $kc.Context -AllNamespaces }; ErrorId = 'Unauthorized'; Category = 'AuthenticationError'; ServerOnly = $true }
        @{ Id = 'publish-context-unknown'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Context names no context of the kubeconfig'
            Run = { Publish-IngressCertificate -KubeConfigPath $kc.KubeConfigPath -Context 'no-such-context' -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'publish-kubeconfig-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a kubeconfig that is not YAML'
            Run = { Publish-IngressCertificate -KubeConfigPath $f.Garbage -Context $kc.Context -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'test-context-unknown'; Cmdlet = 'Test-IngressCertificate'; Input = '-Context names no context of the kubeconfig'
            Run = { Test-IngressCertificate -KubeConfigPath $kc.KubeConfigPath -Context 'no-such-context' -Namespace $ns -SecretName 'plain-tls' }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'test-kubeconfig-missing'; Cmdlet = 'Test-IngressCertificate'; Input = '-KubeConfigPath names a missing file, with -Context'
            Run = { Test-IngressCertificate -KubeConfigPath $f.Missing -Context $kc.Context -Namespace $ns -SecretName 'plain-tls' }; ErrorId = 'KubeConfigNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-context-unknown'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Context names no context of the kubeconfig'
            Run = { Undo-IngressCertificate -KubeConfigPath $kc.KubeConfigPath -Context 'no-such-context' -Namespace $ns -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-kubeconfig-empty'; Cmdlet = 'Undo-IngressCertificate'; Input = 'an empty kubeconfig file'
            Run = { Undo-IngressCertificate -KubeConfigPath $f.Empty -Context $kc.Context -Namespace $ns -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }

        # --- Connection without a kubeconfig: -Server, -Token, -CertificateAuthority ----------------------------------
        @{ Id = 'server-not-url'; Cmdlet = 'Get-IngressCertificate'; Input = '-Server that is not a URL'
            Run = { Get-IngressCertificate -Server 'not a url' -Token $token -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'server-ftp'; Cmdlet = 'Get-IngressCertificate'; Input = '-Server with a scheme other than http(s)'
            Run = { Get-IngressCertificate -Server 'ftp://127.0.0.1/' -Token $token -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'server-http-token'; Cmdlet = 'Get-IngressCertificate'; Input = '-Server http:// with -Token (the token would go in clear)'
            Run = { Get-IngressCertificate -Server 'http://127.0.0.1:9' -Token $token -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'server-with-context'; Cmdlet = 'Get-IngressCertificate'; Input = '-Server together with -Context'
            Run = { Get-IngressCertificate -Server $url -Token $token -Context 'other' -AllNamespaces }; ErrorId = 'ServerWithContext'; Category = 'InvalidArgument' }
        @{ Id = 'token-without-server'; Cmdlet = 'Get-IngressCertificate'; Input = '-Token without -Server'
            Run = { Get-IngressCertificate @kc -Token $token -AllNamespaces }; ErrorId = 'TokenWithoutServer'; Category = 'InvalidArgument' }
        @{ Id = 'ca-without-server'; Cmdlet = 'Get-IngressCertificate'; Input = '-CertificateAuthority without -Server'
            Run = { Get-IngressCertificate @kc -CertificateAuthority $caPem -AllNamespaces }; ErrorId = 'TokenWithoutServer'; Category = 'InvalidArgument' }
        @{ Id = 'server-unreachable'; Cmdlet = 'Get-IngressCertificate'; Input = '-Server on a port nobody listens on'
            Run = { Get-IngressCertificate -Server 'https://127.0.0.1:9' -Token $token -CertificateAuthority $caPem -AllNamespaces }; ErrorId = 'ClusterUnreachable'; Category = 'ConnectionError' }
        @{ Id = 'server-ca-pem-garbage'; Cmdlet = 'Get-IngressCertificate'; Input = '-CertificateAuthority PEM text whose CERTIFICATE block is garbage'
            Run = { Get-IngressCertificate -Server $url -Token $token -CertificateAuthority $f.NotACertificatePem -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData'; ServerOnly = $true }
        @{ Id = 'server-ca-file-missing'; Cmdlet = 'Get-IngressCertificate'; Input = '-CertificateAuthority names a missing file'
            Run = { Get-IngressCertificate -Server $url -Token $token -CertificateAuthority $f.Missing -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData'; ServerOnly = $true }
        @{ Id = 'server-ca-file-garbage'; Cmdlet = 'Get-IngressCertificate'; Input = '-CertificateAuthority names a file that holds no certificate'
            Run = { Get-IngressCertificate -Server $url -Token $token -CertificateAuthority $f.GarbageText -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData'; ServerOnly = $true }
        @{ Id = 'server-wrong-ca'; Cmdlet = 'Get-IngressCertificate'; Input = '-CertificateAuthority of a CA that did not issue the server certificate'
            Run = { Get-IngressCertificate -Server $url -Token $token -CertificateAuthority $other.CertPem -AllNamespaces }; ErrorId = 'ClusterUnreachable'; Category = 'ConnectionError'; ServerOnly = $true }
        @{ Id = 'server-bad-token'; Cmdlet = 'Get-IngressCertificate'; Input = '-Token the server rejects'
            Run = { Get-IngressCertificate -Server $url -Token $badToken -CertificateAuthority $caPem -AllNamespaces }; ErrorId = 'Unauthorized'; Category = 'AuthenticationError'; ServerOnly = $true }
        @{ Id = 'publish-server-http-token'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Server http:// with -Token'
            Run = { Publish-IngressCertificate -Server 'http://127.0.0.1:9' -Token $token -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'publish-server-bad-token'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Token the server rejects'
            Run = { Publish-IngressCertificate -Server $url -Token $badToken -CertificateAuthority $caPem -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'Unauthorized'; Category = 'AuthenticationError'; ServerOnly = $true }
        @{ Id = 'test-server-not-url'; Cmdlet = 'Test-IngressCertificate'; Input = '-Server that is not a URL'
            Run = { Test-IngressCertificate -Server 'not a url' -Token $token -Namespace $ns -SecretName 'plain-tls' }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'test-server-bad-token'; Cmdlet = 'Test-IngressCertificate'; Input = '-Token the server rejects'
            Run = { Test-IngressCertificate -Server $url -Token $badToken -CertificateAuthority $caPem -Namespace $ns -SecretName 'plain-tls' }; ErrorId = 'Unauthorized'; Category = 'AuthenticationError'; ServerOnly = $true }
        @{ Id = 'undo-server-http-token'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Server http:// with -Token'
            Run = { Undo-IngressCertificate -Server 'http://127.0.0.1:9' -Token $token -Namespace $ns -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'undo-server-bad-token'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Token the server rejects'
            Run = { Undo-IngressCertificate -Server $url -Token $badToken -CertificateAuthority $caPem -Namespace $ns -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'Unauthorized'; Category = 'AuthenticationError'; ServerOnly = $true }
        @{ Id = 'token-no-token-property'; Cmdlet = 'Get-IngressCertificate'; Input = '-Token an object that is neither a string nor has a Token property (a date)'
            Run = { Get-IngressCertificate -Server $url -Token (Get-Date) -AllNamespaces }; ErrorId = 'ParameterArgumentTransformationError'; Category = 'InvalidData'; Binding = $true }

        # --- Certificate inputs (Publish-IngressCertificate) ---------------------------------------------------------
        @{ Id = 'pfx-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-PfxPath names a missing file'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Missing -Password $pw }; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'pfx-directory'; Cmdlet = 'Publish-IngressCertificate'; Input = '-PfxPath names a directory'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $dir -Password $pw }; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'pfx-wrong-password'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PFX with the wrong -Password'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $wrongPw }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pfx-no-password'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a password-protected PFX without -Password'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pfx-truncated'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PFX cut off halfway'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.TruncatedPfx -Password $pw }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pfx-empty'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an empty file as PFX'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Empty -Password $pw }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pfx-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a text file as PFX'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.GarbageText -Password $pw }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pfx-without-key'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PFX that holds the certificate but no key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.NoKeyPfx -Password $pw }; ErrorId = 'NoPrivateKey'; Category = 'InvalidData' }
        @{ Id = 'pfx-is-pem'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PEM certificate file given as -PfxPath'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.GoodCrt -Password $pw }; ErrorId = 'NoPrivateKey'; Category = 'InvalidData' }
        @{ Id = 'pfx-expired'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PFX whose certificate has expired'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.ExpiredPfx -Password $pw }; ErrorId = 'CertificateExpired'; Category = 'InvalidData' }
        @{ Id = 'pem-cert-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-CertificatePath names a missing file'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.Missing -KeyPath $f.GoodKey }; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'pem-key-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-KeyPath names a missing file'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.Missing }; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'pem-chain-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-ChainPath names a missing file'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.GoodKey -ChainPath $f.Missing }; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'pem-cert-empty'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an empty certificate file'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.Empty -KeyPath $f.GoodKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-cert-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a certificate file of plain text, no PEM'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GarbageText -KeyPath $f.GoodKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-cert-block-not-certificate'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a CERTIFICATE block whose content is no certificate'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.NotACertificate -KeyPath $f.GoodKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-cert-bad-base64'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a CERTIFICATE block that is not base64'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.BadBase64Pem -KeyPath $f.GoodKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-key-as-certificate'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a key without a certificate (the key file as -CertificatePath)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodKey -KeyPath $f.GoodKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-certificate-as-key'; Cmdlet = 'Publish-IngressCertificate'; Input = 'the certificate file as -KeyPath'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.GoodCrt }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData'
            Message = { "*'$($f.GoodCrt)' (-KeyPath) holds no private key (found: CERTIFICATE)*" } }
        @{ Id = 'pem-key-empty'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a certificate without a key (an empty key file)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.Empty }; ErrorId = 'NoPrivateKey'; Category = 'InvalidData' }
        @{ Id = 'pem-key-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a key file of plain text'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.GarbageText }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-key-block-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PRIVATE KEY block whose content is no key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.NotAKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-key-mismatch'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PEM key that belongs to another certificate'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.OtherKey }; ErrorId = 'KeyMismatch'; Category = 'InvalidData' }
        @{ Id = 'pem-key-rsa-for-ec'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an RSA key for an ECDSA certificate'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.WeakKey }; ErrorId = 'KeyMismatch'; Category = 'InvalidData' }
        @{ Id = 'pem-key-encrypted'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an encrypted PEM key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.EncryptedKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-key-encrypted-wrong-password'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an encrypted PEM key with the wrong -KeyPassword'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.EncryptedKey -KeyPassword $wrongPw }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'text-key-encrypted-empty-password'; Cmdlet = 'Publish-IngressCertificate'; Input = '-KeyPem of an encrypted key with an empty -KeyPassword'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem $good.CertPem -KeyPem (Get-Content -Raw $f.EncryptedKey) -KeyPassword ([securestring]::new()) }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-key-unsupported-type'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a DSA private key (unsupported key type)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.DsaKey }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-chain-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = '-ChainPath of plain text'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.GoodKey -ChainPath $f.GarbageText }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'pem-expired'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an expired certificate'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.ExpiredCrt -KeyPath $f.ExpiredKey }; ErrorId = 'CertificateExpired'; Category = 'InvalidData' }
        @{ Id = 'pem-not-yet-valid'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a certificate not valid before next week'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.FutureCrt -KeyPath $f.FutureKey }; ErrorId = 'CertificateNotYetValid'; Category = 'InvalidData' }
        @{ Id = 'pem-weak-rsa'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a certificate with a 1024-bit RSA key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.WeakCrt -KeyPath $f.WeakKey }; ErrorId = 'WeakRsaKey'; Category = 'SecurityError' }
        @{ Id = 'pem-host-not-covered'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Host that the certificate does not cover'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.GoodKey -Host 'other.contoso.example' }; ErrorId = 'HostNotCovered'; Category = 'InvalidData' }
        @{ Id = 'pem-der-key'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a DER certificate given as the key (DER where PEM is expected)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePath $f.GoodCrt -KeyPath $f.GoodDer }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'text-cert-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = '-CertificatePem and -KeyPem text that is no PEM'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem 'not a certificate' -KeyPem 'not a key' }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'text-cert-der-base64'; Cmdlet = 'Publish-IngressCertificate'; Input = '-CertificatePem with bare base64 of DER (no PEM header)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem ([Convert]::ToBase64String($good.Certificate.RawData)) -KeyPem $good.KeyPem }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'text-securekey-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = '-KeyPem SecureString that holds no key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem $good.CertPem -KeyPem (ConvertTo-SecureString 'no key here' -AsPlainText -Force) }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'text-securekey-mismatch'; Cmdlet = 'Publish-IngressCertificate'; Input = '-KeyPem SecureString of another certificate''s key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem $good.CertPem -KeyPem (ConvertTo-SecureString $other.KeyPem -AsPlainText -Force) }; ErrorId = 'KeyMismatch'; Category = 'InvalidData' }
        @{ Id = 'text-chain-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = '-ChainPem text that is no PEM'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem $good.CertPem -KeyPem $good.KeyPem -ChainPem 'not a chain' }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'x509-without-key'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an X509Certificate2 without its private key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -Certificate $publicOnly }; ErrorId = 'NoPrivateKey'; Category = 'InvalidData' }
        @{ Id = 'x509-expired'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an expired X509Certificate2 with its key'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -Certificate $expired.Certificate }; ErrorId = 'CertificateExpired'; Category = 'InvalidData' }
        @{ Id = 'host-invalid'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Host that is not a host name (spaces, !)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -Host 'not a host!' }; ErrorId = 'InvalidHost'; Category = 'InvalidArgument' }
        @{ Id = 'host-url'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Host given as a URL'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -Host 'https://shop.contoso.example/' }; ErrorId = 'InvalidHost'; Category = 'InvalidArgument' }

        # --- Targets -------------------------------------------------------------------------------------------------
        @{ Id = 'secretname-empty'; Cmdlet = 'Publish-IngressCertificate'; Input = '-SecretName '''' (a TLS entry without secretName)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName '' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'NoSecretName'; Category = 'InvalidArgument' }
        @{ Id = 'secretname-empty-no-namespace'; Cmdlet = 'Publish-IngressCertificate'; Input = '-SecretName '''' without -Namespace'
            Run = { Publish-IngressCertificate @kc -SecretName '' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'NoSecretName'; Category = 'InvalidArgument' }
        @{ Id = 'piped-default-certificate'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a piped inventory row without a Secret (DefaultCertificate)'
            Run = { [pscustomobject]@{ Namespace = $ns; SecretName = $null; IngressName = 'shop' } | Publish-IngressCertificate @kc -PfxPath $f.Pfx -Password $pw }; ErrorId = 'NoSecretName'; Category = 'InvalidArgument' }
        @{ Id = 'secretname-not-dns'; Cmdlet = 'Publish-IngressCertificate'; Input = '-SecretName that is not a DNS name (Bad_Name)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'Bad_Name' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'namespace-not-dns'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { Publish-IngressCertificate @kc -Namespace 'Bad_NS' -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'namespace-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Namespace that does not exist'
            Run = { Publish-IngressCertificate @kc -Namespace 'no-such-namespace-x1' -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'NamespaceNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'ingress-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-IngressName of an Ingress that does not exist'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -IngressName 'no-such-ingress' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'IngressNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'ingress-not-dns'; Cmdlet = 'Publish-IngressCertificate'; Input = '-IngressName that is not a DNS name (Bad_Ingress)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -IngressName 'Bad_Ingress' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'ingress-hosts-not-covered'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an Ingress none of whose rule hosts the certificate covers'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -IngressName 'elsewhere' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'HostNotCovered'; Category = 'InvalidData' }
        @{ Id = 'ingress-no-rule-hosts'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an Ingress without rule hosts, and no -Host'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -IngressName 'hostless' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'HostNotCovered'; Category = 'InvalidData' }
        @{ Id = 'secret-other-type'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a target Secret of type Opaque'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'opaque' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'SecretTypeMismatch'; Category = 'InvalidOperation' }
        @{ Id = 'secret-other-type-force'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a target Secret of type Opaque, with -Force'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'opaque' -PfxPath $f.Pfx -Password $pw -Force }; ErrorId = 'SecretTypeMismatch'; Category = 'InvalidOperation' }
        @{ Id = 'secret-cert-manager'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a target Secret that cert-manager manages'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'cm-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'CertManagerManaged'; Category = 'InvalidOperation' }
        @{ Id = 'secret-immutable'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an immutable target Secret'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'frozen-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'SecretImmutable'; Category = 'InvalidOperation' }
        @{ Id = 'secret-istio-cert-key'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a target Secret whose cert and key Istio serves before tls.crt and tls.key, with -Force'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'istio-pair-tls' -PfxPath $f.Pfx -Password $pw -Force }; ErrorId = 'IstioCertKeyPair'; Category = 'InvalidOperation' }
        @{ Id = 'secret-cross-namespace'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an Ingress wired to a Secret in another namespace'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretNamespace 'default' -SecretName 'ok-tls' -IngressName 'shop' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'CrossNamespaceSecret'; Category = 'InvalidArgument' }

        @{ Id = 'gateway-and-ingress'; Cmdlet = 'Publish-IngressCertificate'; Input = '-IngressName and -GatewayName together'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -IngressName 'shop' -GatewayName 'gw' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'IngressAndGateway'; Category = 'InvalidArgument' }
        @{ Id = 'listener-without-gateway'; Cmdlet = 'Publish-IngressCertificate'; Input = '-ListenerName without -GatewayName'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -ListenerName 'https' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'GatewayOptionWithoutGateway'; Category = 'InvalidArgument' }
        @{ Id = 'grant-without-gateway'; Cmdlet = 'Publish-IngressCertificate'; Input = '-GrantReference without -GatewayName'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -GrantReference -PfxPath $f.Pfx -Password $pw }; ErrorId = 'GatewayOptionWithoutGateway'; Category = 'InvalidArgument' }
        @{ Id = 'gateway-not-dns'; Cmdlet = 'Publish-IngressCertificate'; Input = '-GatewayName that is not a DNS name (Bad_GW)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -GatewayName 'Bad_GW' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'gateway-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-GatewayName of a Gateway that does not exist'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -GatewayName 'no-such-gateway' -Host 'shop.contoso.example' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'GatewayNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'gateway-no-listener-for-host'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a Gateway none of whose HTTPS listeners covers -Host'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -GatewayName 'gw' -Host 'shop.contoso.example' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'NoMatchingListener'; Category = 'ObjectNotFound'; ServerOnly = $true }
        @{ Id = 'gateway-listener-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-ListenerName that the Gateway does not have'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -GatewayName 'gw' -ListenerName 'nope' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'NoMatchingListener'; Category = 'ObjectNotFound'; ServerOnly = $true }
        @{ Id = 'gateway-listener-passthrough'; Cmdlet = 'Publish-IngressCertificate'; Input = '-ListenerName of a listener that passes TLS through (no certificate at the Gateway)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -GatewayName 'passgw' -ListenerName 'pass' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'NoMatchingListener'; Category = 'ObjectNotFound'; ServerOnly = $true }
        @{ Id = 'gateway-cross-namespace-no-grant'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a Secret in another namespace than the Gateway, no ReferenceGrant, no -GrantReference'
            Run = { Publish-IngressCertificate @kc -Namespace $grantless -SecretName 'ok-tls' -GatewayName 'shopgw' -GatewayNamespace $ns -Host 'shop.contoso.example' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'ReferenceGrantRequired'; Category = 'PermissionDenied'; ServerOnly = $true }
        # --- Option combinations ------------------------------------------------------------------------------------
        @{ Id = 'path-without-asmanifest'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Path without -AsManifest'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -Path $manifests }; ErrorId = 'PathWithoutAsManifest'; Category = 'InvalidArgument' }
        @{ Id = 'history-limit-high'; Cmdlet = 'Publish-IngressCertificate'; Input = '-HistoryLimit 21 (above 20)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -HistoryLimit 21 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'history-limit-negative'; Cmdlet = 'Publish-IngressCertificate'; Input = '-HistoryLimit -1'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -HistoryLimit -1 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'verify-timeout-zero'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Verify -TimeoutSeconds 0'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -Verify -TimeoutSeconds 0 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'verify-without-host'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Verify with no -Host and no -IngressName'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'verify-tls' -PfxPath $f.Pfx -Password $pw -Verify }; ErrorId = 'VerifyNeedsHost'; Category = 'InvalidArgument' }
        @{ Id = 'verify-endpoint-url'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Verify -Endpoint given as a URL'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'verify-url-tls' -Host 'shop.contoso.example' -PfxPath $f.Pfx -Password $pw -Verify -Endpoint 'https://127.0.0.1:9/' }; ErrorId = 'InvalidEndpoint'; Category = 'InvalidArgument' }
        @{ Id = 'endpoint-empty'; Cmdlet = 'Publish-IngressCertificate'; Input = '-Endpoint '''''
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -Verify -Endpoint '' }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }

        # --- Manifest files ------------------------------------------------------------------------------------------
        @{ Id = 'asmanifest-path-invalid-yaml'; Cmdlet = 'Publish-IngressCertificate'; Input = '-AsManifest -Path of a file that is not YAML'
            Run = { Publish-IngressCertificate -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -AsManifest -Path $f.BadYaml }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'asmanifest-path-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-AsManifest -Path that does not exist'
            Run = { Publish-IngressCertificate -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -AsManifest -Path $f.Missing }; ErrorId = 'PathNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'asmanifest-secret-other-type'; Cmdlet = 'Publish-IngressCertificate'; Input = '-AsManifest -Path whose target Secret is Opaque'
            Run = { Publish-IngressCertificate -Namespace 'files' -SecretName 'opaque' -PfxPath $f.Pfx -Password $pw -AsManifest -Path $manifests }; ErrorId = 'SecretTypeMismatch'; Category = 'InvalidOperation' }
        @{ Id = 'asmanifest-cert-manager'; Cmdlet = 'Publish-IngressCertificate'; Input = '-AsManifest -Path whose target Secret cert-manager manages'
            Run = { Publish-IngressCertificate -Namespace 'files' -SecretName 'cm-tls' -PfxPath $f.Pfx -Password $pw -AsManifest -Path $manifests }; ErrorId = 'CertManagerManaged'; Category = 'InvalidOperation' }
        @{ Id = 'asmanifest-ingress-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-AsManifest -Path without the -IngressName Ingress'
            Run = { Publish-IngressCertificate -Namespace 'files' -SecretName 'ok-tls' -IngressName 'no-such-ingress' -PfxPath $f.Pfx -Password $pw -AsManifest -Path $manifests }; ErrorId = 'IngressNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'asmanifest-secret-bad-base64'; Cmdlet = 'Publish-IngressCertificate'; Input = '-AsManifest -Path whose target Secret data is not base64'
            Run = { Publish-IngressCertificate -Namespace 'files' -SecretName 'b64' -PfxPath $f.Pfx -Password $pw -AsManifest -Path $f.BadBase64Secret }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'get-path-missing'; Cmdlet = 'Get-IngressCertificate'; Input = '-Path that does not exist'
            Run = { Get-IngressCertificate -Path $f.Missing }; ErrorId = 'PathNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'get-literalpath-missing'; Cmdlet = 'Get-IngressCertificate'; Input = '-LiteralPath that does not exist'
            Run = { Get-IngressCertificate -LiteralPath $f.Missing }; ErrorId = 'PathNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'get-path-invalid-yaml'; Cmdlet = 'Get-IngressCertificate'; Input = 'a manifest file that is not YAML'
            Run = { Get-IngressCertificate -Path $f.BadYaml }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'get-path-invalid-json'; Cmdlet = 'Get-IngressCertificate'; Input = 'a .json manifest that is broken JSON'
            Run = { Get-IngressCertificate -Path $f.BadJson }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'get-path-binary'; Cmdlet = 'Get-IngressCertificate'; Input = 'a binary file (a PFX) as manifest'
            Run = { Get-IngressCertificate -LiteralPath $f.Pfx }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'get-path-scalar-document'; Cmdlet = 'Get-IngressCertificate'; Input = 'a YAML document that is a plain string, not an object'
            Run = { Get-IngressCertificate -Path $f.ScalarYaml }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'get-trustedroot-missing'; Cmdlet = 'Get-IngressCertificate'; Input = '-TrustedRootPath that does not exist'
            Run = { Get-IngressCertificate -Path $manifests -TrustedRootPath $f.Missing }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'get-trustedroot-garbage'; Cmdlet = 'Get-IngressCertificate'; Input = '-TrustedRootPath of a file with no certificate'
            Run = { Get-IngressCertificate -Path $manifests -TrustedRootPath $f.GarbageText }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'get-trustedroot-empty'; Cmdlet = 'Get-IngressCertificate'; Input = '-TrustedRootPath of an empty file'
            Run = { Get-IngressCertificate -Path $manifests -TrustedRootPath $f.Empty }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'get-trustedroot-not-certificate'; Cmdlet = 'Get-IngressCertificate'; Input = '-TrustedRootPath whose CERTIFICATE block is garbage'
            Run = { Get-IngressCertificate -Path $manifests -TrustedRootPath $f.NotACertificate }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'get-status-unknown'; Cmdlet = 'Get-IngressCertificate'; Input = '-Status that is no status'
            Run = { Get-IngressCertificate -Path $manifests -Status 'Broken' }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'get-expiring-negative'; Cmdlet = 'Get-IngressCertificate'; Input = '-ExpiringWithinDays -1'
            Run = { Get-IngressCertificate -Path $manifests -ExpiringWithinDays -1 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'get-asof-not-date'; Cmdlet = 'Get-IngressCertificate'; Input = '-AsOf that is not a date'
            Run = { Get-IngressCertificate -Path $manifests -AsOf 'next tuesday-ish' }; ErrorId = 'CannotConvertArgumentNoMessage'; Category = 'InvalidArgument'; Binding = $true }
        @{ Id = 'get-namespace-empty'; Cmdlet = 'Get-IngressCertificate'; Input = '-Namespace '''''
            Run = { Get-IngressCertificate @kc -Namespace '' }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'get-namespace-not-dns'; Cmdlet = 'Get-IngressCertificate'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { Get-IngressCertificate @kc -Namespace 'Bad_NS' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'get-namespace-missing'; Cmdlet = 'Get-IngressCertificate'; Input = '-Namespace that does not exist (a typo)'
            Run = { Get-IngressCertificate @kc -Namespace 'no-such-namespace-x1' }; ErrorId = 'NamespaceNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'get-istio-namespace-not-dns'; Cmdlet = 'Get-IngressCertificate'; Input = '-IstioGatewayNamespace that is not a DNS label (Bad_NS)'
            Run = { Get-IngressCertificate -Path $manifests -IstioGatewayNamespace 'Bad_NS' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'get-name-empty'; Cmdlet = 'Get-IngressCertificate'; Input = '-Name '''''
            Run = { Get-IngressCertificate -Path $manifests -Name '' }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }

        # --- Test-IngressCertificate ---------------------------------------------------------------------------------
        @{ Id = 'test-no-target'; Cmdlet = 'Test-IngressCertificate'; Input = 'no -Name, -SecretName or -Host'
            Run = { Test-IngressCertificate @kc -Namespace $ns }; ErrorId = 'NoTarget'; Category = 'InvalidArgument' }
        @{ Id = 'test-host-without-live'; Cmdlet = 'Test-IngressCertificate'; Input = '-Host without -Live'
            Run = { Test-IngressCertificate -Host 'shop.contoso.example' -Certificate $good.Certificate }; ErrorId = 'HostNeedsLive'; Category = 'InvalidArgument' }
        @{ Id = 'test-endpoint-url'; Cmdlet = 'Test-IngressCertificate'; Input = '-Endpoint given as a URL'
            Run = { Test-IngressCertificate -Host 'shop.contoso.example' -Live -Certificate $good.Certificate -Endpoint 'https://127.0.0.1:9/' }; ErrorId = 'InvalidEndpoint'; Category = 'InvalidArgument' }
        @{ Id = 'test-endpoint-port-range'; Cmdlet = 'Test-IngressCertificate'; Input = '-Endpoint with a port above 65535'
            Run = { Test-IngressCertificate -Host 'shop.contoso.example' -Live -Certificate $good.Certificate -Endpoint '127.0.0.1:70000' }; ErrorId = 'InvalidEndpoint'; Category = 'InvalidArgument' }
        @{ Id = 'test-endpoint-port-text'; Cmdlet = 'Test-IngressCertificate'; Input = '-Endpoint with a port that is not a number'
            Run = { Test-IngressCertificate -Host 'shop.contoso.example' -Live -Certificate $good.Certificate -Endpoint '127.0.0.1:https' }; ErrorId = 'InvalidEndpoint'; Category = 'InvalidArgument' }
        @{ Id = 'test-trustedroot-missing'; Cmdlet = 'Test-IngressCertificate'; Input = '-TrustedRootPath that does not exist'
            Run = { Test-IngressCertificate @kc -Namespace $ns -SecretName 'plain-tls' -TrustedRootPath $f.Missing }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'test-trustedroot-garbage'; Cmdlet = 'Test-IngressCertificate'; Input = '-TrustedRootPath of a file with no certificate'
            Run = { Test-IngressCertificate @kc -Namespace $ns -SecretName 'plain-tls' -TrustedRootPath $f.GarbageText }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'publish-trusted-root-missing'; Cmdlet = 'Publish-IngressCertificate'; Input = '-TrustedRootPath names a missing file'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -TrustedRootPath $f.Missing }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'publish-trusted-root-garbage'; Cmdlet = 'Publish-IngressCertificate'; Input = '-TrustedRootPath names a text file that holds no certificate'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -TrustedRootPath $f.GarbageText }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'test-kind-unknown'; Cmdlet = 'Test-IngressCertificate'; Input = '-Kind that is none of the kinds Get reports (VirtualService)'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'shop' -Kind 'VirtualService' }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'test-apigroup-mismatch'; Cmdlet = 'Test-IngressCertificate'; Input = '-ApiGroup that is no group of -Kind (Gateway of route.openshift.io)'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'shop' -Kind Gateway -ApiGroup 'route.openshift.io' }; ErrorId = 'KindApiGroupMismatch'; Category = 'InvalidArgument' }
        @{ Id = 'test-istio-namespace-not-dns'; Cmdlet = 'Test-IngressCertificate'; Input = '-IstioGatewayNamespace that is not a DNS label (Bad_NS)'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'edge' -Kind Gateway -ApiGroup 'networking.istio.io' -IstioGatewayNamespace 'Bad_NS' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'test-kind-not-served'; Cmdlet = 'Test-IngressCertificate'; Input = '-Kind Route on a cluster that does not serve route.openshift.io'
            Run = { Test-IngressCertificate @bareKc -Namespace 'default' -Name 'web' -Kind Route }; ErrorId = 'ApiNotServed'; Category = 'NotInstalled'; ServerOnly = $true }
        @{ Id = 'test-min-days-negative'; Cmdlet = 'Test-IngressCertificate'; Input = '-MinimumDaysRemaining -1'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'shop' -MinimumDaysRemaining -1 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'test-throttle-zero'; Cmdlet = 'Test-IngressCertificate'; Input = '-ThrottleLimit 0'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'shop' -ThrottleLimit 0 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'test-timeout-too-long'; Cmdlet = 'Test-IngressCertificate'; Input = '-TimeoutSeconds 601'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'shop' -Live -TimeoutSeconds 601 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'test-certificate-null'; Cmdlet = 'Test-IngressCertificate'; Input = '-Certificate $null'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'shop' -Certificate $null }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'test-name-not-dns'; Cmdlet = 'Test-IngressCertificate'; Input = '-Name that is not a DNS name (Bad_Name)'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'Bad_Name' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'test-kind-name-selector'; Cmdlet = 'Test-IngressCertificate'; Input = '-Kind Route -Name that would widen its fieldSelector lookup (web,metadata.namespace=x)'
            Run = { Test-IngressCertificate @kc -Namespace $ns -Name 'web,metadata.namespace=x' -Kind Route }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'test-secretname-not-dns'; Cmdlet = 'Test-IngressCertificate'; Input = '-SecretName that is not a DNS name (Bad_Name)'
            Run = { Test-IngressCertificate @kc -Namespace $ns -SecretName 'Bad_Name' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'test-namespace-not-dns'; Cmdlet = 'Test-IngressCertificate'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { Test-IngressCertificate @kc -Namespace 'Bad_NS' -SecretName 'plain-tls' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }

        # --- Undo-IngressCertificate ---------------------------------------------------------------------------------
        @{ Id = 'undo-secret-missing'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a Secret that does not exist'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'no-such-secret' -Confirm:$false }; ErrorId = 'SecretNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-namespace-missing'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a namespace that does not exist'
            Run = { Undo-IngressCertificate @kc -Namespace 'no-such-namespace-x1' -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'SecretNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-no-history'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a Secret never published by the module (no record, no history)'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'NoHistory'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-history-limit-zero'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a Secret last published with -HistoryLimit 0 (nothing to restore)'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'nohistory-tls' -Confirm:$false }; ErrorId = 'NoHistory'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-opaque'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a Secret of type Opaque'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'opaque' -Confirm:$false }; ErrorId = 'NoHistory'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-cert-manager'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a Secret that cert-manager manages'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'cm-tls' -Confirm:$false }; ErrorId = 'CertManagerManaged'; Category = 'InvalidOperation' }
        @{ Id = 'undo-secret-changed'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a created Secret someone changed since the publish'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'changed-tls' -Confirm:$false }; ErrorId = 'SecretChanged'; Category = 'InvalidOperation' }
        @{ Id = 'undo-secret-in-use'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a created Secret another Ingress now uses'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'inuse-tls' -Confirm:$false }; ErrorId = 'SecretInUse'; Category = 'ResourceBusy' }
        @{ Id = 'undo-secretname-not-dns'; Cmdlet = 'Undo-IngressCertificate'; Input = '-SecretName that is not a DNS name (Bad_Name)'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'Bad_Name' -Confirm:$false }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'undo-secretname-path'; Cmdlet = 'Undo-IngressCertificate'; Input = '-SecretName with a slash (../x)'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName '../plain-tls' -Confirm:$false }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'undo-namespace-not-dns'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { Undo-IngressCertificate @kc -Namespace 'Bad_NS' -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'undo-namespace-empty'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Namespace '''''
            Run = { Undo-IngressCertificate @kc -Namespace '' -SecretName 'plain-tls' -Confirm:$false }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'undo-secretname-empty'; Cmdlet = 'Undo-IngressCertificate'; Input = '-SecretName '''''
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName '' -Confirm:$false }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        # --- Undo and history (issue 11): a second undo, a thumbprint no entry holds, Get-IngressCertificateHistory --
        @{ Id = 'undo-already-undone'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a Secret whose last publish was already undone (a second Undo)'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'undone-tls' -Confirm:$false }; ErrorId = 'NothingToUndo'; Category = 'InvalidOperation' }
        @{ Id = 'undo-already-undone-force'; Cmdlet = 'Undo-IngressCertificate'; Input = 'a second Undo, with -Force'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'undone-tls' -Force -Confirm:$false }; ErrorId = 'NothingToUndo'; Category = 'InvalidOperation' }
        @{ Id = 'undo-thumbprint-unknown'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Thumbprint that no history entry of the Secret holds'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'undone-tls' -Thumbprint ('0' * 40) -Confirm:$false }; ErrorId = 'HistoryEntryNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-thumbprint-current'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Thumbprint of the Secret''s current certificate (not in its history)'
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'plain-tls' -Thumbprint $other.Certificate.Thumbprint -Confirm:$false }; ErrorId = 'HistoryEntryNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'undo-thumbprint-empty'; Cmdlet = 'Undo-IngressCertificate'; Input = '-Thumbprint '''''
            Run = { Undo-IngressCertificate @kc -Namespace $ns -SecretName 'undone-tls' -Thumbprint '' -Confirm:$false }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'history-secret-missing'; Cmdlet = 'Get-IngressCertificateHistory'; Input = 'a Secret that does not exist and has no history'
            Run = { Get-IngressCertificateHistory @kc -Namespace $ns -SecretName 'no-such-secret' }; ErrorId = 'SecretNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'history-namespace-missing'; Cmdlet = 'Get-IngressCertificateHistory'; Input = 'a namespace that does not exist'
            Run = { Get-IngressCertificateHistory @kc -Namespace 'no-such-namespace-x1' -SecretName 'plain-tls' }; ErrorId = 'SecretNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'history-secretname-not-dns'; Cmdlet = 'Get-IngressCertificateHistory'; Input = '-SecretName that is not a DNS name (Bad_Name)'
            Run = { Get-IngressCertificateHistory @kc -Namespace $ns -SecretName 'Bad_Name' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'history-secretname-path'; Cmdlet = 'Get-IngressCertificateHistory'; Input = '-SecretName with a slash (../x)'
            Run = { Get-IngressCertificateHistory @kc -Namespace $ns -SecretName '../plain-tls' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'history-namespace-not-dns'; Cmdlet = 'Get-IngressCertificateHistory'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { Get-IngressCertificateHistory @kc -Namespace 'Bad_NS' -SecretName 'plain-tls' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'history-namespace-empty'; Cmdlet = 'Get-IngressCertificateHistory'; Input = '-Namespace '''''
            Run = { Get-IngressCertificateHistory @kc -Namespace '' -SecretName 'plain-tls' }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'history-secretname-empty'; Cmdlet = 'Get-IngressCertificateHistory'; Input = '-SecretName '''''
            Run = { Get-IngressCertificateHistory @kc -Namespace $ns -SecretName '' }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'history-context-unknown'; Cmdlet = 'Get-IngressCertificateHistory'; Input = '-Context names no context of the kubeconfig'
            Run = { Get-IngressCertificateHistory -KubeConfigPath $kc.KubeConfigPath -Context 'no-such-context' -Namespace $ns -SecretName 'plain-tls' }; ErrorId = 'ContextNotFound'; Category = 'ObjectNotFound' }
        # --- Hardening (issue 10): a man in the middle, hostile manifests, keys that match only structurally, slow PFX --
        @{ Id = 'kubeconfig-http-token'; Cmdlet = 'Get-IngressCertificate'; Input = 'a kubeconfig whose server is http:// while its user has a token'
            Run = { Get-IngressCertificate -KubeConfigPath $f.HttpServer -Context $kc.Context -AllNamespaces }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'publish-kubeconfig-http-token'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a kubeconfig whose server is http:// while its user has a token'
            Run = { Publish-IngressCertificate -KubeConfigPath $f.HttpServer -Context $kc.Context -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'KubeConfigInvalid'; Category = 'InvalidData' }
        @{ Id = 'kubeconfig-server-name-mismatch'; Cmdlet = 'Get-IngressCertificate'; Input = 'a kubeconfig server reached through 127.0.0.2, whose certificate (from the right CA) names 127.0.0.1, ::1 and localhost'
            Run = { Get-IngressCertificate -KubeConfigPath $f.Mitm -Context $kc.Context -AllNamespaces }; ErrorId = 'ServerNameMismatch'; Category = 'SecurityError'; ServerOnly = $true }
        @{ Id = 'publish-server-name-mismatch'; Cmdlet = 'Publish-IngressCertificate'; Input = 'the same man in the middle, for a publish: the key is never sent'
            Run = { Publish-IngressCertificate -KubeConfigPath $f.Mitm -Context $kc.Context -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw }; ErrorId = 'ServerNameMismatch'; Category = 'SecurityError'; ServerOnly = $true }
        @{ Id = 'server-name-mismatch-server-param'; Cmdlet = 'Test-IngressCertificate'; Input = '-Server https://127.0.0.2:PORT with the right -CertificateAuthority and -Token (a man in the middle)'
            Run = { Test-IngressCertificate -Server $mitmUrl -CertificateAuthority $caPem -Token $token -Namespace $ns -SecretName 'plain-tls' }; ErrorId = 'ServerNameMismatch'; Category = 'SecurityError'; ServerOnly = $true }
        @{ Id = 'get-path-self-alias'; Cmdlet = 'Get-IngressCertificate'; Input = 'a manifest whose alias refers to the node it sits in (x: &a / self: *a)'
            Run = { Get-IngressCertificate -Path $f.SelfAlias }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'get-path-deep-brackets'; Cmdlet = 'Get-IngressCertificate'; Input = 'a manifest of 200,000 nested [ (a stack overflow before)'
            Run = { Get-IngressCertificate -Path $f.DeepBrackets }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'get-path-billion-laughs'; Cmdlet = 'Get-IngressCertificate'; Input = 'a ''billion laughs'' manifest: 9 levels of 9 aliases'
            Run = { Get-IngressCertificate -Path $f.Laughs }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'asmanifest-self-alias'; Cmdlet = 'Publish-IngressCertificate'; Input = '-AsManifest -Path with a manifest whose alias refers to itself'
            Run = { Publish-IngressCertificate -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.Pfx -Password $pw -AsManifest -Path $f.SelfAlias }; ErrorId = 'InvalidManifest'; Category = 'InvalidData' }
        @{ Id = 'key-ec-foreign-scalar'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an EC key with the certificate''s public point but another private scalar'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem $good.CertPem -KeyPem $corruptEc }; ErrorId = 'KeyMismatch'; Category = 'InvalidData' }
        @{ Id = 'key-rsa-corrupt-d'; Cmdlet = 'Publish-IngressCertificate'; Input = 'an RSA key with the certificate''s n and e but a corrupt d'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -CertificatePem $rsaIssued.CertPem -KeyPem $corruptRsa }; ErrorId = 'KeyMismatch'; Category = 'InvalidData' }
        @{ Id = 'pfx-iterations-over-limit'; Cmdlet = 'Publish-IngressCertificate'; Input = 'a PFX that asks for 700,000 key-derivation iterations (the limit is 600,000)'
            Run = { Publish-IngressCertificate @kc -Namespace $ns -SecretName 'ok-tls' -PfxPath $f.SlowPfx -Password $pw }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        # --- Export-IngressCertificateReport ---------------------------------------------------------------------------
        @{ Id = 'report-unsupported-input'; Cmdlet = 'Export-IngressCertificateReport'; Input = 'a piped string, with neither a Name nor a Status property'
            Run = { 'not a certificate' | Export-IngressCertificateReport -Format Json }; ErrorId = 'UnsupportedReportInput'; Category = 'InvalidType' }
        @{ Id = 'report-folder-missing'; Cmdlet = 'Export-IngressCertificateReport'; Input = '-Path in a folder that does not exist'
            Run = { @() | Export-IngressCertificateReport -Format Html -Path (Join-Path $f.Missing 'report.html') }; ErrorId = 'ReportFolderNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'report-path-directory'; Cmdlet = 'Export-IngressCertificateReport'; Input = '-Path names a directory'
            Run = { @() | Export-IngressCertificateReport -Format Html -Path $dir }; ErrorId = 'ReportPathIsDirectory'; Category = 'InvalidArgument' }
        @{ Id = 'report-path-not-a-file'; Cmdlet = 'Export-IngressCertificateReport'; Input = '-Path on a drive that is not the file system (Variable:)'
            Run = { @() | Export-IngressCertificateReport -Format Html -Path 'Variable:\report' }; ErrorId = 'ReportPathInvalid'; Category = 'InvalidArgument' }
        # --- Certificate requests (issue 12): New-, Complete-, Get- and Remove-IngressCertificateRequest ------------
        @{ Id = 'new-no-secretname'; Cmdlet = 'New-IngressCertificateRequest'; Input = 'no Secret name (an inventory row without secretName)'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName '' -Host 'shop.contoso.example' }; ErrorId = 'NoSecretName'; Category = 'InvalidArgument' }
        @{ Id = 'new-subject-invalid'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-Subject that is not an X.500 name'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -Host 'shop.contoso.example' -Subject 'not an x500 name' }; ErrorId = 'InvalidSubject'; Category = 'InvalidArgument' }
        @{ Id = 'new-host-invalid'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-Host that is not a DNS name (shop_contoso.example)'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -Host 'shop_contoso.example' }; ErrorId = 'InvalidHost'; Category = 'InvalidArgument' }
        @{ Id = 'new-host-unknown'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-Host that the -IngressName Ingress does not serve'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -IngressName 'shop' -Host 'unknown.contoso.example' }; ErrorId = 'HostNotInIngress'; Category = 'InvalidArgument' }
        @{ Id = 'new-no-host'; Cmdlet = 'New-IngressCertificateRequest'; Input = 'no -Host and no -IngressName: no host is known'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' }; ErrorId = 'NoHost'; Category = 'InvalidArgument' }
        @{ Id = 'new-ingress-missing'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-IngressName of an Ingress that does not exist'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -IngressName 'no-such-ingress' }; ErrorId = 'IngressNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'new-key-mismatch'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-KeyAlgorithm RSA with -KeySize P-256'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -Host 'shop.contoso.example' -KeyAlgorithm RSA -KeySize P-256 }; ErrorId = 'InvalidKeySpec'; Category = 'InvalidArgument' }
        @{ Id = 'new-key-size-unknown'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-KeySize 1024'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -Host 'shop.contoso.example' -KeySize 1024 }; ErrorId = 'InvalidKeySpec'; Category = 'InvalidArgument' }
        @{ Id = 'new-pending-exists'; Cmdlet = 'New-IngressCertificateRequest'; Input = 'a request already pending for the Secret (no -Force)'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'pending-tls' -Host 'shop.contoso.example' }; ErrorId = 'RequestAlreadyPending'; Category = 'ResourceExists' }
        @{ Id = 'new-namespace-not-dns'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { New-IngressCertificateRequest @kc -Namespace 'Bad_NS' -SecretName 'new-tls' -Host 'shop.contoso.example' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'new-gateway-and-ingress'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-IngressName and -GatewayName together'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -IngressName 'shop' -GatewayName 'gw' -Host 'shop.contoso.example' }; ErrorId = 'IngressAndGateway'; Category = 'InvalidArgument' }
        @{ Id = 'new-listener-without-gateway'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-ListenerName without -GatewayName'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -ListenerName 'https' -Host 'shop.contoso.example' }; ErrorId = 'GatewayOptionWithoutGateway'; Category = 'InvalidArgument' }
        @{ Id = 'new-gateway-missing'; Cmdlet = 'New-IngressCertificateRequest'; Input = '-GatewayName of a Gateway that does not exist'
            Run = { New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'new-tls' -GatewayName 'no-such-gateway' -Host 'shop.contoso.example' }; ErrorId = 'GatewayNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'complete-gateway-and-ingress'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = '-IngressName and -GatewayName together'
            Run = { Complete-IngressCertificateRequest @kc -Namespace $ns -SecretName 'pending-tls' -IngressName 'shop' -GatewayName 'gw' -CertificatePem $good.CertPem }; ErrorId = 'IngressAndGateway'; Category = 'InvalidArgument' }
        @{ Id = 'complete-listener-without-gateway'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = '-ListenerName without -GatewayName'
            Run = { Complete-IngressCertificateRequest @kc -Namespace $ns -SecretName 'pending-tls' -ListenerName 'https' -CertificatePem $pendingGood }; ErrorId = 'GatewayOptionWithoutGateway'; Category = 'InvalidArgument' }
        @{ Id = 'complete-gateway-missing'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = '-GatewayName of a Gateway that does not exist'
            Run = { Complete-IngressCertificateRequest @kc -CertificatePem $pendingGood -GatewayName 'no-such-gateway' }; ErrorId = 'GatewayNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'complete-gateway-no-listener'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = 'a Gateway with no HTTPS listener for a host of the request'
            Run = { Complete-IngressCertificateRequest @kc -CertificatePem $pendingGood -GatewayName 'gw' }; ErrorId = 'NoMatchingListener'; Category = 'ObjectNotFound'; ServerOnly = $true }
        @{ Id = 'complete-gateway-cross-namespace-no-grant'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = 'a Gateway in another namespace than the request, no ReferenceGrant, no -GrantReference'
            Run = { Complete-IngressCertificateRequest @kc -CertificatePem $pendingGood -GatewayName 'wildgw' -GatewayNamespace $grantless }; ErrorId = 'ReferenceGrantRequired'; Category = 'PermissionDenied'; ServerOnly = $true }
        @{ Id = 'complete-request-missing'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = '-SecretName for which no request is pending'
            Run = { Complete-IngressCertificateRequest @kc -Namespace $ns -SecretName 'no-such-tls' -CertificatePem $good.CertPem }; ErrorId = 'RequestNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'complete-no-request-for-key'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = 'a certificate whose key no pending request has'
            Run = { Complete-IngressCertificateRequest @kc -Namespace $ns -CertificatePem $good.CertPem }; ErrorId = 'RequestNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'complete-wrong-certificate'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = '-SecretName of a pending request with a certificate for another key'
            Run = { Complete-IngressCertificateRequest @kc -Namespace $ns -SecretName 'pending-tls' -CertificatePem $good.CertPem }; ErrorId = 'CertificateKeyMismatch'; Category = 'InvalidData' }
        @{ Id = 'complete-expired'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = 'a certificate for the pending key that has expired'
            Run = { Complete-IngressCertificateRequest @kc -CertificatePem $pendingExpired }; ErrorId = 'CertificateExpired'; Category = 'InvalidData' }
        @{ Id = 'complete-host-not-covered'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = 'a certificate for the pending key that drops a host the request asked for'
            Run = { Complete-IngressCertificateRequest @kc -CertificatePem $pendingOtherHost }; ErrorId = 'HostNotCovered'; Category = 'InvalidData' }
        @{ Id = 'complete-not-pem'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = '-CertificatePem text that holds no certificate'
            Run = { Complete-IngressCertificateRequest @kc -CertificatePem 'not a certificate' }; ErrorId = 'InvalidCertificateInput'; Category = 'InvalidData' }
        @{ Id = 'complete-file-missing'; Cmdlet = 'Complete-IngressCertificateRequest'; Input = '-CertificatePath names a missing file'
            Run = { Complete-IngressCertificateRequest @kc -CertificatePath $f.Missing }; ErrorId = 'CertificateFileNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'get-request-namespace-not-dns'; Cmdlet = 'Get-IngressCertificateRequest'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { Get-IngressCertificateRequest @kc -Namespace 'Bad_NS' }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'remove-request-missing'; Cmdlet = 'Remove-IngressCertificateRequest'; Input = 'a Secret for which no request is pending'
            Run = { Remove-IngressCertificateRequest @kc -Namespace $ns -SecretName 'no-such-tls' -Confirm:$false }; ErrorId = 'RequestNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'remove-request-secretname-not-dns'; Cmdlet = 'Remove-IngressCertificateRequest'; Input = '-SecretName that is not a DNS name (Bad_Name)'
            Run = { Remove-IngressCertificateRequest @kc -Namespace $ns -SecretName 'Bad_Name' -Confirm:$false }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'sync-no-source'; Cmdlet = 'Sync-IngressCertificate'; Input = 'neither -Issuer nor -SourcePath'
            Run = { Sync-IngressCertificate @kc -Namespace $ns }; ErrorId = 'SyncSourceMissing'; Category = 'InvalidArgument' }
        @{ Id = 'sync-two-sources'; Cmdlet = 'Sync-IngressCertificate'; Input = 'both -Issuer and -SourcePath'
            Run = { Sync-IngressCertificate @kc -Namespace $ns -Issuer { } -SourcePath ([IO.Path]::GetTempPath()) }; ErrorId = 'SyncSourceAmbiguous'; Category = 'InvalidArgument' }
        @{ Id = 'sync-password-without-sourcepath'; Cmdlet = 'Sync-IngressCertificate'; Input = '-Password with -Issuer (no PFX files to open)'
            Run = { Sync-IngressCertificate @kc -Namespace $ns -Issuer { } -Password $pw }; ErrorId = 'PasswordWithoutSourcePath'; Category = 'InvalidArgument' }
        @{ Id = 'sync-sourcepath-missing'; Cmdlet = 'Sync-IngressCertificate'; Input = '-SourcePath names a missing folder'
            Run = { Sync-IngressCertificate @kc -Namespace $ns -SourcePath $f.Missing }; ErrorId = 'SourcePathNotFound'; Category = 'ObjectNotFound' }
        @{ Id = 'sync-trusted-root-missing'; Cmdlet = 'Sync-IngressCertificate'; Input = '-TrustedRootPath names a missing file'
            Run = { Sync-IngressCertificate @kc -Namespace $ns -Issuer { } -TrustedRootPath $f.Missing }; ErrorId = 'InvalidTrustedRoot'; Category = 'InvalidArgument' }
        @{ Id = 'sync-namespace-not-dns'; Cmdlet = 'Sync-IngressCertificate'; Input = '-Namespace that is not a DNS label (Bad_NS)'
            Run = { Sync-IngressCertificate @kc -Namespace 'Bad_NS' -Issuer { } }; ErrorId = 'InvalidName'; Category = 'InvalidArgument' }
        @{ Id = 'sync-namespace-missing'; Cmdlet = 'Sync-IngressCertificate'; Input = '-Namespace that does not exist (a typo)'
            Run = { Sync-IngressCertificate @kc -Namespace 'no-such-namespace-x1' -Issuer { } }; ErrorId = 'NamespaceNotFound'; Category = 'ObjectNotFound'
            Message = { "*Namespace 'no-such-namespace-x1' does not exist*" } }
        @{ Id = 'sync-renew-within-negative'; Cmdlet = 'Sync-IngressCertificate'; Input = '-RenewWithinDays -1'
            Run = { Sync-IngressCertificate @kc -Namespace $ns -Issuer { } -RenewWithinDays -1 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
        @{ Id = 'sync-throttle-zero'; Cmdlet = 'Sync-IngressCertificate'; Input = '-ThrottleLimit 0'
            Run = { Sync-IngressCertificate @kc -Namespace $ns -Issuer { } -ThrottleLimit 0 }; ErrorId = 'ParameterArgumentValidationError'; Category = 'InvalidData'; Binding = $true }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $cluster = New-TestCluster -ContextName 'bad'
    $kc = @{ KubeConfigPath = $cluster.KubeConfig; Context = $cluster.Context }
    # A test server that serves none of the other controllers' kinds, for the rows about an API that is not served.
    $bare = if (-not $cluster.IsReal) { Start-KubeTestServer -ContextName 'bare' -NoOtherKinds }
    $bareKc = if ($bare) { @{ KubeConfigPath = $bare.KubeConfig; Context = 'bare' } }
    $password = 'pfx-pass-123'
    $pw = ConvertTo-SecureString $password -AsPlainText -Force
    $wrongPw = ConvertTo-SecureString 'wrong-pass-456' -AsPlainText -Force

    # Certificates, made once and shared by every row.
    $good = New-TestCertificate -Subject 'CN=shop.contoso.example' -DnsName 'shop.contoso.example'
    $other = New-TestCertificate -Subject 'CN=other.contoso.example' -DnsName 'other.contoso.example' -CertificateAuthority
    $expired = New-TestCertificate -Subject 'CN=old.contoso.example' -DnsName 'old.contoso.example' -DaysAgo 30 -Days -1
    $future = New-TestCertificate -Subject 'CN=new.contoso.example' -DnsName 'new.contoso.example' -DaysAgo -7 -Days 90
    $weakKey = [System.Security.Cryptography.RSA]::Create(1024)
    $weakRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=weak.contoso.example', $weakKey, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $weak = $weakRequest.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(90))
    $publicOnly = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($good.Certificate.RawData)
    $keys = @($good.Key, $other.Key, $expired.Key, $future.Key, $weakKey)

    # Input files, one set for all rows.
    $dir = Join-Path $TestDrive 'in'
    New-Item -ItemType Directory $dir | Out-Null
    $f = @{}
    function Add-InputFile([string] $Name, $Content) {
        $path = Join-Path $dir $Name
        if ($Content -is [byte[]]) { [IO.File]::WriteAllBytes($path, $Content) } else { [IO.File]::WriteAllText($path, [string]$Content) }
        $path
    }
    $pemBlock = { param([string] $Label, [byte[]] $Bytes) "-----BEGIN $Label-----`n$([Convert]::ToBase64String($Bytes, 'InsertLineBreaks'))`n-----END $Label-----`n" }
    $f.Missing = Join-Path $dir 'does-not-exist.pem'
    $f.Empty = Add-InputFile 'empty.pem' ''
    $f.GarbageText = Add-InputFile 'garbage.txt' "this is not a certificate`n"
    $f.GoodCrt = Add-InputFile 'good.crt' $good.CertPem
    $f.GoodKey = Add-InputFile 'good.key' $good.KeyPem
    $f.GoodDer = Add-InputFile 'good.der' $good.Certificate.RawData
    $f.OtherKey = Add-InputFile 'other.key' $other.KeyPem
    $f.ExpiredCrt = Add-InputFile 'expired.crt' $expired.CertPem
    $f.ExpiredKey = Add-InputFile 'expired.key' $expired.KeyPem
    $f.FutureCrt = Add-InputFile 'future.crt' $future.CertPem
    $f.FutureKey = Add-InputFile 'future.key' $future.KeyPem
    $f.WeakCrt = Add-InputFile 'weak.crt' $weak.ExportCertificatePem()
    $f.WeakKey = Add-InputFile 'weak.key' $weakKey.ExportPkcs8PrivateKeyPem()
    $f.NotACertificatePem = & $pemBlock 'CERTIFICATE' ([Text.Encoding]::ASCII.GetBytes('this is no DER certificate at all'))
    $f.NotACertificate = Add-InputFile 'not-a-certificate.crt' $f.NotACertificatePem
    $f.BadBase64Pem = Add-InputFile 'bad-base64.crt' "-----BEGIN CERTIFICATE-----`n!!!! not base64 ****`n-----END CERTIFICATE-----`n"
    $f.NotAKey = Add-InputFile 'not-a-key.key' (& $pemBlock 'PRIVATE KEY' ([Text.Encoding]::ASCII.GetBytes('this is no PKCS#8 key at all')))
    $pbe = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', 'SHA256', 1000)
    $f.EncryptedKey = Add-InputFile 'encrypted.key' $good.Key.ExportEncryptedPkcs8PrivateKeyPem('key-pass-789', $pbe)
    $f.DsaKey = Add-InputFile 'dsa.key' ([System.Security.Cryptography.DSA]::Create(1024).ExportPkcs8PrivateKeyPem())
    $f.Pfx = New-TestPfx $good (Join-Path $dir 'good.pfx') $pw
    $f.ExpiredPfx = New-TestPfx $expired (Join-Path $dir 'expired.pfx') $pw
    $pfxBytes = [IO.File]::ReadAllBytes($f.Pfx)
    $f.TruncatedPfx = Add-InputFile 'truncated.pfx' ([byte[]]$pfxBytes[0..($pfxBytes.Length / 2)])
    $f.NoKeyPfx = Add-InputFile 'nokey.pfx' $publicOnly.Export('Pfx', $password)

    # Kubeconfigs: the cluster's own, bent one way each.
    $kubeText = Get-Content $cluster.KubeConfig -Raw
    $serverUrl = [regex]::Match($kubeText, 'server:\s*(\S+)').Groups[1].Value
    $f.Garbage = Add-InputFile 'garbage.kubeconfig' "{{{ this: is: not [yaml`n"
    $f.NoCurrent = Add-InputFile 'nocurrent.kubeconfig' ($kubeText -replace 'current-context:.*', '')
    $f.NoCluster = Add-InputFile 'nocluster.kubeconfig' ($kubeText -replace '(?m)^(\s+cluster:\s*)\S+\s*$', '$1no-such-cluster')
    $f.BadCa = Add-InputFile 'badca.kubeconfig' ($kubeText -replace 'certificate-authority-data:\s*\S+', 'certificate-authority-data: bm90IGEgY2VydGlmaWNhdGU=')
    $f.CaFileMissing = Add-InputFile 'cafile.kubeconfig' ($kubeText -replace 'certificate-authority-data:\s*\S+', "certificate-authority: $($f.Missing)")
    $f.WrongCa = Add-InputFile 'wrongca.kubeconfig' ($kubeText -replace 'certificate-authority-data:\s*\S+', "certificate-authority-data: $([Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($other.CertPem)))")
    $f.BadClientCert = Add-InputFile 'badclient.kubeconfig' ($kubeText -replace '(?m)^(\s+)token:.*$', "`$1client-certificate-data: bm90IGEgY2VydA==`n`$1client-key-data: bm90IGEga2V5")
    $f.BadToken = Add-InputFile 'badtoken.kubeconfig' ($kubeText -replace '(?m)^(\s+)token:.*$', '$1token: "not-the-token"')
    $f.ServerNotUrl = Add-InputFile 'servernoturl.kubeconfig' ($kubeText -replace 'server:\s*\S+', 'server: "not a url"')
    $f.Unreachable = Add-InputFile 'unreachable.kubeconfig' ($kubeText -replace 'server:\s*https://[^\s/]+', 'server: https://127.0.0.1:9')

    # -Server connections: the test server's URL, token and CA (on a real cluster these rows are skipped).
    $url = if ($cluster.IsReal) { 'https://127.0.0.1:9' } else { $serverUrl }
    $tokenText = [regex]::Match($kubeText, 'token:\s*(\S+)').Groups[1].Value.Trim('"')
    $token = ConvertTo-SecureString ($(if ($tokenText) { $tokenText } else { 'none' })) -AsPlainText -Force
    $badToken = ConvertTo-SecureString 'not-the-token' -AsPlainText -Force
    $caMatch = [regex]::Match($kubeText, 'certificate-authority-data:\s*(\S+)')
    $caPem = if ($caMatch.Success) { [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($caMatch.Groups[1].Value)) } else { $other.CertPem }

    # Credentials over plain http, and a man in the middle holding a certificate of the right CA for other names: a
    # forwarder on 127.0.0.2 in front of the test server, whose certificate names 127.0.0.1, ::1 and localhost.
    $f.HttpServer = Add-InputFile 'http.kubeconfig' ($kubeText -replace 'server:\s*https://', 'server: http://')
    $mitmUrl = 'https://127.0.0.2:9'
    if (-not $cluster.IsReal) {
        if (-not ('IngressCerts.Engine.Tests.Support.LoopbackForwarder' -as [type])) {
            Add-Type -Path (Join-Path $PSScriptRoot '../IngressCerts.Engine.Tests/Support/LoopbackForwarder.cs')
        }
        $forwarder = [IngressCerts.Engine.Tests.Support.LoopbackForwarder]::new('127.0.0.2', '127.0.0.1', ([uri]$serverUrl).Port)
        $mitmUrl = $forwarder.Url
    }
    $f.Mitm = Add-InputFile 'mitm.kubeconfig' ($kubeText -replace [regex]::Escape("server: $serverUrl"), "server: $mitmUrl")

    # Hostile manifests: each once crashed or exhausted the host.
    $f.SelfAlias = Add-InputFile 'self-alias.yaml' "x: &a`n  self: *a`n"
    $f.DeepBrackets = Add-InputFile 'brackets.yaml' ('a: ' + ('[' * 200000))
    $laughs = [Text.StringBuilder]::new("apiVersion: v1`nkind: Secret`nmetadata: {name: lol}`na0: &a0 [""lol"",""lol"",""lol"",""lol"",""lol"",""lol"",""lol"",""lol"",""lol""]`n")
    foreach ($level in 1..8) {
        [void]$laughs.Append("a${level}: &a$level [" + ((1..9 | ForEach-Object { "*a$($level - 1)" }) -join ',') + "]`n")
    }
    [void]$laughs.Append("data: {x: *a8}`n")
    $f.Laughs = Add-InputFile 'laughs.yaml' $laughs.ToString()

    # Keys whose public half matches the certificate but whose private half does not work.
    $rsaIssued = New-TestCertificate -Subject 'CN=rsa.contoso.example' -DnsName 'rsa.contoso.example' -Rsa
    $keys += $rsaIssued.Key
    $corruptEc = New-ForeignScalarKeyPem $good
    $corruptRsa = New-CorruptDKeyPem $rsaIssued

    # A PFX whose key bag asks for more key-derivation iterations than the limit: refused before any is run.
    Add-Type -AssemblyName System.Security.Cryptography.Pkcs
    $slowContents = [System.Security.Cryptography.Pkcs.Pkcs12SafeContents]::new()
    $slowPbe = [System.Security.Cryptography.PbeParameters]::new([System.Security.Cryptography.PbeEncryptionAlgorithm]::Aes256Cbc, [System.Security.Cryptography.HashAlgorithmName]::SHA256, 700000)
    [void]$slowContents.AddShroudedKey($good.Key, $password, $slowPbe)
    [void]$slowContents.AddCertificate($good.Certificate)
    $slowBuilder = [System.Security.Cryptography.Pkcs.Pkcs12Builder]::new()
    $slowBuilder.AddSafeContentsUnencrypted($slowContents)
    $slowBuilder.SealWithMac($password, [System.Security.Cryptography.HashAlgorithmName]::SHA256, 1)
    $f.SlowPfx = Add-InputFile 'slow.pfx' $slowBuilder.Encode()

    # Manifest files.
    $f.BadYaml = Add-InputFile 'bad.yaml' "kind: Secret`nmetadata: [unclosed`n  name: x: y: z`n"
    $f.BadJson = Add-InputFile 'bad.json' '{ "kind": "Secret", "metadata": { "name": '
    $f.ScalarYaml = Add-InputFile 'scalar.yaml' "just a string`n"
    $f.BadBase64Secret = Add-InputFile 'badbase64.yaml' "apiVersion: v1`nkind: Secret`ntype: kubernetes.io/tls`nmetadata:`n  name: b64`n  namespace: files`ndata:`n  tls.crt: '!!! not base64 ***'`n  tls.key: '### nope'`n"
    $manifests = Join-Path $TestDrive 'manifests'
    New-Item -ItemType Directory $manifests | Out-Null
    Set-Content (Join-Path $manifests 'objects.yaml') (@(
            (New-IngressYaml 'files' 'shop' @('shop.contoso.example') 'shop-tls'),
            (New-TlsSecretYaml 'files' 'cm-tls' $other.CertPem '' -Annotations @{ 'cert-manager.io/certificate-name' = 'cm' }),
            "---`napiVersion: v1`nkind: Secret`ntype: Opaque`nmetadata:`n  name: opaque`n  namespace: files`ndata:`n  password: c2VjcmV0"
        ) -join "`n")

    # The cluster: one namespace with an Ingress, and Secrets each refusal needs.
    $ns = New-TestNamespace $cluster 'bad-'
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'shop' @() $null -RuleHosts 'shop.contoso.example')
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'elsewhere' @() $null -RuleHosts 'elsewhere.contoso.example')
    $hostless = ConvertTo-IngressObject $ns 'hostless' @() $null -RuleHosts 'x'
    $hostless.spec.rules = [object[]]@(@{ http = $hostless.spec.rules[0].http })
    Add-ClusterObject $cluster $hostless
    Add-ClusterObject $cluster @{ apiVersion = 'v1'; kind = 'Secret'; type = 'Opaque'; metadata = @{ name = 'opaque'; namespace = $ns }; data = @{ password = 'c2VjcmV0' } }
    Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'cm-tls' $other -Annotations @{ 'cert-manager.io/certificate-name' = 'cm' })
    $frozen = ConvertTo-SecretObject $ns 'frozen-tls' $other
    $frozen.immutable = $true
    Add-ClusterObject $cluster $frozen
    # A kubernetes.io/tls Secret that also holds Istio's generic pair (Istio serves cert and key first).
    $istioPair = ConvertTo-SecretObject $ns 'istio-pair-tls' $other
    $istioPair.data.cert = $istioPair.data.'tls.crt'
    $istioPair.data.key = $istioPair.data.'tls.key'
    Add-ClusterObject $cluster $istioPair
    Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'plain-tls' $other)
    # Gateways (rows that need them run on the test server, which serves the Gateway API): one whose only listener is
    # for another host, one for shop.contoso.example; and a namespace without ReferenceGrants for Secrets it would use.
    $grantless = New-TestNamespace $cluster 'bad-grantless-'
    if (Test-GatewayApiServed $cluster) {
        Add-ClusterObject $cluster (ConvertTo-GatewayObject $ns 'gw' 'api.contoso.example' $ns 'plain-tls')
        Add-ClusterObject $cluster (ConvertTo-GatewayObject $ns 'shopgw' 'shop.contoso.example' $ns 'plain-tls')
        Add-ClusterObject $cluster (ConvertTo-GatewayObject $grantless 'wildgw' '*.contoso.example' $grantless 'other-tls')
        Add-ClusterObject $cluster @{ apiVersion = 'gateway.networking.k8s.io/v1'; kind = 'Gateway'; metadata = @{ name = 'passgw'; namespace = $ns }
            spec = @{ gatewayClassName = 'example'; listeners = @(@{ name = 'pass'; protocol = 'TLS'; port = 443; hostname = 'shop.contoso.example'; tls = @{ mode = 'Passthrough' } }) } }
    }
    # Published with -HistoryLimit 0 over an existing Secret: the record says Updated, but there is nothing to restore.
    Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'nohistory-tls' $other)
    Publish-IngressCertificate @kc -Namespace $ns -SecretName 'nohistory-tls' -PfxPath $f.Pfx -Password $pw -HistoryLimit 0 | Out-Null
    # Created by a publish, then changed by someone else.
    Publish-IngressCertificate @kc -Namespace $ns -SecretName 'changed-tls' -PfxPath $f.Pfx -Password $pw | Out-Null
    Update-ClusterObject $cluster 'secrets' $ns 'changed-tls' @{ data = @{ 'ca.crt' = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($other.CertPem)) } }
    # Created by a publish, then used by an Ingress the publish did not wire.
    Publish-IngressCertificate @kc -Namespace $ns -SecretName 'inuse-tls' -PfxPath $f.Pfx -Password $pw | Out-Null
    Add-ClusterObject $cluster (ConvertTo-IngressObject $ns 'user' @('shop.contoso.example') 'inuse-tls')
    # Published over, then undone: its last publish is spent, and a second undo has nothing to undo.
    Add-ClusterObject $cluster (ConvertTo-SecretObject $ns 'undone-tls' $other)
    Publish-IngressCertificate @kc -Namespace $ns -SecretName 'undone-tls' -PfxPath $f.Pfx -Password $pw | Out-Null
    Undo-IngressCertificate @kc -Namespace $ns -SecretName 'undone-tls' -Confirm:$false | Out-Null

    # A request pending for 'pending-tls', and certificates for its key that must be refused: expired, and without a host.
    $pendingRequest = New-IngressCertificateRequest @kc -Namespace $ns -SecretName 'pending-tls' -Host 'shop.contoso.example', 'api.contoso.example'
    $signPending = {
        param([string[]] $Names, [int] $Days, [int] $DaysAgo)
        $csr = [System.Security.Cryptography.X509Certificates.CertificateRequest]::LoadSigningRequestPem($pendingRequest.Csr, 'SHA256')
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=pending', $csr.PublicKey, 'SHA256')
        $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        foreach ($n in $Names) { $san.AddDnsName($n) }
        $req.CertificateExtensions.Add($san.Build())
        $req.Create($other.Certificate.SubjectName, [System.Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($other.Key),
            [DateTimeOffset]::UtcNow.AddDays(-$DaysAgo), [DateTimeOffset]::UtcNow.AddDays($Days), [byte[]](1, 2, 3)).ExportCertificatePem()
    }
    $pendingExpired = & $signPending @('shop.contoso.example', 'api.contoso.example') -1 30
    $pendingOtherHost = & $signPending @('shop.contoso.example') 90 1
    $pendingGood = & $signPending @('shop.contoso.example', 'api.contoso.example') 90 1
    $pendingKey = Get-ClusterObject $cluster "/api/v1/namespaces/$ns/secrets/$($pendingRequest.PendingSecretName)"
    $pendingKeyPem = [Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($pendingKey.data.'tls.key'))

    # Text that must never show in an error: any test key, as PEM or as base64 of its PKCS#8 form.
    $keyFragments = foreach ($k in $keys) {
        $b64 = [Convert]::ToBase64String($k.ExportPkcs8PrivateKey())
        $b64.Substring(20, 32)
        ($k.ExportPkcs8PrivateKeyPem() -split "`n")[1].Substring(10, 32)
    }
    $keyFragments += ($pendingKeyPem -split "`n")[1].Substring(10, 32)

    # Writes the test server has seen: the lines Get-TestServerWrite reads (method, path, user, status), counted with
    # array operators because its per-line pipeline costs ~0.2 s per call on a long log, twice for every row. A
    # SelfSubjectAccessReview or a dry run changes nothing and is not counted.
    function Get-WriteCount {
        if ($cluster.IsReal -or -not (Test-Path $cluster.Server.RequestLog)) { return 0 }
        @([IO.File]::ReadAllLines($cluster.Server.RequestLog) -notmatch '^GET\t' -notmatch 'accessreviews|dryRun=All').Count
    }
}

AfterAll {
    if ($forwarder) { $forwarder.Dispose() }
    if ($bare) { Stop-KubeTestServer $bare }
    Remove-TestCluster $cluster
}

Describe 'Bad input' {
    It '<Id>: <Input> -> <ErrorId> (<Cmdlet>)' -ForEach $rows {
        if ($Pending) { Set-ItResult -Skipped -Because $Pending; return }
        if ($ServerOnly -and $cluster.IsReal) { Set-ItResult -Skipped -Because 'needs the test server'; return }

        # Made again here, unbound, so that the row's block sees this scope's variables ($kc, $ns, $f, ...).
        $call = [scriptblock]::Create($Run.ToString())
        $writesBefore = Get-WriteCount
        $err = $null
        try {
            $ErrorActionPreference = 'Stop'
            & $call *> $null
        }
        catch {
            $err = $_
        }
        finally {
            $ErrorActionPreference = 'Continue'
        }

        $err | Should -Not -BeNullOrEmpty -Because 'the bad input raises an error'
        $shown = "$($err.FullyQualifiedErrorId) [$($err.CategoryInfo.Category)] target=[$($err.TargetObject)]: $($err.Exception.Message)"
        $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*" -Because $shown
        $err.CategoryInfo.Category | Should -Be $Category -Because $shown
        if ($Binding) {
            # PowerShell's parameter binder refuses these before the cmdlet runs: its errors name the parameter, not a target.
            $err.Exception.ParameterName | Should -Not -BeNullOrEmpty -Because "the error names the parameter: $shown"
        }
        else {
            $err.TargetObject | Should -Not -BeNullOrEmpty -Because "the error names the input: $shown"
        }
        if ($Message) { $err.Exception.Message | Should -BeLike (& ([scriptblock]::Create($Message.ToString()))) -Because $shown }
        $text = "$($err.Exception.Message)`n$($err.ErrorDetails.Message)`n$err"
        $text | Should -Not -Match '(?m)^\s+at ' -Because 'an error shows no stack trace'
        $text | Should -Not -CMatch '-----BEGIN [A-Z ]*PRIVATE KEY-----' -Because 'an error shows no key'
        foreach ($fragment in $keyFragments) { $text.Contains($fragment) | Should -BeFalse -Because 'an error shows no key material' }
        if (-not $Writes) { Get-WriteCount | Should -Be $writesBefore -Because 'bad input sends no write' }
    }

    It 'tries at least 80 bad inputs that pass today, across every cmdlet that takes input' -ForEach @(@{ AllRows = $rows }) {
        $rows = $AllRows
        # PowerShell's binder refuses the Binding rows on its own: they are not counted.
        @($rows | Where-Object { -not $_.Pending -and -not $_.Binding }).Count | Should -BeGreaterOrEqual 80
        $rows.Cmdlet | Select-Object -Unique | Sort-Object | Should -Be @('Complete-IngressCertificateRequest', 'Export-IngressCertificateReport', 'Get-IngressCertificate', 'Get-IngressCertificateHistory', 'Get-IngressCertificateRequest', 'New-IngressCertificateRequest', 'Publish-IngressCertificate', 'Remove-IngressCertificateRequest', 'Sync-IngressCertificate', 'Test-IngressCertificate', 'Undo-IngressCertificate')
        $rows.Id | Group-Object | Where-Object Count -gt 1 | ForEach-Object Name | Should -BeNullOrEmpty -Because 'Ids are unique'
    }

    It 'is the table docs/bad-inputs.md shows, row for row' -ForEach @(@{ AllRows = $rows }) {
        $rows = $AllRows
        $doc = Get-Content (Join-Path $PSScriptRoot '../../docs/bad-inputs.md')
        $shown = @($doc | Where-Object { $_ -match '^\| `' } | ForEach-Object {
                $cells = ($_.Trim('|') -split ' \| ').Trim() -replace '^`|`$', ''
                $cells -join ' | '
            })
        $expected = @($rows | ForEach-Object { "$($_.Id) | $($_.Cmdlet) | $($_.Input) | $($_.ErrorId) | $($_.Category)" })
        $missing = $expected | Where-Object { $_ -notin $shown }
        $extra = $shown | Where-Object { $_ -notin $expected }
        $table = ($rows | ForEach-Object { "| ``$($_.Id)`` | $($_.Cmdlet) | $($_.Input) | ``$($_.ErrorId)`` | $($_.Category) |" }) -join "`n"
        $missing | Should -BeNullOrEmpty -Because "docs/bad-inputs.md must list every row of this file; the table is:`n$table`n"
        $extra | Should -BeNullOrEmpty -Because 'docs/bad-inputs.md lists no row this file does not try'
    }
}

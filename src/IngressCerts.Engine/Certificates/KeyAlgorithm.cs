namespace IngressCerts.Engine.Certificates;

/// <summary>The public-key algorithm of a certificate or private key.</summary>
/// <remarks>Member names are the words shown to users, hence the upper-case acronyms.</remarks>
public enum KeyAlgorithm
{
    /// <summary>An algorithm this engine does not analyse (DSA, Ed448, ...).</summary>
    Unknown = 0,
    RSA = 1,
    ECDSA = 2,
    Ed25519 = 3,
}

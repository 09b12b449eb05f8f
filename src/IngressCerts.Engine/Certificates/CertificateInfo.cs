using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IngressCerts.Engine.Certificates;

/// <summary>
/// One certificate with every property the analysis asks for, read once from its DER encoding.
/// </summary>
/// <remarks>
/// The fields are read with <see cref="AsnDecoder"/> (see <see cref="SpanAsnReader"/>) rather than through <see cref="X509Certificate2"/>: the platform's
/// decoding costs about 160 µs per certificate (OpenSSL on Linux) against about 5 µs here, and a scan meets thousands of
/// distinct leaves. The <see cref="Certificate"/> object is made only when something asks for it (the output's
/// Certificate property, a chain build the fast path cannot answer). Names are formatted by
/// <see cref="X500DistinguishedName"/>, which is what <see cref="X509Certificate2.Subject"/> returns too. A certificate
/// the managed reader cannot read but the platform can is read through the platform instead, so no input that loaded
/// before is refused now.
/// </remarks>
internal sealed class CertificateInfo
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string BasicConstraintsOid = "2.5.29.19";
    private const string SubjectKeyIdOid = "2.5.29.14";
    private const string AuthorityKeyIdOid = "2.5.29.35";
    private const string KeyUsageOid = "2.5.29.15";
    private const string ExtendedKeyUsageOid = "2.5.29.37";
    private const string NameConstraintsOid = "2.5.29.30";
    private const string PolicyConstraintsOid = "2.5.29.36";
    private const string PolicyMappingsOid = "2.5.29.33";
    private const string InhibitAnyPolicyOid = "2.5.29.54";
    private const string CommonNameOid = "2.5.4.3";

    private static readonly Asn1Tag VersionTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag ExtensionsTag = new(TagClass.ContextSpecific, 3, isConstructed: true);
    private static readonly Asn1Tag DnsNameTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag IPAddressTag = new(TagClass.ContextSpecific, 7);
    private static readonly Asn1Tag KeyIdentifierTag = new(TagClass.ContextSpecific, 0);
    private static readonly Asn1Tag IssuerUniqueIdTag = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag SubjectUniqueIdTag = new(TagClass.ContextSpecific, 2);

    private readonly byte[] der;
    private readonly ReadOnlyMemory<byte> subjectName;
    private readonly ReadOnlyMemory<byte> issuerName;
    private readonly byte[]? subjectKeyId;
    private readonly byte[]? authorityKeyId;
    private readonly bool ownsCertificate;
    private readonly Func<PublicKeyIdentity>? platformPublicKey;
    private X509Certificate2? certificate;
    private PublicKeyIdentity? publicKey;
    private byte[]? sha256;
    private string? sha256Hex;
    private string? thumbprint;
    private string? displayName;
    private string? issuerDisplayName;
    private string[]? normalizedDnsNames;

    private CertificateInfo(byte[] der, byte[]? sha256, X509Certificate2? certificate, bool ownsCertificate, Fields fields)
    {
        this.der = der;
        this.sha256 = sha256;
        this.certificate = certificate;
        this.ownsCertificate = ownsCertificate;
        subjectName = fields.SubjectName;
        issuerName = fields.IssuerName;
        subjectKeyId = fields.SubjectKeyId;
        authorityKeyId = fields.AuthorityKeyId;
        Subject = fields.Subject;
        Issuer = fields.Issuer;
        NotBefore = fields.NotBefore;
        NotAfter = fields.NotAfter;
        SerialNumber = fields.SerialNumber;
        SignatureAlgorithmOid = fields.SignatureAlgorithmOid;
        HasSubjectAltNames = fields.HasSubjectAltNames;
        DnsNames = fields.DnsNames;
        IPAddresses = fields.IPAddresses;
        IsCertificateAuthority = fields.IsCertificateAuthority;
        Signed = fields.Signed;
        NeedsFullChainBuild = fields.NeedsFullChainBuild;
        ConstrainsSubordinates = fields.ConstrainsSubordinates;
        publicKey = fields.PublicKey;
        platformPublicKey = fields.PlatformPublicKey;
        IsSelfIssued = subjectName.Span.SequenceEqual(issuerName.Span) && KeyIdsAgree(authorityKeyId, subjectKeyId);
    }

    /// <summary>The facts of an existing certificate; this object uses (and never disposes) that instance.</summary>
    public CertificateInfo(X509Certificate2 certificate)
        : this(certificate, certificate.RawData)
    {
    }

    // RawData copies the encoding on every call: take it once.
    private CertificateInfo(X509Certificate2 certificate, byte[] der)
        : this(der, null, certificate, ownsCertificate: false, ReadManaged(der) ?? ReadPlatform(certificate))
    {
    }

    /// <summary>
    /// Reads a DER certificate; null when it is not one (neither this reader nor the platform can read it).
    /// <paramref name="sha256"/> is the SHA-256 of <paramref name="der"/> when the caller has it already.
    /// </summary>
    public static CertificateInfo? TryRead(byte[] der, byte[]? sha256 = null)
    {
        if (ReadManaged(der) is { } fields)
        {
            return new CertificateInfo(der, sha256, null, ownsCertificate: true, fields);
        }

        X509Certificate2? loaded = null;
        try
        {
            loaded = new X509Certificate2(der);
            return new CertificateInfo(der, sha256, loaded, ownsCertificate: true, ReadPlatform(loaded));
        }
        catch (CryptographicException)
        {
            // Not a certificate, or one whose fields the platform cannot give either: the caller reports it unreadable.
            loaded?.Dispose();
            return null;
        }
    }

    /// <summary>
    /// <see cref="TryRead(byte[], byte[])"/> on a copy of <paramref name="der"/>, which is wiped when it is no certificate:
    /// what was decoded from a CERTIFICATE block may be a key pasted under that label.
    /// </summary>
    internal static CertificateInfo? TryReadCopy(ReadOnlySpan<byte> der, byte[]? sha256 = null)
    {
        var copy = der.ToArray();
        var read = TryRead(copy, sha256);
        if (read is null)
        {
            CryptographicOperations.ZeroMemory(copy);
        }

        return read;
    }

    /// <summary>The platform's certificate object, made on first use; shared, never to be disposed by callers.</summary>
    /// <exception cref="CryptographicException">The platform cannot read a certificate the managed reader could.</exception>
    public X509Certificate2 Certificate
    {
        get
        {
            if (certificate is { } existing)
            {
                return existing;
            }

            var created = new X509Certificate2(der);
            var winner = Interlocked.CompareExchange(ref certificate, created, null);
            if (winner is not null)
            {
                created.Dispose();
                return winner;
            }

            return created;
        }
    }

    /// <summary>The certificate's DER encoding (not to be modified).</summary>
    public byte[] RawData => der;

    public string Subject { get; }

    /// <summary>The encoded subject name, for comparisons.</summary>
    public ReadOnlySpan<byte> SubjectNameBytes => subjectName.Span;

    /// <summary>The encoded issuer name, for comparisons.</summary>
    public ReadOnlySpan<byte> IssuerNameBytes => issuerName.Span;

    /// <summary>The authority key identifier, when the certificate names one.</summary>
    public ReadOnlySpan<byte> AuthorityKeyId => authorityKeyId;

    public string Issuer { get; }

    public DateTimeOffset NotBefore { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>Upper-case hex of the serial number's encoding, as <see cref="X509Certificate2.SerialNumber"/> shows it.</summary>
    public string SerialNumber { get; }

    /// <summary>The OID of the algorithm the issuer signed with.</summary>
    public string SignatureAlgorithmOid { get; }

    public bool HasSubjectAltNames { get; }

    public IReadOnlyList<string> DnsNames { get; }

    /// <summary><see cref="DnsNames"/> as <see cref="HostMatcher.Normalize"/> makes them, for matching hosts.</summary>
    public IReadOnlyList<string> NormalizedDnsNames => normalizedDnsNames ??= DnsNames.Select(HostMatcher.Normalize).ToArray();

    public IReadOnlyList<IPAddress> IPAddresses { get; }

    /// <summary>Basic constraints say CA:TRUE.</summary>
    public bool IsCertificateAuthority { get; }

    /// <summary>Subject and issuer are the same (a root, or a self-signed leaf).</summary>
    public bool IsSelfIssued { get; }

    /// <summary>The signed part, the signature and the issuer-facing key info; null when read through the platform.</summary>
    public SignedParts? Signed { get; }

    /// <summary>
    /// A chain build may judge this certificate on more than its issuer and signature: a critical extension other
    /// than key usage, extended key usage, basic constraints and SANs, one of those four not decoding, an authority
    /// key identifier naming the issuer by name and serial, or a certificate the platform had to read.
    /// </summary>
    public bool NeedsFullChainBuild { get; }

    /// <summary>Name constraints or policy constraints, mappings or inhibitions: what a chain build checks against subordinates.</summary>
    public bool ConstrainsSubordinates { get; }

    public PublicKeyIdentity PublicKey => publicKey ??= platformPublicKey?.Invoke() ?? PublicKeyIdentity.FromCertificate(Certificate);

    /// <summary>SHA-256 of the encoding.</summary>
    public ReadOnlySpan<byte> Sha256 => sha256 ??= SHA256.HashData(der);

    public string Sha256Fingerprint => sha256Hex ??= Convert.ToHexString(Sha256);

    /// <summary>SHA-1 of the encoding, upper-case hex, as <see cref="X509Certificate2.Thumbprint"/>.</summary>
    public string Thumbprint => thumbprint ??= Convert.ToHexString(SHA1.HashData(der));

    /// <summary>The subject's common name, or the whole subject when it has none; for messages.</summary>
    public string DisplayName => displayName ??= CommonName(subjectName.Span) ?? PlatformSimpleName(forIssuer: false) ?? Subject;

    /// <summary>The issuer's common name, or the whole issuer when it has none; for messages.</summary>
    public string IssuerDisplayName => issuerDisplayName ??= IssuerNames.Of(issuerName.Span).CommonName ?? PlatformSimpleName(forIssuer: true) ?? Issuer;

    /// <summary>
    /// True when <paramref name="issuer"/> is this certificate's issuer by name, and by key
    /// identifier when both carry one (which tells cross-signed or re-keyed CAs apart).
    /// Names are compared as encoded: CAs copy their subject into what they issue.
    /// </summary>
    public bool IsIssuedBy(CertificateInfo issuer) =>
        issuerName.Span.SequenceEqual(issuer.subjectName.Span) && KeyIdsAgree(authorityKeyId, issuer.subjectKeyId);

    /// <summary>The last chain answer for this certificate as a leaf (see <see cref="ChainVerifier"/>); replaced whole, so thread-safe.</summary>
    internal ChainVerifier.ChainAnswer? LastChainAnswer { get; set; }

    /// <summary>Disposes the platform object if this instance made it; it is made again when asked for.</summary>
    public void ReleaseCertificate()
    {
        if (ownsCertificate && Interlocked.Exchange(ref certificate, null) is { } made)
        {
            made.Dispose();
        }
    }

    /// <summary>The first common name of an encoded name; null when there is none.</summary>
    internal static string? CommonName(ReadOnlySpan<byte> encodedName)
    {
        if (TryReadCommonName(encodedName, out var commonName))
        {
            return commonName;
        }

        try
        {
            foreach (var rdn in new X500DistinguishedName(encodedName).EnumerateRelativeDistinguishedNames())
            {
                if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == CommonNameOid && rdn.GetSingleElementValue() is { Length: > 0 } value)
                {
                    return value;
                }
            }

            return null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// What <see cref="CommonName"/> finds through <see cref="X500DistinguishedName"/> (the last single-valued CN that is
    /// not empty, as that enumerates the names reversed), read in place for the usual names: a distinct leaf's display
    /// name cost about 470 bytes of objects that way. False when the name holds what only the platform should judge
    /// (a multi-valued RDN, a string type other than UTF8String and PrintableString, anything that does not decode as
    /// DER); then the platform reads it.
    /// </summary>
    private static bool TryReadCommonName(ReadOnlySpan<byte> encodedName, out string? commonName)
    {
        commonName = null;
        try
        {
            // Every attribute is read before any is used (a name the platform would refuse anywhere goes to it), and
            // the common names are remembered by where their values lie.
            var outer = new SpanAsnReader(encodedName, AsnEncodingRules.DER);
            var names = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            Span<Range> commonNames = stackalloc Range[8];
            var count = 0;
            while (names.HasData)
            {
                var set = names.ReadSetOf();
                var attribute = set.ReadSequence();
                var type = attribute.ReadObjectIdentifier();
                var value = attribute.ReadEncodedValue();
                attribute.ThrowIfNotEmpty();
                if (set.HasData)
                {
                    return false; // a multi-valued RDN: left to the platform
                }

                if (type == CommonNameOid)
                {
                    if (count == commonNames.Length)
                    {
                        return false;
                    }

                    commonNames[count++] = value;
                }
            }

            for (var i = count - 1; i >= 0; i--)
            {
                var reader = new SpanAsnReader(encodedName, AsnEncodingRules.DER, commonNames[i]);
                var tag = reader.PeekTag();
                if (tag.TagClass != TagClass.Universal || (tag.TagValue != (int)UniversalTagNumber.UTF8String && tag.TagValue != (int)UniversalTagNumber.PrintableString))
                {
                    return false;
                }

                // Trailing NULs trimmed as the platform trims them: "a\0" is "a" there, and "\0" no name at all.
                var text = reader.ReadCharacterString((UniversalTagNumber)tag.TagValue).TrimEnd('\0');
                if (text.Length > 0)
                {
                    commonName = text;
                    return true;
                }
            }

            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The platform's simple name (GetNameInfo), for names without a common name: its fallbacks differ between
    /// platforms, and such names are rare enough for the cost of making the certificate object. Null when empty.
    /// </summary>
    private string? PlatformSimpleName(bool forIssuer)
    {
        try
        {
            return Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer) is { Length: > 0 } name ? name : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static bool KeyIdsAgree(byte[]? authorityKeyId, byte[]? subjectKeyId) =>
        authorityKeyId is null || subjectKeyId is null || authorityKeyId.AsSpan().SequenceEqual(subjectKeyId);

    /// <summary>Every field, read with <see cref="SpanAsnReader"/>; null when <paramref name="der"/> is not a certificate this reader understands.</summary>
    private static Fields? ReadManaged(byte[] der)
    {
        try
        {
            var outer = new SpanAsnReader(der, AsnEncodingRules.DER);
            var certificateSequence = outer.ReadSequence();
            if (outer.HasData)
            {
                return null;
            }

            var tbsRange = certificateSequence.ReadEncodedValue();
            var tbsEncoded = der.AsMemory(tbsRange);
            var outerAlgorithm = der.AsSpan(certificateSequence.ReadEncodedValue());
            var signatureAlgorithmOid = ReadAlgorithmOid(outerAlgorithm);
            if (!certificateSequence.TryReadPrimitiveBitString(out var unusedBits, out var signatureRange) || unusedBits != 0)
            {
                return null;
            }

            var signature = der.AsMemory(signatureRange);
            certificateSequence.ThrowIfNotEmpty();

            // Strict on structure: whatever this reader would skip over (trailing fields, a second extensions block,
            // an unknown version) goes to the platform instead, which refuses what OpenSSL refuses. The TBS is read
            // in place, so that the ranges read from it are offsets into der.
            var tbs = new SpanAsnReader(der, AsnEncodingRules.DER, tbsRange).ReadSequence();
            var version = 0;
            if (tbs.PeekTag().HasSameClassAndValue(VersionTag))
            {
                var versionField = tbs.ReadSequence(VersionTag);
                if (!versionField.TryReadInt32(out version) || version is < 0 or > 2)
                {
                    return null;
                }

                versionField.ThrowIfNotEmpty();
            }

            var serial = tbs.ReadIntegerBytes();
            var innerAlgorithm = der.AsSpan(tbs.ReadEncodedValue());
            var issuer = der.AsMemory(tbs.ReadEncodedValue());
            var validity = tbs.ReadSequence();
            var notBefore = validity.ReadTime();
            var notAfter = validity.ReadTime();
            validity.ThrowIfNotEmpty();
            var subject = der.AsMemory(tbs.ReadEncodedValue());
            var spkiEncoded = der.AsMemory(tbs.ReadEncodedValue());

            var fields = new Fields
            {
                IssuerName = issuer,
                SubjectName = subject,
                NotBefore = notBefore,
                NotAfter = notAfter,
                SerialNumber = Convert.ToHexString(serial),
                SignatureAlgorithmOid = signatureAlgorithmOid,
            };
            fields.Issuer = IssuerNames.Of(issuer.Span).Name;
            fields.Subject = NameFormatter.TryFormat(subject.Span) ?? new X500DistinguishedName(subject.Span).Name;
            fields.PublicKey = ReadPublicKey(spkiEncoded.Span);

            foreach (var optional in (ReadOnlySpan<Asn1Tag>)[IssuerUniqueIdTag, SubjectUniqueIdTag])
            {
                if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(optional))
                {
                    tbs.ReadEncodedValue();
                }
            }

            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(ExtensionsTag))
            {
                var wrapper = tbs.ReadSequence(ExtensionsTag);
                var extensions = wrapper.ReadSequence();
                ReadExtensions(ref extensions, fields);
                wrapper.ThrowIfNotEmpty();
            }

            tbs.ThrowIfNotEmpty();

            // A chain build checks more of the leaf than the shortcut does; where the two could disagree, the
            // signed parts are left out and the leaf gets a full build: a signature algorithm named differently
            // inside and outside the signed part, or extension trouble that ReadExtensions marked.
            fields.Signed = fields.NeedsFullChainBuild || !innerAlgorithm.SequenceEqual(outerAlgorithm)
                ? null
                : new SignedParts(tbsEncoded, signatureAlgorithmOid, signature, spkiEncoded);
            return fields;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>AlgorithmIdentifier ::= SEQUENCE { OID, parameters ANY OPTIONAL }, nothing after.</summary>
    private static string ReadAlgorithmOid(ReadOnlySpan<byte> encoded)
    {
        var reader = new SpanAsnReader(encoded, AsnEncodingRules.DER);
        var algorithm = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var oid = algorithm.ReadObjectIdentifier();
        if (algorithm.HasData)
        {
            algorithm.ReadEncodedValue();
        }

        algorithm.ThrowIfNotEmpty();
        return oid;
    }

    private static void ReadExtensions(ref SpanAsnReader extensions, Fields fields)
    {
        var dnsNames = new List<string>();
        var ipAddresses = new List<IPAddress>();
        // A handful of extensions per certificate: a short list finds a repeated one as fast as a set, for less memory.
        var seen = new List<string>(8);
        while (extensions.HasData)
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            // DER has no constructed OCTET STRING: AsnReader.ReadOctetString refuses one as well.
            if (!extension.TryReadPrimitiveOctetString(out var value))
            {
                throw new AsnContentException();
            }

            extension.ThrowIfNotEmpty();
            if (seen.Contains(oid))
            {
                // OpenSSL rejects a certificate with an extension twice; the platform path and a full build say so.
                throw new AsnContentException();
            }

            seen.Add(oid);
            switch (oid)
            {
                case SubjectAltNameOid:
                    fields.HasSubjectAltNames = true;
                    if (!ReadSubjectAltNames(value, dnsNames, ipAddresses))
                    {
                        fields.NeedsFullChainBuild = true;
                    }

                    break;
                case BasicConstraintsOid:
                    fields.IsCertificateAuthority = ReadBasicConstraints(value, fields);
                    break;
                case SubjectKeyIdOid:
                    fields.SubjectKeyId = ReadSubjectKeyId(value, fields);
                    break;
                case AuthorityKeyIdOid:
                    fields.AuthorityKeyId = ReadAuthorityKeyId(value, fields);
                    break;
                case KeyUsageOid:
                    ReadKeyUsage(value, fields);
                    break;
                case ExtendedKeyUsageOid:
                    ReadOidSequence(value, fields);
                    break;
                case NameConstraintsOid or PolicyConstraintsOid or PolicyMappingsOid or InhibitAnyPolicyOid:
                    fields.ConstrainsSubordinates = true;
                    break;
            }

            if (critical && oid is not (SubjectAltNameOid or BasicConstraintsOid or KeyUsageOid or ExtendedKeyUsageOid))
            {
                fields.NeedsFullChainBuild = true;
            }
        }

        fields.DnsNames = dnsNames;
        fields.IPAddresses = ipAddresses;
    }

    /// <summary>
    /// SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier { OID, parameters }, BIT STRING key }; null when only the
    /// platform can tell (a compressed EC point), which <see cref="PublicKey"/> then asks.
    /// </summary>
    private static PublicKeyIdentity? ReadPublicKey(ReadOnlySpan<byte> spki)
    {
        var sequence = new SpanAsnReader(spki, AsnEncodingRules.DER).ReadSequence();
        var algorithm = sequence.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        var parameters = algorithm.HasData ? spki[algorithm.ReadEncodedValue()] : [];
        var key = sequence.ReadBitString(out _);
        return PublicKeyIdentity.FromEncoded(oid, parameters, key);
    }

    /// <summary>The fields of a certificate the managed reader refused but the platform read (the pre-existing way).</summary>
    private static Fields ReadPlatform(X509Certificate2 certificate)
    {
        var fields = new Fields
        {
            SubjectName = certificate.SubjectName.RawData,
            IssuerName = certificate.IssuerName.RawData,
            Subject = certificate.Subject,
            Issuer = certificate.Issuer,
            NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            SerialNumber = certificate.SerialNumber,
            SignatureAlgorithmOid = certificate.SignatureAlgorithm.Value ?? string.Empty,
            PlatformPublicKey = () => PublicKeyIdentity.FromCertificate(certificate),

            // What the managed reader refused is odd enough that chain shortcuts must not rely on it, above or below.
            NeedsFullChainBuild = true,
            ConstrainsSubordinates = true,
        };

        var dnsNames = new List<string>();
        var ipAddresses = new List<IPAddress>();
        foreach (var extension in certificate.Extensions)
        {
            try
            {
                switch (extension.Oid?.Value)
                {
                    case SubjectAltNameOid:
                        fields.HasSubjectAltNames = true;
                        ReadSubjectAltNames(extension, dnsNames, ipAddresses);
                        break;
                    case BasicConstraintsOid when extension is X509BasicConstraintsExtension basic:
                        fields.IsCertificateAuthority = basic.CertificateAuthority;
                        break;
                    case SubjectKeyIdOid when extension is X509SubjectKeyIdentifierExtension ski:
                        fields.SubjectKeyId = ski.SubjectKeyIdentifierBytes.ToArray();
                        break;
                    case AuthorityKeyIdOid:
                        fields.AuthorityKeyId = ReadAuthorityKeyId(extension);
                        break;
                }
            }
            catch (CryptographicException)
            {
                // A malformed extension is left out here; the chain build (always a full one for such a
                // certificate) reports what it makes of it.
            }
        }

        fields.DnsNames = dnsNames;
        fields.IPAddresses = ipAddresses;
        return fields;
    }

    private static void ReadSubjectAltNames(X509Extension extension, List<string> dnsNames, List<IPAddress> ipAddresses)
    {
        try
        {
            var san = extension as X509SubjectAlternativeNameExtension
                ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
            dnsNames.AddRange(san.EnumerateDnsNames());
            ipAddresses.AddRange(san.EnumerateIPAddresses());
        }
        catch (CryptographicException)
        {
            // A malformed SAN extension covers nothing; the host check then reports every host.
        }
    }

    /// <summary>
    /// GeneralNames ::= SEQUENCE OF GeneralName; dNSName [2] IA5String and iPAddress [7] OCTET STRING are kept, the other
    /// kinds skipped. A malformed extension covers nothing (the host check then reports every host), as with the platform.
    /// </summary>
    private static bool ReadSubjectAltNames(ReadOnlySpan<byte> value, List<string> dnsNames, List<IPAddress> ipAddresses)
    {
        var found = new List<string>();
        var addresses = new List<IPAddress>();
        try
        {
            var reader = new SpanAsnReader(value, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(DnsNameTag))
                {
                    found.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, DnsNameTag));
                }
                else if (tag.HasSameClassAndValue(IPAddressTag))
                {
                    var bytes = names.ReadOctetString(IPAddressTag);
                    if (bytes.Length is not (4 or 16))
                    {
                        return false;
                    }

                    addresses.Add(new IPAddress(bytes));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return false;
        }

        dnsNames.AddRange(found);
        ipAddresses.AddRange(addresses);
        return true;
    }

    // Each extension value below must hold exactly one element; a value that does not decode marks the certificate for
    // a full chain build (OpenSSL fails such a chain) and yields the default.

    /// <summary>BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }.</summary>
    private static bool ReadBasicConstraints(ReadOnlySpan<byte> value, Fields fields)
    {
        try
        {
            var reader = new SpanAsnReader(value, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var ca = sequence.HasData && sequence.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && sequence.ReadBoolean();
            if (sequence.HasData)
            {
                sequence.ReadIntegerBytes();
            }

            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            return ca;
        }
        catch (AsnContentException)
        {
            fields.NeedsFullChainBuild = true;
            return false;
        }
    }

    /// <summary>SubjectKeyIdentifier ::= OCTET STRING.</summary>
    private static byte[]? ReadSubjectKeyId(ReadOnlySpan<byte> value, Fields fields)
    {
        try
        {
            var reader = new SpanAsnReader(value, AsnEncodingRules.DER);
            var keyId = reader.ReadOctetString();
            reader.ThrowIfNotEmpty();
            return keyId;
        }
        catch (AsnContentException)
        {
            fields.NeedsFullChainBuild = true;
            return null;
        }
    }

    /// <summary>KeyUsage ::= BIT STRING; only checked to decode.</summary>
    private static void ReadKeyUsage(ReadOnlySpan<byte> value, Fields fields)
    {
        try
        {
            var reader = new SpanAsnReader(value, AsnEncodingRules.DER);
            reader.ReadBitString(out _);
            reader.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            fields.NeedsFullChainBuild = true;
        }
    }

    /// <summary>ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId (OIDs); only checked to decode.</summary>
    private static void ReadOidSequence(ReadOnlySpan<byte> value, Fields fields)
    {
        try
        {
            var reader = new SpanAsnReader(value, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            while (sequence.HasData)
            {
                sequence.ReadObjectIdentifier();
            }

            reader.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            fields.NeedsFullChainBuild = true;
        }
    }

    /// <summary>
    /// AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OCTET STRING OPTIONAL, authorityCertIssuer [1],
    /// authorityCertSerialNumber [2] }. Issuer and serial take part in how a chain build picks the issuer, which the
    /// issuer-path shortcut does not look at: a certificate that names them gets a full build.
    /// </summary>
    private static byte[]? ReadAuthorityKeyId(ReadOnlySpan<byte> value, Fields fields)
    {
        try
        {
            var reader = new SpanAsnReader(value, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var keyId = sequence.HasData && sequence.PeekTag().HasSameClassAndValue(KeyIdentifierTag) ? sequence.ReadOctetString(KeyIdentifierTag) : null;
            if (sequence.HasData)
            {
                fields.NeedsFullChainBuild = true;
                while (sequence.HasData)
                {
                    sequence.ReadEncodedValue();
                }
            }

            reader.ThrowIfNotEmpty();
            return keyId;
        }
        catch (AsnContentException)
        {
            fields.NeedsFullChainBuild = true;
            return null;
        }
    }

    private static byte[]? ReadAuthorityKeyId(X509Extension extension)
    {
        try
        {
            var aki = extension as X509AuthorityKeyIdentifierExtension
                ?? new X509AuthorityKeyIdentifierExtension(extension.RawData, extension.Critical);
            return aki.KeyIdentifier?.ToArray();
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// The text forms of the issuer name last met on this thread: a fleet's leaves share a few issuers, so their
    /// Issuer strings are made once and shared instead of once per leaf (and kept alive with each result).
    /// </summary>
    private static class IssuerNames
    {
        [ThreadStatic]
        private static Entry? last;

        public static Entry Of(ReadOnlySpan<byte> encoded)
        {
            if (last is { } entry && entry.Encoded.AsSpan().SequenceEqual(encoded))
            {
                return entry;
            }

            return last = new Entry(encoded.ToArray(), NameFormatter.TryFormat(encoded) ?? new X500DistinguishedName(encoded).Name, CommonName(encoded));
        }

        public sealed record Entry(byte[] Encoded, string Name, string? CommonName);
    }

    /// <summary>What a certificate's signature covers and is made of, for checking it with the issuer's key.</summary>
    /// <param name="Tbs">The encoded TBSCertificate: the signed bytes.</param>
    /// <param name="AlgorithmOid">The signature algorithm.</param>
    /// <param name="Signature">The signature value.</param>
    /// <param name="SubjectPublicKeyInfo">This certificate's own encoded SubjectPublicKeyInfo (for checking what it issued).</param>
    internal sealed record SignedParts(ReadOnlyMemory<byte> Tbs, string AlgorithmOid, ReadOnlyMemory<byte> Signature, ReadOnlyMemory<byte> SubjectPublicKeyInfo);

    private sealed class Fields
    {
        public ReadOnlyMemory<byte> SubjectName { get; set; }

        public ReadOnlyMemory<byte> IssuerName { get; set; }

        public string Subject { get; set; } = string.Empty;

        public string Issuer { get; set; } = string.Empty;

        public DateTimeOffset NotBefore { get; set; }

        public DateTimeOffset NotAfter { get; set; }

        public string SerialNumber { get; set; } = string.Empty;

        public string SignatureAlgorithmOid { get; set; } = string.Empty;

        public bool HasSubjectAltNames { get; set; }

        public IReadOnlyList<string> DnsNames { get; set; } = [];

        public IReadOnlyList<IPAddress> IPAddresses { get; set; } = [];

        public bool IsCertificateAuthority { get; set; }

        public byte[]? SubjectKeyId { get; set; }

        public byte[]? AuthorityKeyId { get; set; }

        public bool NeedsFullChainBuild { get; set; }

        public bool ConstrainsSubordinates { get; set; }

        public PublicKeyIdentity? PublicKey { get; set; }

        public Func<PublicKeyIdentity>? PlatformPublicKey { get; set; }

        public SignedParts? Signed { get; set; }
    }
}

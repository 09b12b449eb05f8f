using System.Globalization;

namespace IngressCerts.TestServer.Operations;

/// <summary>Server-set values: RFC 3339 second-precision UTC timestamps and uids, as metav1 prints them.</summary>
internal sealed class SystemClock(TimeProvider time)
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public string Now() => Format(time.GetUtcNow());

    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string NewUid() => Guid.NewGuid().ToString();

    /// <summary>generateName + 5 random characters from the apiserver's alphabet (no vowels).</summary>
    public static string GenerateName(string prefix)
    {
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = GenerateNameAlphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(GenerateNameAlphabet.Length)];
        }
        return prefix + new string(suffix);
    }
}

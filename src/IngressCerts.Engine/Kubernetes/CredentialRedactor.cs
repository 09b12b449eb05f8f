using System.Text.RegularExpressions;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// Blanks what looks like a credential in a line of text that did not come from this module (an exec credential
/// plugin's stderr): bearer and basic authorization values, JWTs, token/password/secret/key fields as JSON or
/// key=value, and long base64 or hex runs. It errs towards redacting: the line is only diagnostics.
/// </summary>
internal static class CredentialRedactor
{
    public const string Marker = "[redacted]";

    // Non-backtracking: a hostile plugin's output must not cost more than its length.
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private static readonly Regex s_field = new(
        @"(""?[a-z0-9_.-]*(?:token|password|passwd|pwd|secret|api[_-]?key|credential|keydata)s?""?\s*[:=]\s*)(""[^""]*""?|'[^']*'?|[^\s,;&}\]]+)",
        Options);

    private static readonly Regex s_scheme = new(@"\b(bearer|basic)\s+[a-z0-9._~+/=-]+", Options);

    private static readonly Regex s_jwt = new(@"eyJ[a-z0-9_-]+(?:\.[a-z0-9_-]*){0,2}", Options);

    // Long runs of base64/hex characters; a run counts only if it holds a digit, which words and most paths do not.
    private static readonly Regex s_run = new(@"[a-z0-9+/_-]{32,}={0,2}", Options);

    public static string Redact(string line)
    {
        string text = s_field.Replace(line, m => m.Groups[1].Value + Marker);
        text = s_scheme.Replace(text, m => m.Groups[1].Value + " " + Marker);
        text = s_jwt.Replace(text, Marker);
        return s_run.Replace(text, m => m.Value.Any(char.IsAsciiDigit) ? Marker : m.Value);
    }
}

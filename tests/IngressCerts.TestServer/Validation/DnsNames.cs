using System.Text.RegularExpressions;

namespace IngressCerts.TestServer.Validation;

/// <summary>
/// The name checks of k8s.io/apimachinery/pkg/util/validation, returning the same messages
/// (RegexError wording included: clients and humans read them).
/// </summary>
internal static partial class DnsNames
{
    private const string LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string SubdomainFormat = LabelFormat + "(\\." + LabelFormat + ")*";
    private const string WildcardFormat = "\\*\\." + SubdomainFormat;
    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";
    private const string ConfigKeyFormat = "[-._a-zA-Z0-9]+";

    [GeneratedRegex("^" + LabelFormat + "$")]
    private static partial Regex LabelRegex();

    [GeneratedRegex("^" + SubdomainFormat + "$")]
    private static partial Regex SubdomainRegex();

    [GeneratedRegex("^" + WildcardFormat + "$")]
    private static partial Regex WildcardRegex();

    [GeneratedRegex("^" + QualifiedNameFormat + "$")]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^" + LabelValueFormat + "$")]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^" + ConfigKeyFormat + "$")]
    private static partial Regex ConfigKeyRegex();

    public static IReadOnlyList<string> Subdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > 253) errors.Add(MaxLength(253));
        if (!SubdomainRegex().IsMatch(value))
        {
            errors.Add(RegexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", SubdomainFormat, "example.com"));
        }
        return errors;
    }

    public static IReadOnlyList<string> Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63) errors.Add(MaxLength(63));
        if (!LabelRegex().IsMatch(value))
        {
            errors.Add(RegexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", LabelFormat, "my-name", "123-abc"));
        }
        return errors;
    }

    public static IReadOnlyList<string> WildcardSubdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > 253) errors.Add(MaxLength(253));
        if (!WildcardRegex().IsMatch(value))
        {
            errors.Add(RegexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", WildcardFormat, "*.example.com"));
        }
        return errors;
    }

    public static IReadOnlyList<string> ConfigKey(string value)
    {
        var errors = new List<string>();
        if (value.Length > 253) errors.Add(MaxLength(253));
        if (!ConfigKeyRegex().IsMatch(value))
        {
            errors.Add(RegexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", ConfigKeyFormat, "key.name", "KEY_NAME", "key-name"));
        }
        if (value is "." or "..") errors.Add($"must not be '{value}'");
        else if (value.StartsWith("..", StringComparison.Ordinal)) errors.Add("must not start with '..'");
        return errors;
    }

    /// <summary>IsQualifiedName: an optional DNS-subdomain prefix and a name part.</summary>
    public static IReadOnlyList<string> QualifiedName(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        if (parts.Length == 1)
        {
            name = parts[0];
        }
        else if (parts.Length == 2)
        {
            var prefix = parts[0];
            name = parts[1];
            if (prefix.Length == 0) errors.Add("prefix part " + EmptyError());
            else errors.AddRange(Subdomain(prefix).Select(m => "prefix part " + m));
        }
        else
        {
            errors.Add("a qualified name " + RegexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QualifiedNameFormat, "MyName", "my.name", "123-abc") + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
            return errors;
        }
        if (name.Length == 0) errors.Add("name part " + EmptyError());
        else if (name.Length > 63) errors.Add("name part " + MaxLength(63));
        if (!QualifiedNameRegex().IsMatch(name))
        {
            errors.Add("name part " + RegexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        }
        return errors;
    }

    public static IReadOnlyList<string> LabelValue(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63) errors.Add(MaxLength(63));
        if (!LabelValueRegex().IsMatch(value))
        {
            errors.Add(RegexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LabelValueFormat, "MyValue", "my_value", "12345"));
        }
        return errors;
    }

    public static bool IsIpAddress(string value) => System.Net.IPAddress.TryParse(value, out _) && (value.Contains(':') || value.Count(c => c == '.') == 3);

    private static string MaxLength(int length) => $"must be no more than {length} characters";

    private static string EmptyError() => "must be non-empty";

    /// <summary>validation.RegexError, byte for byte (note the double space between examples).</summary>
    private static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0) return $"{message} (regex used for validation is '{format}')";
        var text = message + " (e.g. ";
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0) text += " or ";
            text += "'" + examples[i] + "', ";
        }
        return text + "regex used for validation is '" + format + "')";
    }
}

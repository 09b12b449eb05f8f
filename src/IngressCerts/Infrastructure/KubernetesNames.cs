using System.Management.Automation;
using System.Text.RegularExpressions;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>
/// The names the API server accepts: a namespace is an RFC 1123 label, a Secret, Ingress or Gateway an RFC 1123
/// subdomain. Checked before any request, so that a bad name is one clear InvalidName error naming it, not a
/// "not found" for an object that cannot exist (or a request path with '/' or '..' in it).
/// </summary>
internal static partial class KubernetesNames
{
    private const string LabelRule = "a lowercase RFC 1123 label: letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
    private const string SubdomainRule = "a lowercase RFC 1123 subdomain: letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters";

    /// <summary>An InvalidName error for <paramref name="value"/> of <paramref name="parameter"/>, or null when it is a valid name (or not given).</summary>
    public static ErrorRecord? CheckNamespace(string parameter, string? value, bool wildcards = false) =>
        Check(parameter, value, "namespace name", LabelRule, wildcards ? IsLabelPattern : IsLabel);

    /// <inheritdoc cref="CheckNamespace"/>
    public static ErrorRecord? CheckObjectName(string parameter, string? value) =>
        Check(parameter, value, "object name", SubdomainRule, IsSubdomain);

    private static ErrorRecord? Check(string parameter, string? value, string what, string rule, Func<string, bool> isValid) =>
        string.IsNullOrEmpty(value) || isValid(value)
            ? null
            : new ErrorRecord(
                new ArgumentException($"-{parameter} '{value}' is not a valid {what}: it must be {rule}."),
                "InvalidName",
                ErrorCategory.InvalidArgument,
                value);

    private static bool IsLabel(string value) => value.Length <= 63 && Label().IsMatch(value);

    private static bool IsSubdomain(string value) => value.Length <= 253 && Subdomain().IsMatch(value);

    // A wildcard pattern (-Namespace prod-*) is resolved against the cluster's namespaces: only its characters are checked.
    private static bool IsLabelPattern(string value) =>
        WildcardPattern.ContainsWildcardCharacters(value) ? LabelPattern().IsMatch(value) : IsLabel(value);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[-a-z0-9*?\\[\\]]+$")]
    private static partial Regex LabelPattern();
}

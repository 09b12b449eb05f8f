namespace IngressCerts.TestServer.Api;

/// <summary>
/// One validation failure, shaped like k8s.io/apimachinery field.Error so that
/// messages and causes read exactly as the real API server writes them.
/// </summary>
internal sealed record FieldError(string Reason, string Field, string Body)
{
    public override string ToString() => $"{Field}: {Body}";

    public static FieldError Required(string field, string detail = "") =>
        new("FieldValueRequired", field, detail.Length == 0 ? "Required value" : $"Required value: {detail}");

    /// <summary>Invalid value; Go prints string values with %q.</summary>
    public static FieldError Invalid(string field, string value, string detail) =>
        new("FieldValueInvalid", field, $"Invalid value: {GoQuote.Quote(value)}: {detail}");

    public static FieldError Forbidden(string field, string detail) =>
        new("FieldValueForbidden", field, $"Forbidden: {detail}");

    public static FieldError NotSupported(string field, string value, IEnumerable<string> valid) =>
        new("FieldValueNotSupported", field,
            $"Unsupported value: {GoQuote.Quote(value)}: supported values: {string.Join(", ", valid.Select(GoQuote.Quote))}");

    public static FieldError TooLong(string field, int max) =>
        new("FieldValueTooLong", field, $"Too long: must have at most {max} bytes");
}

/// <summary>Go's %q for the plain ASCII strings Kubernetes names hold.</summary>
internal static class GoQuote
{
    public static string Quote(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                case '\r': builder.Append("\\r"); break;
                default:
                    if (c < 0x20) builder.Append($"\\x{(int)c:x2}");
                    else builder.Append(c);
                    break;
            }
        }
        builder.Append('"');
        return builder.ToString();
    }
}

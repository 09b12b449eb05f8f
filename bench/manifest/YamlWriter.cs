using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IngressCerts.Bench.Manifest;

/// <summary>Block-style YAML as kubectl writes it (lists at their key's indent, `|` for multi-line text); dumps only.</summary>
internal static partial class YamlWriter
{
    public static void Write(TextWriter writer, Dictionary<string, object?> mapping, int indent, bool listItem)
    {
        bool first = true;
        foreach (var (key, value) in mapping)
        {
            if (value is null)
            {
                continue;
            }

            writer.Write(first && listItem ? new string(' ', indent - 2) + "- " : new string(' ', indent));
            first = false;
            writer.Write(Scalar(key));
            writer.Write(':');
            WriteValue(writer, value, indent);
        }
    }

    private static void WriteValue(TextWriter writer, object value, int indent)
    {
        switch (value)
        {
            case Dictionary<string, object?> { Count: 0 }:
                writer.Write(" {}\n");
                break;
            case Dictionary<string, object?> mapping:
                writer.Write('\n');
                Write(writer, mapping, indent + 2, listItem: false);
                break;
            case string text when text.Contains('\n'):
                writer.Write(text.EndsWith('\n') ? " |\n" : " |-\n");
                foreach (string line in text.TrimEnd('\n').Split('\n'))
                {
                    writer.Write(new string(' ', indent + 2));
                    writer.Write(line);
                    writer.Write('\n');
                }

                break;
            case string or bool or int or long:
                writer.Write(' ');
                writer.Write(Scalar(value));
                writer.Write('\n');
                break;
            case IEnumerable items:
                var list = items.Cast<object>().ToList();
                if (list.Count == 0)
                {
                    writer.Write(" []\n");
                    break;
                }

                writer.Write('\n');
                foreach (var item in list)
                {
                    if (item is Dictionary<string, object?> element)
                    {
                        Write(writer, element, indent + 2, listItem: true);
                    }
                    else
                    {
                        writer.Write(new string(' ', indent));
                        writer.Write("- ");
                        writer.Write(Scalar(item));
                        writer.Write('\n');
                    }
                }

                break;
        }
    }

    private static string Scalar(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        string s when PlainSafe().IsMatch(s) && !LooksTyped().IsMatch(s) => s,
        _ => JsonSerializer.Serialize(value.ToString()), // a JSON string is a YAML double-quoted scalar
    };

    [GeneratedRegex(@"^[A-Za-z0-9/_.][A-Za-z0-9/_.+=*-]*$")]
    private static partial Regex PlainSafe();

    [GeneratedRegex(@"^([-+]?[0-9.]+([eE][-+]?[0-9]+)?|true|false|null|yes|no|on|off|~)$", RegexOptions.IgnoreCase)]
    private static partial Regex LooksTyped();
}

using System.Globalization;
using IngressCerts.Engine.Certificates;

namespace IngressCerts.Engine.Reporting;

/// <summary>
/// Order and colours of statuses in reports, derived from <see cref="CertificateStatus"/> so that a status added to
/// the enum gets its place and colour without a change here: worst first, red for the worst through orange and amber,
/// green only for <see cref="CertificateStatus.Valid"/>, each dark enough for white text at WCAG AA (4.5:1).
/// </summary>
public static class ReportStatuses
{
    /// <summary>Text on every status colour.</summary>
    public const string Foreground = "#ffffff";

    /// <summary>Statuses outside the enum (a later kind of row, or a Sync status): after every enum status, grey.</summary>
    public const string OtherColour = "#595959";

    /// <summary>Test-IngressCertificate's two outcomes, shown like the worst and the best certificate status.</summary>
    public const string Passed = nameof(Passed);

    public const string Failed = nameof(Failed);

    private static readonly CertificateStatus[] Statuses = Enum.GetValues<CertificateStatus>().OrderBy(s => (int)s).ToArray();

    private static readonly Dictionary<string, string> Colours = BuildColours();

    /// <summary>Every enum status, worst first.</summary>
    public static IReadOnlyList<string> Ordered { get; } = Statuses.Select(s => s.ToString()).ToArray();

    /// <summary>A sort key: enum statuses by severity, then anything else.</summary>
    public static int Rank(string status)
    {
        if (Enum.TryParse<CertificateStatus>(status, ignoreCase: false, out var known) && Enum.IsDefined(known) && !IsNumber(status))
        {
            return Array.IndexOf(Statuses, known);
        }

        return status switch
        {
            Failed => 0,
            Passed => Statuses.Length - 1,
            _ => Statuses.Length,
        };
    }

    /// <summary>The background colour of a status, as #rrggbb.</summary>
    public static string Colour(string status) =>
        Colours.TryGetValue(status, out string? colour) ? colour
        : status == Failed ? Colours[Ordered[0]]
        : status == Passed ? Colours[CertificateStatus.Valid.ToString()]
        : OtherColour;

    /// <summary>WCAG 2 contrast ratio of two #rrggbb colours (1 to 21).</summary>
    public static double ContrastRatio(string a, string b)
    {
        double la = Luminance(a), lb = Luminance(b);
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    private static bool IsNumber(string s) => s.Length > 0 && (char.IsDigit(s[0]) || s[0] == '-');

    private static Dictionary<string, string> BuildColours()
    {
        var colours = new Dictionary<string, string>(StringComparer.Ordinal);
        int worstToBest = Math.Max(1, Statuses.Length - 2);
        for (int i = 0; i < Statuses.Length; i++)
        {
            // Red for the worst through orange to amber for the mildest problem, green only for Valid; then darkened
            // until white text reaches 4.5:1 (with margin).
            double hue = Statuses[i] == CertificateStatus.Valid ? 130 : 42.0 * i / worstToBest;
            string colour = Hsl(hue, 0.75, 0.45);
            for (double lightness = 0.45; ContrastRatio(colour, Foreground) < 4.7 && lightness > 0.05; lightness -= 0.01)
            {
                colour = Hsl(hue, 0.75, lightness);
            }

            colours[Statuses[i].ToString()] = colour;
        }

        return colours;
    }

    private static string Hsl(double hue, double saturation, double lightness)
    {
        double c = (1 - Math.Abs(2 * lightness - 1)) * saturation;
        double x = c * (1 - Math.Abs(hue / 60 % 2 - 1));
        double m = lightness - c / 2;
        (double r, double g, double b) = hue switch
        {
            < 60 => (c, x, 0.0),
            < 120 => (x, c, 0.0),
            < 180 => (0.0, c, x),
            < 240 => (0.0, x, c),
            < 300 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        return string.Create(CultureInfo.InvariantCulture, $"#{Byte(r + m):x2}{Byte(g + m):x2}{Byte(b + m):x2}");
    }

    private static int Byte(double v) => (int)Math.Round(Math.Clamp(v, 0, 1) * 255);

    private static double Luminance(string hex)
    {
        double Channel(int offset)
        {
            double v = int.Parse(hex.AsSpan(offset, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return v <= 0.03928 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        }

        return 0.2126 * Channel(1) + 0.7152 * Channel(3) + 0.0722 * Channel(5);
    }
}

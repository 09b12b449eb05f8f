using System.Diagnostics.Tracing;

namespace IngressCerts.Bench.Inventory;

/// <summary>
/// With BENCH_GC_LOG=1, a child writes one line per garbage collection to stderr: its generation, its reason, and what
/// it promoted out of gen0 and gen1 (the runtime's own GCStart and GCHeapStats events, read in-process), to see what
/// survives a gen0 collection during a scan and why gen1 collections follow.
/// </summary>
internal sealed class GcLog : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private int _generation;
    private string _reason = string.Empty;

    public static GcLog? StartIfAsked() => Environment.GetEnvironmentVariable("BENCH_GC_LOG") == "1" ? new GcLog() : null;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Informational, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || e.Payload is null || e.PayloadNames is null)
        {
            return;
        }

        if (e.EventName.StartsWith("GCStart", StringComparison.Ordinal))
        {
            _generation = Convert.ToInt32(Value(e, "Depth"), System.Globalization.CultureInfo.InvariantCulture);
            _reason = Value(e, "Reason")?.ToString() ?? string.Empty;
        }
        else if (e.EventName.StartsWith("GCHeapStats", StringComparison.Ordinal))
        {
            Console.Error.WriteLine(
                $"GC gen{_generation} reason {_reason}: promoted gen0 {Mb(e, "TotalPromotedSize0")} MB, gen1 {Mb(e, "TotalPromotedSize1")} MB; "
                + $"sizes after: gen0 {Mb(e, "GenerationSize0")} gen1 {Mb(e, "GenerationSize1")} gen2 {Mb(e, "GenerationSize2")} LOH {Mb(e, "GenerationSize3")} MB");
        }
    }

    private static object? Value(EventWrittenEventArgs e, string name)
    {
        var index = e.PayloadNames!.IndexOf(name);
        return index < 0 ? null : e.Payload![index];
    }

    private static string Mb(EventWrittenEventArgs e, string name) =>
        (Convert.ToDouble(Value(e, name) ?? 0, System.Globalization.CultureInfo.InvariantCulture) / 1048576.0).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}

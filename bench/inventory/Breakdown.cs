using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IngressCerts.Engine.Inventory;
using k8s;
using k8s.Models;

namespace IngressCerts.Bench.Inventory;

/// <summary>One step of the breakdown: what it is and how long it took for the whole fleet.</summary>
internal sealed record Step(string Name, double Ms, double CpuMs, string Detail, long? AllocatedBytes = null);

/// <summary>
/// Where the inventory's time goes, step by step on one thread: the server's answers as bytes (server and transport,
/// no client parsing), KubernetesClient's deserialisation of those bytes, reference extraction, parsing each Secret
/// (certificates and key) and evaluating each reference (checks, chain building, facts). Then the same analysis in
/// parallel, as ClusterScanner runs it page by page. Each step is the median of a few repetitions.
/// </summary>
internal sealed class Breakdown(BenchClient http)
{
    private const int Repetitions = 3;
    private const int AnalysisRepetitions = 1;
    private const string SecretsPath = "api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls";
    private const string IngressesPath = "apis/networking.k8s.io/v1/ingresses?";

    public async Task<List<Step>> RunAsync()
    {
        var steps = new List<Step>();

        var ingressPages = await FetchPagesAsync(http, IngressesPath); // warm: connection, server paths
        var secretPages = await FetchPagesAsync(http, SecretsPath);
        long ingressBytes = ingressPages.Sum(p => (long)p.Length);
        long secretBytes = secretPages.Sum(p => (long)p.Length);

        // What finding the other controllers' kinds costs: one discovery document per scan, then a list of each kind
        // that is served (none on this fleet unless --other-kinds) and no request at all for one that is not.
        var apis = await http.GetBytesAsync("apis", default) ?? [];
        var (ms, cpu) = await TimeAsync(async () => ServedOtherKinds(await http.GetBytesAsync("apis", default) ?? []));
        steps.Add(new Step("discover which other controllers' kinds are served (GET /apis, once per scan)", ms, cpu,
            $"1 request, {apis.Length / 1024.0:0.0} KB; {ServedOtherKinds(apis)} of {IngressCerts.Engine.Inventory.Kinds.OtherKinds.Apis.Count} kinds served, each served one costs a list per scope, an unserved one nothing"));

        (ms, cpu) = await TimeAsync(() => FetchPagesAsync(http, IngressesPath));
        steps.Add(new Step("fetch Ingress pages as bytes (server + HTTPS, no parsing)", ms, cpu, $"{ingressPages.Count} pages, {Mb(ingressBytes)}"));
        (ms, cpu) = await TimeAsync(() => FetchPagesAsync(http, SecretsPath));
        steps.Add(new Step("fetch TLS Secret pages as bytes (server + HTTPS, no parsing)", ms, cpu, $"{secretPages.Count} pages, {Mb(secretBytes)}"));
        (ms, cpu) = Time(() => Deserialize<V1IngressList>(ingressPages));
        steps.Add(new Step("deserialise Ingress pages (KubernetesJson into V1IngressList)", ms, cpu, string.Empty));
        (ms, cpu) = Time(() => ingressPages.ForEach(p => IngressCerts.Engine.Kubernetes.IngressListReader.Read(p)));
        steps.Add(new Step("read Ingress pages straight from JSON (IngressListReader, as the inventory does)", ms, cpu, "only what TLS references are made of"));
        (ms, cpu) = Time(() => Deserialize<V1SecretList>(secretPages));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Deserialize<V1SecretList>(secretPages);
        steps.Add(new Step("deserialise TLS Secret pages (KubernetesJson into V1SecretList)", ms, cpu, "base64 data decoded to byte[]", GC.GetAllocatedBytesForCurrentThread() - allocated));
        (ms, cpu) = Time(() => secretPages.ForEach(p => IngressCerts.Engine.Kubernetes.SecretListReader.Read(p)));
        allocated = GC.GetAllocatedBytesForCurrentThread();
        secretPages.ForEach(p => IngressCerts.Engine.Kubernetes.SecretListReader.Read(p));
        steps.Add(new Step("read TLS Secret pages straight from JSON (SecretListReader, as the inventory does)", ms, cpu, "the same, without the library's models", GC.GetAllocatedBytesForCurrentThread() - allocated));

        var ingresses = Deserialize<V1IngressList>(ingressPages).SelectMany(l => l.Items).ToList();
        List<TlsReference> references = [];
        (ms, cpu) = Time(() => references = ingresses.SelectMany(i => ReferenceExtractor.FromIngress(i, "bench")).ToList());
        steps.Add(new Step("extract TLS references from Ingresses (ReferenceExtractor)", ms, cpu, $"{references.Count} references"));

        var byKey = references.GroupBy(r => r.SecretKey!).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var options = new InventoryOptions(DateTimeOffset.UtcNow);

        // Parsing wipes tls.key in the Secret's data, so every repetition starts from freshly deserialised Secrets.
        // A first pass over two pages warms the JIT and the system trust store; then AnalysisRepetitions full passes.
        var parseTimes = new List<(double Ms, double CpuMs, long Allocated)>();
        var evaluateTimes = new List<(double Ms, double CpuMs, long Allocated)>();
        var parallelTimes = new List<(double Ms, double CpuMs)>();
        var decodeTimes = new List<(double Ms, double CpuMs, long Allocated)>();
        int secretsCount = 0;
        for (int r = 0; r <= AnalysisRepetitions; r++)
        {
            var pages = r == 0 ? secretPages.Take(2).ToList() : secretPages;
            var secrets = Deserialize<V1SecretList>(pages).SelectMany(l => l.Items).ToList();
            secretsCount = secrets.Count;
            var evaluator = new ReferenceEvaluator(options); // one per scan, as ClusterScanner has: a fresh chain cache
            Settle();
            var clock = Clock.Start();
            var parsed = new Dictionary<string, ParsedSecret>(StringComparer.Ordinal);
            foreach (var secret in secrets)
            {
                parsed[Key(secret)] = evaluator.Parse(Lookup(secret));
            }

            var parseMs = (clock.Ms, clock.CpuMs, clock.Allocated);
            clock = Clock.Start();
            foreach (var (key, one) in parsed)
            {
                foreach (var reference in byKey[key])
                {
                    evaluator.Evaluate(reference, one);
                }
            }

            var evaluateMs = (clock.Ms, clock.CpuMs, clock.Allocated);
            parsed.Clear();
            Settle();

            // For comparison: what the platform's X.509 decoding of each tls.crt leaf costs (OpenSSL on Linux), which
            // parsing used before it read certificates with AsnReader; the objects are left to the finalizer.
            var ders = Deserialize<V1SecretList>(pages).SelectMany(l => l.Items).Select(s => LeafDer(s.Data["tls.crt"])).ToList();
            Settle();
            clock = Clock.Start();
            foreach (var der in ders)
            {
                X509CertificateLoader.LoadCertificate(der);
            }

            var decodeMs = (clock.Ms, clock.CpuMs, clock.Allocated);
            Settle();

            // As the scanner does it: Parallel.For over each page's Secrets, parse then evaluate.
            var fresh = Deserialize<V1SecretList>(pages).Select(l => l.Items).ToList();
            var parallelEvaluator = new ReferenceEvaluator(options);
            Settle();
            clock = Clock.Start();
            foreach (var page in fresh)
            {
                Parallel.For(0, page.Count, i =>
                {
                    var secret = page[i];
                    var one = parallelEvaluator.Parse(Lookup(secret));
                    foreach (var reference in byKey[Key(secret)])
                    {
                        parallelEvaluator.Evaluate(reference, one);
                    }
                });
            }

            var parallelMs = (clock.Ms, clock.CpuMs);
            if (r > 0)
            {
                parseTimes.Add(parseMs);
                evaluateTimes.Add(evaluateMs);
                parallelTimes.Add(parallelMs);
                decodeTimes.Add(decodeMs);
            }

            Settle();
        }

        var parse = Median(parseTimes);
        var evaluate = Median(evaluateTimes);
        var decode = Median(decodeTimes);
        long parseAllocated = parseTimes[^1].Allocated;
        long evaluateAllocated = evaluateTimes[^1].Allocated;
        long decodeAllocated = decodeTimes[^1].Allocated;
        var parallel = Median(parallelTimes);
        steps.Add(new Step("parse Secrets (ReferenceEvaluator.Parse: PEM, X.509, key)", parse.Ms, parse.CpuMs, $"{secretsCount} Secrets, {1000 * parse.Ms / secretsCount:0} µs each", parseAllocated));
        steps.Add(new Step("  for comparison: the platform's X.509 decoding of tls.crt", decode.Ms, decode.CpuMs, $"X509CertificateLoader, which parsing no longer uses: {1000 * decode.Ms / secretsCount:0} µs each", decodeAllocated));
        steps.Add(new Step("evaluate references (ReferenceEvaluator.Evaluate: checks, chain, facts)", evaluate.Ms, evaluate.CpuMs, $"{references.Count} references, {1000 * evaluate.Ms / references.Count:0} µs each", evaluateAllocated));
        steps.Add(new Step($"parse + evaluate in parallel ({Environment.ProcessorCount} cores, as the scanner)", parallel.Ms, parallel.CpuMs,
            $"Parallel.For per page of 500; {(parse.Ms + evaluate.Ms) / parallel.Ms:0.00}x faster than one thread"));
        return steps;
    }

    private static (double Ms, double CpuMs) Median(List<(double Ms, double CpuMs, long Allocated)> samples) =>
        (Stats.Median(samples.Select(s => s.Ms)), Stats.Median(samples.Select(s => s.CpuMs)));

    private static (double Ms, double CpuMs) Median(List<(double Ms, double CpuMs)> samples) =>
        (Stats.Median(samples.Select(s => s.Ms)), Stats.Median(samples.Select(s => s.CpuMs)));

    private static byte[] LeafDer(byte[] pem)
    {
        var text = System.Text.Encoding.ASCII.GetString(pem);
        var fields = PemEncoding.Find(text);
        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    private static string Key(V1Secret secret) => secret.Metadata.NamespaceProperty + "/" + secret.Metadata.Name;

    private static SecretLookup Lookup(V1Secret secret) =>
        SecretLookup.Found(secret.Metadata.NamespaceProperty, secret.Metadata.Name, secret.Type, secret.Data, secret.Metadata.Annotations);

    private static List<T> Deserialize<T>(List<byte[]> pages) =>
        pages.Select(p => KubernetesJson.Deserialize<T>(new MemoryStream(p, writable: false))).ToList();

    private static async Task<List<byte[]>> FetchPagesAsync(BenchClient http, string path)
    {
        var pages = new List<byte[]>();
        string? token = null;
        do
        {
            string url = path + (path.EndsWith('?') ? string.Empty : "&") + "limit=" + Variants.PageSize + (token is null ? string.Empty : "&continue=" + Uri.EscapeDataString(token));
            var bytes = await http.GetBytesAsync(url, CancellationToken.None) ?? throw new InvalidOperationException($"the server does not serve {url}");
            pages.Add(bytes);
            token = ReadContinue(bytes);
        }
        while (!string.IsNullOrEmpty(token));

        return pages;
    }

    /// <summary>metadata.continue of a list, skipping over its items without materialising them.</summary>
    internal static string? ReadContinue(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read(); // {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool metadata = reader.ValueTextEquals("metadata");
            reader.Read();
            if (!metadata)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isContinue = reader.ValueTextEquals("continue");
                reader.Read();
                if (isContinue && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }

        return null;
    }

    /// <summary>How many of the other kinds' APIs a discovery document lists at one of their versions.</summary>
    private static int ServedOtherKinds(byte[] apis)
    {
        using var document = JsonDocument.Parse(apis);
        var served = document.RootElement.GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("versions").EnumerateArray().Select(v => (g.GetProperty("name").GetString(), v.GetProperty("version").GetString())))
            .ToHashSet();
        return IngressCerts.Engine.Inventory.Kinds.OtherKinds.Apis.Count(a => a.Versions.Any(v => served.Contains((a.Group, v))));
    }

    private static (double Ms, double CpuMs) Time(Action action) => TimeAsync(() =>
    {
        action();
        return Task.CompletedTask;
    }).GetAwaiter().GetResult();

    private static async Task<(double Ms, double CpuMs)> TimeAsync(Func<Task> action)
    {
        var times = new List<double>();
        var cpus = new List<double>();
        for (int i = 0; i < Repetitions; i++)
        {
            Settle();
            var clock = Clock.Start();
            await action();
            times.Add(clock.Ms);
            cpus.Add(clock.CpuMs);
        }

        return (Stats.Median(times), Stats.Median(cpus));
    }

    /// <summary>Wall time and the process's CPU time (all threads: the server's too, when it is working).</summary>
    private readonly struct Clock
    {
        private readonly Stopwatch _wall;
        private readonly TimeSpan _cpu;
        private readonly long _allocated;

        private Clock(Stopwatch wall, TimeSpan cpu, long allocated)
        {
            _wall = wall;
            _cpu = cpu;
            _allocated = allocated;
        }

        public static Clock Start() => new(Stopwatch.StartNew(), CpuNow(), GC.GetAllocatedBytesForCurrentThread());

        public double Ms => _wall.Elapsed.TotalMilliseconds;

        /// <summary>Managed bytes this thread allocated: exact for the single-threaded steps.</summary>
        public long Allocated => GC.GetAllocatedBytesForCurrentThread() - _allocated;

        public double CpuMs => (CpuNow() - _cpu).TotalMilliseconds;

        private static TimeSpan CpuNow()
        {
            using var process = Process.GetCurrentProcess();
            return process.TotalProcessorTime;
        }
    }

    internal static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024.0:0.0} MB";
}

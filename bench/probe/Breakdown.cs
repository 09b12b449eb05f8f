using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IngressCerts.Engine.Probing;

namespace IngressCerts.Bench.Probe;

/// <summary>
/// Where a probe's client CPU goes: the same handshakes, sequential, with one piece of set-up changed at a time,
/// each variant measured as process CPU over the same hosts in the same run (variants interleaved, several rounds).
/// </summary>
internal static class Breakdown
{
    public static async Task RunAsync(IReadOnlyList<ProbeRequest> requests, int perVariant, int rounds)
    {
        var probe = new TlsProbe();
        var variants = Variants(probe);
        var totals = new double[variants.Length];

        for (var round = 0; round < rounds; round++)
        {
            // A different variant goes first in each round, so none always pays for what the previous one left behind.
            for (var step = 0; step < variants.Length; step++)
            {
                var v = (step + round) % variants.Length;
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                for (var i = 0; i < perVariant; i++)
                {
                    await variants[v].Run(requests[(round * perVariant + i) % requests.Count]);
                }

                totals[v] += (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds;
            }
        }

        var sample = await probe.ProbeAsync(requests[0], TimeSpan.FromSeconds(10));
        foreach (var custom in new[] { true, false })
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < perVariant; i++)
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.DisableCertificateDownloads = true;
                if (custom)
                {
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                }

                chain.ChainPolicy.ExtraStore.Add(sample.Leaf!);
                chain.ChainPolicy.ExtraStore.AddRange(sample.ServedChain);
                chain.Build(sample.Leaf!);
            }

            var each = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / perVariant;
            Console.WriteLine($"breakdown: X509Chain.Build alone, {(custom ? "empty custom trust" : "system trust")}: {Report.Milliseconds(each)} CPU");
        }

        for (var v = 0; v < variants.Length; v++)
        {
            Console.WriteLine($"breakdown: {variants[v].Name}: {Report.Milliseconds(totals[v] / (perVariant * rounds))} CPU per probe");
        }
    }

    /// <summary>One variant only (0 is the shipped probe), <paramref name="count"/> sequential probes: a steady loop to attach a profiler to.</summary>
    public static async Task LoopAsync(IReadOnlyList<ProbeRequest> requests, int count, int variant)
    {
        var (name, run) = Variants(new TlsProbe())[variant];
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < count; i++)
        {
            await run(requests[i % requests.Count]);
        }

        var each = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / count;
        Console.WriteLine($"probe loop: {count} sequential probes, {name}: {Report.Milliseconds(each)} CPU per probe");
    }

    private static (string Name, Func<ProbeRequest, Task> Run)[] Variants(TlsProbe probe) =>
    [
        ("TlsProbe as shipped", async r => await probe.ProbeAsync(r, TimeSpan.FromSeconds(10))),
        ("TCP connect + close only", async r => { using var s = await ConnectAsync(r); }),
        ("SslStream, default policy, callback accepts", r => HandshakeAsync(r, chainPolicy: null, resume: false)),
        ("SslStream, CustomRootTrust (empty), callback accepts", r => HandshakeAsync(r, EmptyTrust(), resume: false)),
        ("SslStream, AllowTlsResume (INCORRECT for a probe; shows the SSL_CTX cost)", r => HandshakeAsync(r, chainPolicy: null, resume: true)),
        ("SslStream, CustomRootTrust, + linked CancellationTokenSource with CancelAfter", r => HandshakeAsync(r, EmptyTrust(), resume: false, Steps.Deadline)),
        ("SslStream, CustomRootTrust, + deadline + copies of the served certificates", r => HandshakeAsync(r, EmptyTrust(), resume: false, Steps.Deadline | Steps.Copy)),
        ("SslStream, CustomRootTrust, + deadline + copies + SHA-256 of each (the verdict key)", r => HandshakeAsync(r, EmptyTrust(), resume: false, Steps.Deadline | Steps.Copy | Steps.Hash)),
    ];

    private static async Task<Socket> ConnectAsync(ProbeRequest request, CancellationToken token = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(request.Endpoint.Address!, request.Endpoint.Port), token);
        return socket;
    }

    private static X509ChainPolicy EmptyTrust() => new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
    };

    /// <summary>Pieces of the shipped probe's work around the handshake, added one at a time.</summary>
    [Flags]
    private enum Steps
    {
        None = 0,
        Deadline = 1,
        Copy = 2,
        Hash = 4,
    }

    private static async Task HandshakeAsync(ProbeRequest request, X509ChainPolicy? chainPolicy, bool resume, Steps steps = Steps.None)
    {
        using var deadline = steps.HasFlag(Steps.Deadline) ? CancellationTokenSource.CreateLinkedTokenSource(CancellationToken.None) : null;
        deadline?.CancelAfter(TimeSpan.FromSeconds(10));
        var token = deadline?.Token ?? CancellationToken.None;
        var socket = await ConnectAsync(request, token);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        var copies = new List<X509Certificate2>();
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = request.EffectiveSni,
                EnabledSslProtocols = SslProtocols.None,
                AllowTlsResume = resume,
                CertificateChainPolicy = chainPolicy,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    if (steps.HasFlag(Steps.Copy) && certificate is not null && chain is not null)
                    {
                        copies.Add(new X509Certificate2(certificate));
                        foreach (var served in chain.ChainPolicy.ExtraStore)
                        {
                            copies.Add(new X509Certificate2(served));
                        }
                    }

                    if (steps.HasFlag(Steps.Hash))
                    {
                        foreach (var copy in copies)
                        {
                            System.Security.Cryptography.SHA256.HashData(copy.RawDataMemory.Span);
                        }
                    }

                    return true;
                },
            },
            token);
    }
}

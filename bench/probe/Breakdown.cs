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
        var variants = new (string Name, Func<ProbeRequest, Task> Run)[]
        {
            ("TlsProbe as shipped", async r => await probe.ProbeAsync(r, TimeSpan.FromSeconds(10))),
            ("TCP connect + close only", async r => { using var s = await ConnectAsync(r); }),
            ("SslStream, default policy, callback accepts", r => HandshakeAsync(r, chainPolicy: null, resume: false)),
            ("SslStream, CustomRootTrust (empty), callback accepts", r => HandshakeAsync(r, new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true }, resume: false)),
            ("SslStream, AllowTlsResume (INCORRECT for a probe; shows the SSL_CTX cost)", r => HandshakeAsync(r, chainPolicy: null, resume: true)),
        };

        var totals = new double[variants.Length];
        for (var round = 0; round < rounds; round++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
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

    private static async Task<Socket> ConnectAsync(ProbeRequest request)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(request.Endpoint.Address!, request.Endpoint.Port));
        return socket;
    }

    private static async Task HandshakeAsync(ProbeRequest request, X509ChainPolicy? chainPolicy, bool resume)
    {
        var socket = await ConnectAsync(request);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = request.EffectiveSni,
            EnabledSslProtocols = SslProtocols.None,
            AllowTlsResume = resume,
            CertificateChainPolicy = chainPolicy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        });
    }
}

// Kept free of implicit usings and newer syntax: the Pester suite compiles this same file with Add-Type.
#nullable enable
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace IngressCerts.Engine.Tests.Support
{
    /// <summary>
    /// A TCP forwarder on another loopback address (127.0.0.2: Linux routes all of 127/8 to loopback) that passes
    /// bytes to a server unchanged. It stands where a man in the middle would stand: the client reaches the real
    /// server and its real certificate, under a name that certificate does not hold. It records the TLS SNI name
    /// each connection asked for.
    /// </summary>
    public sealed class LoopbackForwarder : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly IPEndPoint _target;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _serverNames = new ConcurrentQueue<string>();
        private int _connections;

        public LoopbackForwarder(string listenAddress, string targetAddress, int targetPort)
        {
            _target = new IPEndPoint(IPAddress.Parse(targetAddress), targetPort);
            _listener = new TcpListener(IPAddress.Parse(listenAddress), 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Url = "https://" + (listenAddress.Contains(':') ? "[" + listenAddress + "]" : listenAddress) + ":" + Port;
            _ = AcceptAsync();
        }

        public int Port { get; }

        /// <summary>https://ADDRESS:PORT of the forwarder.</summary>
        public string Url { get; }

        /// <summary>Connections accepted so far.</summary>
        public int Connections => Volatile.Read(ref _connections);

        /// <summary>The SNI names the connections' TLS ClientHellos carried (none for an IP address).</summary>
        public IReadOnlyCollection<string> ServerNames => _serverNames.ToArray();

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || ex is SocketException || ex is ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _connections);
                _ = PipeAsync(client);
            }
        }

        private async Task PipeAsync(TcpClient client)
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                try
                {
                    await upstream.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
                    NetworkStream down = client.GetStream();
                    NetworkStream up = upstream.GetStream();
                    await Task.WhenAny(CopyAsync(down, up, first: true), CopyAsync(up, down, first: false)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException || ex is SocketException || ex is System.IO.IOException)
                {
                    // Either side went away: closing both is all there is to do.
                }
            }
        }

        private async Task CopyAsync(NetworkStream from, NetworkStream to, bool first)
        {
            byte[] buffer = new byte[16384];
            try
            {
                int read;
                while ((read = await from.ReadAsync(buffer, 0, buffer.Length, _stop.Token).ConfigureAwait(false)) > 0)
                {
                    if (first)
                    {
                        first = false;
                        string? name = ServerNameOf(buffer, read);
                        if (name != null)
                        {
                            _serverNames.Enqueue(name);
                        }
                    }

                    await to.WriteAsync(buffer, 0, read, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is SocketException || ex is System.IO.IOException || ex is ObjectDisposedException)
            {
            }
        }

        /// <summary>The server_name extension of a TLS ClientHello that arrived whole in one read, else null.</summary>
        internal static string? ServerNameOf(byte[] data, int length)
        {
            // Record header (5), handshake header (4), version (2), random (32).
            int at = 5 + 4 + 2 + 32;
            if (length < at + 1 || data[0] != 22 || data[5] != 1)
            {
                return null;
            }

            at += 1 + data[at];                                   // session id
            if (at + 2 > length) return null;
            at += 2 + (data[at] << 8 | data[at + 1]);             // cipher suites
            if (at + 1 > length) return null;
            at += 1 + data[at];                                   // compression methods
            if (at + 2 > length) return null;
            int end = Math.Min(length, at + 2 + (data[at] << 8 | data[at + 1]));
            at += 2;
            while (at + 4 <= end)
            {
                int type = data[at] << 8 | data[at + 1];
                int size = data[at + 2] << 8 | data[at + 3];
                at += 4;
                if (type == 0 && at + 5 <= end)
                {
                    // server_name_list length (2), name type (1), name length (2), name.
                    int nameLength = data[at + 3] << 8 | data[at + 4];
                    return at + 5 + nameLength <= end ? Encoding.ASCII.GetString(data, at + 5, nameLength) : null;
                }

                at += size;
            }

            return null;
        }
    }
}

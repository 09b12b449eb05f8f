using System.Buffers;
using System.Security.Cryptography;

namespace IngressCerts.Engine.Kubernetes;

/// <summary>
/// A growable byte buffer for data that holds a private key (a request body, a server's answer): every array it
/// rents is zeroed before it goes back to the pool, when the buffer grows and when it is disposed.
/// </summary>
internal sealed class WipedBuffer : IBufferWriter<byte>, IDisposable
{
    private readonly ArrayPool<byte> _pool;
    private byte[] _array;
    private int _written;

    public WipedBuffer(ArrayPool<byte> pool, int initialSize = 4096)
    {
        _pool = pool;
        _array = pool.Rent(initialSize);
    }

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

    /// <summary>The array written so far (for content that sends it without a copy), valid until disposed.</summary>
    public ArraySegment<byte> WrittenSegment => new(_array, 0, _written);

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _array.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_written);
    }

    /// <summary>Reads <paramref name="stream"/> to its end into the buffer.</summary>
    public async Task ReadFromAsync(Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            int read = await stream.ReadAsync(GetMemory(4096), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            Advance(read);
        }
    }

    public void Dispose()
    {
        if (_array.Length == 0)
        {
            return;
        }

        Release(_array);
        _array = Array.Empty<byte>();
        _written = 0;
    }

    private void Ensure(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_array.Length - _written >= needed)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_array.Length == 0, this);
        var larger = _pool.Rent(checked(Math.Max(_array.Length * 2, _written + needed)));
        _array.AsSpan(0, _written).CopyTo(larger);
        Release(_array);
        _array = larger;
    }

    private void Release(byte[] array)
    {
        CryptographicOperations.ZeroMemory(array);
        _pool.Return(array);
    }
}

using System.IO.Pipelines;

namespace Emulator.Board.Usb;

/// <summary>
/// A <see cref="PipeWriter"/> that keeps what is written until <see cref="FlushAsync"/>, then hands
/// exactly those bytes to <see cref="SendAsync"/>: one flush is one send, never merged with the next.
/// </summary>
/// <remarks>
/// <para>Why not a <see cref="Pipe"/> drained by a sender task: a sender that falls behind reads two
/// flushes at once and sends them as one transfer, so transfer boundaries would depend on timing. With
/// this writer they depend only on the caller's flushes — which is what makes a recorded USB session
/// (usbmon pcap) replay byte for byte under umockdev, whose replay matches each bulk OUT transfer's
/// length and data.</para>
/// <para>One writer thread, as for any <see cref="PipeWriter"/>. <see cref="CancelPendingFlush"/> may be
/// called from any thread.</para>
/// </remarks>
internal abstract class TransferWriter : PipeWriter
{
    private byte[] _buffer;
    private int _written;
    private bool _completed;

    /// <param name="initialCapacity">Bytes buffered before the buffer has to grow (normally the transfer size).</param>
    protected TransferWriter(int initialCapacity)
    {
        _buffer = new byte[Math.Max(initialCapacity, 256)];
    }

    /// <summary>Sends one flush's bytes. The result's <c>IsCanceled</c> reports a
    /// <see cref="CancelPendingFlush"/>; <c>IsCompleted</c> that the other side stopped reading.</summary>
    /// <exception cref="IOException">The bytes could not be sent (the message says why).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    protected abstract ValueTask<FlushResult> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Called by <see cref="CancelPendingFlush"/>: abort the send in progress, if any, so that it
    /// returns a result with <c>IsCanceled</c>.</summary>
    protected abstract void OnCancelPendingFlush();

    /// <summary>Called once by <see cref="Complete"/>.</summary>
    protected abstract void OnCompleted(Exception? exception);

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes > _buffer.Length - _written)
        {
            throw new InvalidOperationException($"Advance({bytes}) past the {_buffer.Length - _written} bytes of the last GetMemory/GetSpan");
        }
        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Reserve(int sizeHint)
    {
        if (_completed)
        {
            throw new InvalidOperationException("writing is not allowed after the writer was completed");
        }
        int need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= need)
        {
            return;
        }
        var bigger = new byte[Math.Max(_buffer.Length * 2, _written + need)];
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        _buffer = bigger;
    }

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            throw new InvalidOperationException("flush after the writer was completed");
        }
        if (_written == 0)
        {
            return new FlushResult(isCanceled: false, isCompleted: false);
        }
        try
        {
            return await SendAsync(_buffer.AsMemory(0, _written), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Sent, or lost with an error the caller sees: either way these bytes are done with.
            _written = 0;
        }
    }

    public override void CancelPendingFlush() => OnCancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        _written = 0;
        OnCompleted(exception);
    }
}

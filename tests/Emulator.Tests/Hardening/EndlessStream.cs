using System.Text;

namespace Emulator.Tests.Hardening;

/// <summary>A stream that never ends: a head once, then one line over and over — a pipe from a
/// program that never stops, without the program.</summary>
internal sealed class EndlessStream(string head, string repeated) : Stream
{
    private readonly byte[] _head = Encoding.UTF8.GetBytes(head);
    private readonly byte[] _line = Encoding.UTF8.GetBytes(repeated);
    private long _position;

    /// <summary>Bytes handed out so far.</summary>
    public long Delivered => _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++, _position++)
        {
            buffer[i] = _position < _head.Length ? _head[_position] : _line[(_position - _head.Length) % _line.Length];
        }
        return buffer.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using System.Text;

namespace Emulator.Core.Text;

/// <summary>A read-only stream of the UTF-8 encoding of a <see cref="TextReader"/>'s characters, read a
/// block at a time, so a <see cref="BoundedLineReader"/> bounds a reader (standard input, a test's
/// <see cref="StringReader"/>) as it bounds a file.</summary>
internal sealed class Utf8ReaderStream(TextReader reader) : Stream
{
    private readonly char[] _chars = new char[4096];
    private readonly byte[] _bytes = new byte[4096 * 3 + 4];
    private readonly Encoder _encoder = new UTF8Encoding(false).GetEncoder();
    private int _position;
    private int _length;
    private bool _done;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_position == _length)
        {
            if (_done)
            {
                return 0;
            }
            int n = reader.Read(_chars, 0, _chars.Length);
            _done = n == 0;
            _length = _encoder.GetBytes(_chars, 0, n, _bytes, 0, flush: _done);
            _position = 0;
        }
        int take = Math.Min(buffer.Length, _length - _position);
        _bytes.AsSpan(_position, take).CopyTo(buffer);
        _position += take;
        return take;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

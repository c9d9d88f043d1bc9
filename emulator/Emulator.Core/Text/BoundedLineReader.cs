using System.Buffers;
using System.Text.Unicode;

namespace Emulator.Core.Text;

/// <summary>
/// Reads UTF-8 text a line at a time within <see cref="InputLimits"/>: the memory it holds is one read
/// buffer and one line, whatever the input, and anything over a limit or not UTF-8 stops it with a
/// located <see cref="InputError"/> instead of an exception.
/// </summary>
/// <remarks>
/// <para>Lines end at LF; one CR before it is dropped (CRLF files), any other CR is part of the line,
/// so line numbers match what an editor shows. A byte-order mark at the start is skipped. A last line
/// without LF is a line; nothing after a final LF is not.</para>
/// <para>The span a read returns is valid until the next read. Host I/O errors are the stream's
/// exceptions (<see cref="IOException"/>); everything about the bytes themselves is a value.</para>
/// </remarks>
public sealed class BoundedLineReader
{
    private const int ReadSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private byte[] _line = new byte[4096];
    private char[] _chars = new char[4096];
    private int _position;
    private int _length;
    private int _lineLength;
    private long _total;
    private bool _endOfStream;
    private bool _stopped;

    /// <summary>Reads from <paramref name="stream"/> (not disposed by the reader).</summary>
    public BoundedLineReader(Stream stream, InputLimits limits)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(limits);
        _stream = stream;
        Limits = limits;
        _buffer = new byte[(int)Math.Min(ReadSize, Math.Max(64, limits.MaxBytes + 1))];
    }

    /// <summary>Reads the characters of <paramref name="reader"/> (not disposed by the reader) under
    /// the same limits, counted in their UTF-8 bytes.</summary>
    public BoundedLineReader(TextReader reader, InputLimits limits)
        : this(new Utf8ReaderStream(reader ?? throw new ArgumentNullException(nameof(reader))), limits)
    {
    }

    public InputLimits Limits { get; }

    /// <summary>The number of the line last returned (or being read when <see cref="Error"/> was set).</summary>
    public int LineNumber { get; private set; }

    /// <summary>Bytes consumed so far.</summary>
    public long BytesRead => _total;

    /// <summary>Why reading stopped early; null while it goes on and after a clean end.</summary>
    public InputError? Error { get; private set; }

    /// <summary>Reads the next line.</summary>
    /// <param name="line">The line without its LF (and CR before it); valid until the next call.</param>
    /// <returns>False at the end of the input or when <see cref="Error"/> is set.</returns>
    /// <exception cref="IOException">The stream failed.</exception>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        line = default;
        if (_stopped)
        {
            return false;
        }
        _lineLength = 0;
        while (true)
        {
            if (_position == _length)
            {
                if (_endOfStream || !Fill())
                {
                    break;
                }
            }
            ReadOnlySpan<byte> available = _buffer.AsSpan(_position, _length - _position);
            int nl = available.IndexOf((byte)'\n');
            int take = nl < 0 ? available.Length : nl;
            if ((long)_lineLength + take > Limits.MaxLineBytes)
            {
                int room = Limits.MaxLineBytes - _lineLength;
                Append(available[..room]);
                return Stop(LineNumber + 1, Utf16Length(_line.AsSpan(0, _lineLength)) + 1, Limits.LineTooLongMessage);
            }
            if (_total + take + (nl < 0 ? 0 : 1) > Limits.MaxBytes)
            {
                long room = Math.Max(0, Limits.MaxBytes - _total);
                Append(available[..(int)Math.Min(room, take)]);
                return Stop(LineNumber + 1, Utf16Length(_line.AsSpan(0, _lineLength)) + 1, Limits.TooLargeMessage());
            }
            Append(available[..take]);
            _total += take;
            _position += take;
            if (nl >= 0)
            {
                _position++;
                _total++;
                return Emit(out line);
            }
        }
        if (_lineLength > 0)
        {
            return Emit(out line);
        }
        _stopped = true;
        return false;
    }

    private bool Fill()
    {
        _position = 0;
        _length = _stream.Read(_buffer, 0, _buffer.Length);
        if (_length == 0)
        {
            _endOfStream = true;
            return false;
        }
        return true;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_lineLength + bytes.Length > _line.Length)
        {
            Array.Resize(ref _line, (int)Math.Min(Math.Max((long)_line.Length * 2, _lineLength + bytes.Length), Math.Max(Limits.MaxLineBytes, 1)));
        }
        bytes.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += bytes.Length;
    }

    private bool Emit(out ReadOnlySpan<char> line)
    {
        line = default;
        LineNumber++;
        ReadOnlySpan<byte> bytes = _line.AsSpan(0, _lineLength);
        if (LineNumber == 1 && bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }
        if (_chars.Length < bytes.Length)
        {
            _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        }
        OperationStatus status = Utf8.ToUtf16(bytes, _chars, out _, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            return Stop(LineNumber, written + 1, "invalid UTF-8");
        }
        if (written > 0 && _chars[written - 1] == '\r')
        {
            written--;
        }
        line = _chars.AsSpan(0, written);
        return true;
    }

    private bool Stop(int line, int column, string message)
    {
        LineNumber = line;
        Error = new InputError(line, column, message);
        _stopped = true;
        return false;
    }

    /// <summary>UTF-16 length of the valid prefix of <paramref name="bytes"/> (a truncated or invalid
    /// sequence counts one per byte): the column just past them.</summary>
    private static int Utf16Length(ReadOnlySpan<byte> bytes)
    {
        int n = 0;
        foreach (byte b in bytes)
        {
            if ((b & 0xC0) != 0x80)
            {
                n += b >= 0xF0 ? 2 : 1;
            }
        }
        return n;
    }
}

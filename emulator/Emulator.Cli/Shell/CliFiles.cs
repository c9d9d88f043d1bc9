using System.Text;

namespace Emulator.Cli.Shell;

/// <summary>
/// Files named on the command line, with <c>-</c> meaning standard input (where a file is read) or
/// standard output (where one is written), as every Unix tool does.
/// </summary>
internal static class CliFiles
{
    /// <summary>The name <c>-</c>.</summary>
    public const string StdStream = "-";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The whole text of <paramref name="path"/> (stdin for <c>-</c>).</summary>
    /// <exception cref="IOException">And the other <see cref="HostErrors.IsIo"/> exceptions.</exception>
    public static string ReadAllText(string path, TextReader? stdin = null)
    {
        if (path == StdStream)
        {
            return (stdin ?? Console.In).ReadToEnd();
        }
        return File.ReadAllText(path, Utf8);
    }

    /// <summary>A writer for <paramref name="path"/> (stdout for <c>-</c>, which disposing leaves open):
    /// UTF-8 without a byte-order mark, "\n" line ends.</summary>
    /// <exception cref="IOException">And the other <see cref="HostErrors.IsIo"/> exceptions.</exception>
    public static TextWriter CreateText(string path, TextWriter? stdout = null)
    {
        if (path == StdStream)
        {
            return new KeepOpenWriter(stdout ?? Console.Out);
        }
        return new StreamWriter(path, append: false, Utf8) { NewLine = "\n" };
    }

    /// <summary>Tries <see cref="CreateText"/>; on failure writes <c>emulator CMD: OPTION PATH: why</c>
    /// to <paramref name="stderr"/> and returns the exit code (else 0).</summary>
    public static int TryCreateText(string path, string command, string option, TextWriter stderr, out TextWriter? writer, TextWriter? stdout = null)
    {
        try
        {
            writer = CreateText(path, stdout);
            return ExitCodes.Success;
        }
        catch (Exception e) when (HostErrors.IsIo(e))
        {
            writer = null;
            stderr.WriteLine($"emulator {command}: {option}{(option.Length > 0 ? " " : "")}{path}: {HostErrors.Describe(e, path)}");
            return HostErrors.ExitCode(e, path);
        }
    }

    /// <summary>Writes through to a stream someone else owns; Dispose only flushes.</summary>
    private sealed class KeepOpenWriter(TextWriter inner) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override string NewLine
        {
            get => "\n";
#pragma warning disable CS8765 // matches the base's nullability contract loosely; a null new line is never set
            set { }
#pragma warning restore CS8765
        }

        public override void Write(char value) => inner.Write(value);

        public override void Write(string? value) => inner.Write(value);

        public override void Write(ReadOnlySpan<char> buffer) => inner.Write(buffer);

        public override void WriteLine(string? value)
        {
            inner.Write(value);
            inner.Write('\n');
        }

        public override void Flush() => inner.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Flush();
            }
        }
    }
}

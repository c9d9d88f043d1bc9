using Emulator.Board.Config;
using Emulator.Core.Text;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Strace;

namespace Emulator.Tests.Hardening;

/// <summary>Every reader of user input is bounded: /dev/zero, a multi-gigabyte sparse file and a
/// stream that never ends each stop at a limit with a located error, having allocated a few
/// megabytes — not the gigabytes that ended the process with OutOfMemoryException before.</summary>
/// <remarks>Memory is measured as bytes allocated by the test's thread while reading
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>): every managed byte the parsers hold was
/// allocated there, so the figure bounds their peak, and unlike a process's working set it is not
/// disturbed by the tests running beside it.</remarks>
public sealed class BoundedInputTests
{
    /// <summary>The stated bound: a 1 MiB line, a 64 KiB read buffer, their UTF-16 copy and change.</summary>
    private const long AllocationBound = 8L << 20;

    private static long Allocated(Action read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        read();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Devices_and_directories_are_refused_by_name_before_a_byte_is_read()
    {
        using var dir = new HardeningTempDir();
        // /dev/zero is a character device: refused at 1:1 with what it is, for each kind of input.
        Assert.Equal("/dev/zero:1:1: is a character device, not a trace file", Assert.Single(TraceParser.ParseFile("/dev/zero").Errors).ToString());
        Assert.Equal("1:1: is a character device, not a strace log file", Assert.Single(StraceImporter.ImportFile("/dev/zero").Errors).ToString());
        Assert.Equal("/dev/zero:1:1: is a character device, not a hw-config.yaml file", Assert.Single(HwConfigLoader.Load("/dev/zero").Errors).ToString());
        Assert.Equal($"{dir.Path}:1:1: is a directory", Assert.Single(TraceParser.ParseFile(dir.Path).Errors).ToString());
    }

    [Fact]
    public void Multi_gigabyte_sparse_file_is_refused_by_its_size()
    {
        using var dir = new HardeningTempDir();
        string big = dir.Sparse("big.trace", 3L << 30);
        ParseResult parsed = default!;
        long allocated = Allocated(() => parsed = TraceParser.ParseFile(big));
        // Refused by its size with the limit and how to raise it (not "0:0", not an OutOfMemoryException).
        Assert.Equal($"{big}:1:1: input is 3 GiB, larger than the 256 MiB limit for a trace (raise it with EMULATOR_MAX_TRACE=SIZE, up to 2.0 GiB)",
            Assert.Single(parsed.Errors).ToString());
        Assert.InRange(allocated, 0, AllocationBound);
        var strace = StraceImporter.ImportFile(dir.Sparse("big.strace", 5L << 30));
        Assert.StartsWith("1:1: input is 5 GiB, larger than the 1 GiB limit for a strace log", Assert.Single(strace.Errors).ToString());
        var config = HwConfigLoader.Load(dir.Sparse("big.yaml", 2L << 30));
        Assert.Contains("larger than the 1 MiB limit for a hw-config.yaml", Assert.Single(config.Errors).Message);
    }

    [Fact]
    public void Zeros_read_as_a_stream_stop_at_the_line_limit_in_bounded_memory()
    {
        using var dir = new HardeningTempDir();
        string sparse = dir.Sparse("zeros", 4L << 30);
        foreach (string path in new[] { "/dev/zero", sparse })
        {
            using var stream = File.OpenRead(path);
            ParseResult parsed = default!;
            long allocated = Allocated(() => parsed = TraceParser.Parse("in", stream));
            // NUL bytes with no LF: one line, stopped at 1 MiB (column 1 MiB + 1), having read about that much.
            Assert.Equal("in:1:1048577: line longer than 1 MiB (a trace line is at most that long; is this the right file?)",
                Assert.Single(parsed.Errors).ToString());
            Assert.InRange(stream.Position, 1 << 20, 2 << 20);
            Assert.InRange(allocated, 0, AllocationBound);

            using var again = File.OpenRead(path);
            StraceImportResult imported = default!;
            allocated = Allocated(() => imported = StraceImporter.Import(again));
            Assert.Equal("1:1048577: line longer than 1 MiB (a strace log line is at most that long; is this the right file?)",
                Assert.Single(imported.Errors).ToString());
            Assert.InRange(allocated, 0, AllocationBound);
        }
    }

    [Fact]
    public void Endless_stream_of_valid_lines_stops_at_the_size_limit_in_bounded_memory()
    {
        var limits = InputLimits.Default(InputKind.Trace) with { MaxBytes = 16L << 20 };
        var endless = new EndlessStream("trace 1\nprocess p\n", "# a comment line that never ends\n");
        ParseResult parsed = default!;
        long allocated = Allocated(() => parsed = TraceParser.Parse("pipe", endless, limits));
        TraceError error = Assert.Single(parsed.Errors);
        // Stopped at the limit, on the line being read when it was reached; nothing more was read.
        Assert.StartsWith("input is larger than the 16 MiB limit for a trace", error.Message);
        Assert.Equal(2 + (int)(((16L << 20) - 18) / 33) + 1, error.Line);
        Assert.InRange(endless.Delivered, 16L << 20, (16L << 20) + (64 << 10));
        Assert.InRange(allocated, 0, AllocationBound);

        // An strace log of skipped calls costs a counter, not a list, per line.
        var log = new EndlessStream("", "123 read(3, \"\", 4096) = 0\n");
        StraceImportResult imported = default!;
        allocated = Allocated(() => imported = StraceImporter.Import(log, limits: InputLimits.Default(InputKind.StraceLog) with { MaxBytes = 16L << 20 }));
        Assert.StartsWith("input is larger than the 16 MiB limit for a strace log", Assert.Single(imported.Errors).Message);
        Assert.InRange(allocated, 0, AllocationBound);
    }

    [Fact]
    public void Text_reader_is_bounded_like_a_stream()
    {
        var limits = InputLimits.Default(InputKind.Trace) with { MaxLineBytes = 100 };
        var parsed = TraceParser.Parse("stdin", new StringReader("trace 1\n" + new string('x', 500) + "\n"), limits);
        // Limits count UTF-8 bytes whatever the source; the column is the first character past the limit.
        Assert.Equal("stdin:2:101: line longer than 100 bytes (a trace line is at most that long; is this the right file?)", Assert.Single(parsed.Errors).ToString());
    }

    [Fact]
    public void Environment_raises_a_limit_and_a_bad_value_is_a_warning()
    {
        string name = InputLimits.EnvironmentVariable(InputKind.HwConfig);
        string? saved = Environment.GetEnvironmentVariable(name);
        try
        {
            Environment.SetEnvironmentVariable(name, "3M");
            Assert.Equal(3L << 20, InputLimits.For(InputKind.HwConfig, out string? warning).MaxBytes);
            Assert.Null(warning);
            Environment.SetEnvironmentVariable(name, "9G");
            // Above the ceiling: the default stays and the user is told why.
            Assert.Equal(1L << 20, InputLimits.For(InputKind.HwConfig, out warning).MaxBytes);
            Assert.Equal("EMULATOR_MAX_CONFIG=9G ignored: expected a size 1..2147483647 (bytes, or with K, M or G)", warning);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, saved);
        }
    }

    [Fact]
    public void Too_many_errors_stop_the_parse()
    {
        var garbage = new EndlessStream("trace 1\n", "bogus\n");
        var parsed = TraceParser.Parse("junk", garbage, InputLimits.Default(InputKind.Trace));
        // 100 located errors and a last line saying the rest was not read; not a list of millions.
        Assert.Equal(TraceParser.MaxErrors + 1, parsed.Errors.Count);
        Assert.Equal("too many errors (100); the rest of the file was not read", parsed.Errors[^1].Message);
        Assert.InRange(garbage.Delivered, 0, 1 << 20);
    }
}

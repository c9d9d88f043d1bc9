using System.Text;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// <c>emulator trace import-strace</c>: converts an <c>strace -f -e trace=%memory,%process</c> log
/// into a v1 trace (docs/strace-import.md) that replays on the emulated mm.
/// </summary>
/// <remarks>
/// <para>Two passes. The first parses every line (<see cref="StraceLineParser"/>), joins each pid's
/// <c>&lt;unfinished ...&gt;</c> half with its <c>&lt;... resumed&gt;</c> half, counts unknown
/// syscalls, and collects every malformed line; a log with any malformed line converts to nothing,
/// so the user sees all the errors at once and no partial trace. The second pass
/// (<see cref="StraceConverter"/>) turns the calls into statements.</para>
/// <para>A joined call sits at its <c>resumed</c> line: that is when its result, and so its effect,
/// is known.</para>
/// </remarks>
public static class StraceImporter
{
    /// <summary>Converts a whole log.</summary>
    /// <exception cref="ArgumentException">The device name is not a trace name, or the probe count is negative.</exception>
    public static StraceImportResult Import(ReadOnlySpan<char> text, StraceImportOptions? options = null)
    {
        options ??= new StraceImportOptions();
        if (options.Device is { } device && !IsValidName(device))
        {
            throw new ArgumentException($"invalid device name '{device}': names match [a-z][a-z0-9_]*", nameof(options));
        }
        if (options.DmaProbes < 0)
        {
            throw new ArgumentException($"the probe count must not be negative, got {options.DmaProbes}", nameof(options));
        }

        var events = new List<StraceEvent>();
        var errors = new List<StraceError>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        var skippedLookup = skipped.GetAlternateLookup<ReadOnlySpan<char>>();
        var approximations = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new Dictionary<int, Pending>();

        if (!text.IsEmpty && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        int lineNumber = 0;
        while (!text.IsEmpty)
        {
            int nl = text.IndexOf('\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? default : text[(nl + 1)..];
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }
            lineNumber++;
            if (!StraceLineParser.TryParseLine(line, out var parsed, out var error))
            {
                errors.Add(new StraceError(lineNumber, error.Index + 1, error.Message));
                continue;
            }
            switch (parsed.Kind)
            {
                case StraceLineKind.Exited:
                    if (pending.Remove(parsed.Pid, out var cut) && cut.Syscall != StraceSyscall.Unknown)
                    {
                        Count(approximations, StraceApproximation.NeverResumed);
                    }
                    events.Add(new StraceEvent(lineNumber, parsed.Pid, true, default));
                    break;
                case StraceLineKind.Call:
                    if (parsed.Syscall == StraceSyscall.Unknown)
                    {
                        CountSkipped(skippedLookup, line.Slice(parsed.NameStart, parsed.NameLength));
                    }
                    else
                    {
                        events.Add(new StraceEvent(lineNumber, parsed.Pid, false, parsed.Call));
                    }
                    break;
                case StraceLineKind.Unfinished:
                {
                    var name = line.Slice(parsed.NameStart, parsed.NameLength);
                    if (pending.TryGetValue(parsed.Pid, out var open))
                    {
                        errors.Add(new StraceError(lineNumber, parsed.NameStart + 1,
                            $"pid {parsed.Pid} starts '{name}' while its '{open.Name}' of line {open.Line} is unfinished"));
                        break;
                    }
                    if (parsed.Syscall == StraceSyscall.Unknown)
                    {
                        CountSkipped(skippedLookup, name);
                    }
                    pending[parsed.Pid] = new Pending(name.ToString(), parsed.Syscall, lineNumber, parsed.BodyStart + 1,
                        parsed.Syscall == StraceSyscall.Unknown ? "" : line[parsed.BodyStart..parsed.BodyEnd].ToString());
                    break;
                }
                case StraceLineKind.Resumed:
                {
                    var name = line.Slice(parsed.NameStart, parsed.NameLength);
                    if (!pending.Remove(parsed.Pid, out var open))
                    {
                        errors.Add(new StraceError(lineNumber, parsed.NameStart + 1,
                            $"'{name}' resumed but pid {parsed.Pid} has no unfinished call"));
                        break;
                    }
                    if (!name.SequenceEqual(open.Name))
                    {
                        errors.Add(new StraceError(lineNumber, parsed.NameStart + 1,
                            $"'{name}' resumed but pid {parsed.Pid}'s unfinished call (line {open.Line}) is '{open.Name}'"));
                        break;
                    }
                    if (open.Syscall == StraceSyscall.Unknown)
                    {
                        break;
                    }
                    string joined = string.Concat(open.Args, line[parsed.BodyStart..]);
                    if (!StraceLineParser.TryParseCall(joined, open.Syscall, out var call, out error))
                    {
                        errors.Add(error.Index < open.Args.Length
                            ? new StraceError(open.Line, open.Column + error.Index, error.Message)
                            : new StraceError(lineNumber, parsed.BodyStart + 1 + error.Index - open.Args.Length, error.Message));
                        break;
                    }
                    events.Add(new StraceEvent(lineNumber, parsed.Pid, false, call));
                    break;
                }
            }
        }
        foreach (var open in pending.Values)
        {
            if (open.Syscall != StraceSyscall.Unknown)
            {
                Count(approximations, StraceApproximation.NeverResumed);
            }
        }
        if (errors.Count > 0)
        {
            return new StraceImportResult([], errors, skipped, approximations, lineNumber, 0);
        }
        var converter = new StraceConverter(options, approximations);
        var statements = converter.Convert(events);
        return new StraceImportResult(statements, errors, skipped, approximations, lineNumber, converter.Processes);
    }

    /// <summary>Reads and converts a log file (UTF-8; invalid bytes are replaced, since strace escapes
    /// non-ASCII in strings anyway).</summary>
    /// <exception cref="IOException">Host I/O failed.</exception>
    public static StraceImportResult ImportFile(string path, StraceImportOptions? options = null) =>
        Import(File.ReadAllText(path, Encoding.UTF8), options);

    /// <summary>True when <paramref name="name"/> is a valid trace name (<c>[a-z][a-z0-9_]*</c>).</summary>
    public static bool IsValidName(string name) => TraceNames.IsName(name);

    internal static void Count(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    private static void CountSkipped(Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> skipped, ReadOnlySpan<char> name)
    {
        if (skipped.TryGetValue(name, out int n))
        {
            skipped[name] = n + 1;
        }
        else
        {
            skipped[name] = 1;
        }
    }

    /// <summary>The first half of a call: its arguments so far, and where they start (to report an
    /// error found in them at the right line and column).</summary>
    private readonly record struct Pending(string Name, StraceSyscall Syscall, int Line, int Column, string Args);
}

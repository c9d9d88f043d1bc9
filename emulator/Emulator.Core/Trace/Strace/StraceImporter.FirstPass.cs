using Emulator.Core.Text;

namespace Emulator.Core.Trace.Strace;

public static partial class StraceImporter
{
    /// <summary>The first pass, a line at a time: parses each line, joins each pid's
    /// <c>&lt;unfinished ...&gt;</c> half with its <c>&lt;... resumed&gt;</c> half, counts unknown
    /// syscalls and collects malformed lines; <see cref="Finish"/> runs the second pass.</summary>
    private sealed class FirstPass(StraceImportOptions options)
    {
        private readonly List<StraceEvent> _events = [];
        private readonly List<StraceError> _errors = [];
        private readonly Dictionary<string, int> _skipped = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _approximations = new(StringComparer.Ordinal);
        private readonly Dictionary<int, Pending> _pending = [];

        public bool GaveUp => _errors.Count >= MaxErrors;

        public void Line(int lineNumber, ReadOnlySpan<char> line)
        {
            if (!StraceLineParser.TryParseLine(line, out var parsed, out var error))
            {
                Error(lineNumber, error.Index + 1, error.Message);
                return;
            }
            switch (parsed.Kind)
            {
                case StraceLineKind.Exited:
                    if (_pending.Remove(parsed.Pid, out var cut) && cut.Syscall != StraceSyscall.Unknown)
                    {
                        Count(_approximations, StraceApproximation.NeverResumed);
                    }
                    _events.Add(new StraceEvent(lineNumber, parsed.Pid, true, default));
                    break;
                case StraceLineKind.Call:
                    if (parsed.Syscall == StraceSyscall.Unknown)
                    {
                        CountSkipped(line.Slice(parsed.NameStart, parsed.NameLength));
                    }
                    else
                    {
                        _events.Add(new StraceEvent(lineNumber, parsed.Pid, false, parsed.Call));
                    }
                    break;
                case StraceLineKind.Unfinished:
                {
                    var name = line.Slice(parsed.NameStart, parsed.NameLength);
                    if (_pending.TryGetValue(parsed.Pid, out var open))
                    {
                        Error(lineNumber, parsed.NameStart + 1,
                            $"pid {parsed.Pid} starts '{name}' while its '{open.Name}' of line {open.Line} is unfinished");
                        break;
                    }
                    if (parsed.Syscall == StraceSyscall.Unknown)
                    {
                        CountSkipped(name);
                    }
                    _pending[parsed.Pid] = new Pending(name.ToString(), parsed.Syscall, lineNumber, parsed.BodyStart + 1,
                        parsed.Syscall == StraceSyscall.Unknown ? "" : line[parsed.BodyStart..parsed.BodyEnd].ToString());
                    break;
                }
                case StraceLineKind.Resumed:
                {
                    var name = line.Slice(parsed.NameStart, parsed.NameLength);
                    if (!_pending.Remove(parsed.Pid, out var open))
                    {
                        Error(lineNumber, parsed.NameStart + 1, $"'{name}' resumed but pid {parsed.Pid} has no unfinished call");
                        break;
                    }
                    if (!name.SequenceEqual(open.Name))
                    {
                        Error(lineNumber, parsed.NameStart + 1,
                            $"'{name}' resumed but pid {parsed.Pid}'s unfinished call (line {open.Line}) is '{open.Name}'");
                        break;
                    }
                    if (open.Syscall == StraceSyscall.Unknown)
                    {
                        break;
                    }
                    string joined = string.Concat(open.Args, line[parsed.BodyStart..]);
                    if (!StraceLineParser.TryParseCall(joined, open.Syscall, out var call, out error))
                    {
                        if (error.Index < open.Args.Length)
                        {
                            Error(open.Line, open.Column + error.Index, error.Message);
                        }
                        else
                        {
                            Error(lineNumber, parsed.BodyStart + 1 + error.Index - open.Args.Length, error.Message);
                        }
                        break;
                    }
                    _events.Add(new StraceEvent(lineNumber, parsed.Pid, false, call));
                    break;
                }
            }
        }

        /// <summary>The second pass, when every line parsed; otherwise the errors and no statements.</summary>
        public StraceImportResult Finish(int lines)
        {
            foreach (var open in _pending.Values)
            {
                if (open.Syscall != StraceSyscall.Unknown)
                {
                    Count(_approximations, StraceApproximation.NeverResumed);
                }
            }
            if (GaveUp)
            {
                StraceError last = _errors[^1];
                _errors.Add(last with { Message = $"too many malformed lines ({MaxErrors}); the rest of the log was not read" });
            }
            if (_errors.Count > 0)
            {
                return new StraceImportResult([], _errors, _skipped, _approximations, lines, 0);
            }
            var converter = new StraceConverter(options, _approximations);
            var statements = converter.Convert(_events);
            return new StraceImportResult(statements, _errors, _skipped, _approximations, lines, converter.Processes);
        }

        /// <summary>The log could not be read to its end (a limit, invalid UTF-8): that is its one error.</summary>
        public StraceImportResult Refuse(StraceError error, int lines) =>
            new([], [error], _skipped, _approximations, lines, 0);

        /// <summary>Records a malformed line; the message quotes the log, so it is escaped here.</summary>
        private void Error(int line, int column, string message) =>
            _errors.Add(new StraceError(line, column, SafeText.Message(message)));

        private void CountSkipped(ReadOnlySpan<char> name)
        {
            var skipped = _skipped.GetAlternateLookup<ReadOnlySpan<char>>();
            // Names are counted as strace wrote them; a flood of distinct junk names is bounded by MaxErrors
            // only if they are malformed, so the table itself is capped.
            if (skipped.TryGetValue(name, out int n))
            {
                skipped[name] = n + 1;
            }
            else if (_skipped.Count < MaxSkippedNames)
            {
                skipped[name] = 1;
            }
            else
            {
                Count(_skipped, OtherSkipped);
            }
        }
    }

    /// <summary>Distinct skipped syscall names kept; Linux has fewer than 500 system calls.</summary>
    private const int MaxSkippedNames = 1024;

    /// <summary>The count of skipped calls whose names did not fit the table.</summary>
    private const string OtherSkipped = "(other names)";

    /// <summary>The first half of a call: its arguments so far, and where they start (to report an
    /// error found in them at the right line and column).</summary>
    private readonly record struct Pending(string Name, StraceSyscall Syscall, int Line, int Column, string Args);
}

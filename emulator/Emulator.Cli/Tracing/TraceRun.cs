using Emulator.Cli.Shell;
using Emulator.Core;
using Emulator.Core.Diagnostics;

namespace Emulator.Cli.Tracing;

/// <summary>
/// One command's tracing: the files <c>--trace-file</c> and <c>--timeline</c> name, the sinks, and the
/// session bound to the command's thread (the one that runs the machines). <see cref="Finish"/>
/// closes the timeline and returns the statistics.
/// </summary>
internal sealed class TraceRun : IDisposable
{
    private readonly TraceSession _session = new();
    private readonly TextWriter? _traceWriter;
    private readonly TextWriter? _timelineWriter;
    private readonly TimelineSink? _timeline;
    private bool _finished;

    private TraceRun(TextWriter? traceWriter, ulong mask, TextWriter? timelineWriter, bool stats)
    {
        _traceWriter = traceWriter;
        _timelineWriter = timelineWriter;
        if (traceWriter is not null)
        {
            _session.Add(new TextTraceSink(traceWriter), mask);
        }
        if (timelineWriter is not null)
        {
            _timeline = new TimelineSink(timelineWriter);
            _session.Add(_timeline);
        }
        if (stats)
        {
            Statistics = new TraceStatistics();
            _session.Add(Statistics);
        }
        _session.Bind();
    }

    /// <summary>The session (for the board link's frame pumps, which run on their own threads).</summary>
    public TraceSession Session => _session;

    /// <summary>The statistics (with <c>--stats</c>), else null.</summary>
    public TraceStatistics? Statistics { get; }

    /// <summary>Opens what <paramref name="settings"/> asks for; null when nothing (or after an error:
    /// <paramref name="exitCode"/> is then 2 or 3 and the reason is on stderr).</summary>
    public static TraceRun? Open(string command, TraceSettings settings, CliContext context, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (!settings.Any)
        {
            return null;
        }
        ulong mask = 0;
        TextWriter? trace = null, timeline = null;
        if (settings.Patterns is not null)
        {
            if (!TraceEventCatalog.TryParse(settings.Patterns, out mask, out string? error))
            {
                context.Stderr.WriteLine($"emulator {command}: --trace {settings.Patterns}: {error}");
                exitCode = ExitCodes.Usage;
                return null;
            }
            if (settings.TraceFile is null)
            {
                trace = context.Stderr;
            }
            else if ((exitCode = CliFiles.TryCreateText(settings.TraceFile, command, "--trace-file", context.Stderr, out trace, context.Stdout)) != 0)
            {
                return null;
            }
        }
        else if (settings.TraceFile is not null)
        {
            context.Stderr.WriteLine($"emulator {command}: --trace-file needs --trace PATTERN");
            exitCode = ExitCodes.Usage;
            return null;
        }
        if (settings.Timeline is not null &&
            (exitCode = CliFiles.TryCreateText(settings.Timeline, command, "--timeline", context.Stderr, out timeline, context.Stdout)) != 0)
        {
            if (!ReferenceEquals(trace, context.Stderr))
            {
                trace?.Dispose();
            }
            return null;
        }
        return new TraceRun(ReferenceEquals(trace, context.Stderr) ? new KeepOpen(trace!) : trace, mask, timeline, settings.Stats);
    }

    /// <summary>Prints the trace-event catalogue (<c>--trace list</c>).</summary>
    public static void List(TextWriter stdout)
    {
        foreach (var (_, name, description) in TraceEventCatalog.All)
        {
            stdout.WriteLine($"{name,-28}{description}");
        }
    }

    /// <summary>Adds the ATC lookups of every device of <paramref name="machine"/> to the statistics.</summary>
    public void CountAtc(Machine? machine)
    {
        if (Statistics is null || machine?.Backend is not { } sim)
        {
            return;
        }
        foreach (uint sid in sim.AttachedSids())
        {
            if (sim.TryGetDevice(sid, out var device) && device is not null)
            {
                Statistics.AddAtc(device.AtcHits, device.AtcMisses);
            }
        }
    }

    /// <summary>Unbinds the session, completes the timeline and flushes the trace file.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }
        _finished = true;
        _session.Unbind();
        _session.Close();
        _timeline?.Finish();
        _timelineWriter?.Dispose();
        _traceWriter?.Flush();
        _traceWriter?.Dispose();
    }

    public void Dispose() => Finish();

    /// <summary>stderr, which disposing must not close.</summary>
    private sealed class KeepOpen(TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void Write(char value) => inner.Write(value);

        public override void Write(string? value) => inner.Write(value);

        public override void WriteLine(string? value) => inner.WriteLine(value);

        public override void Flush() => inner.Flush();
    }
}

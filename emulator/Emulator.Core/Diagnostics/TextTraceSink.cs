namespace Emulator.Core.Diagnostics;

/// <summary><c>--trace</c>: one line per event (<c>@TIME AGENT NAME ARGS</c>) to stderr or <c>--trace-file</c>.</summary>
public sealed class TextTraceSink(TextWriter writer) : ITraceSink
{
    private readonly TraceSubjects _subjects = new();

    /// <summary>Lines written.</summary>
    public long Lines { get; private set; }

    public void Write(in TraceEvent e)
    {
        writer.WriteLine(TraceEventCatalog.Format(e, _subjects.Name(e.Subject)));
        Lines++;
    }
}

namespace Emulator.Core.Diagnostics;

/// <summary>
/// One run's tracing: the virtual clock and the sinks, each with the set of events it wants. Bind it
/// to the thread that runs the machine; dispose (or <see cref="Unbind"/>) when the run ends.
/// </summary>
public sealed class TraceSession : IDisposable
{
    /// <summary>Guards the clock and the sinks: events may come from a board's threads too.</summary>
    private readonly Lock _lock = new();
    private readonly List<(ITraceSink Sink, ulong Mask)> _sinks = [];
    private long _now;
    private bool _closed;

    /// <summary>Every event.</summary>
    public const ulong All = ulong.MaxValue;

    /// <summary>Virtual cycles so far.</summary>
    public long Now
    {
        get
        {
            lock (_lock)
            {
                return _now;
            }
        }
    }

    /// <summary>Adds a sink for the events in <paramref name="mask"/> (bit <c>1 &lt;&lt; (int)id</c> per event).</summary>
    public void Add(ITraceSink sink, ulong mask = All)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_lock)
        {
            _sinks.Add((sink, mask));
        }
    }

    /// <summary>Makes this the session of the calling thread.</summary>
    /// <exception cref="InvalidOperationException">The thread already has a session.</exception>
    public TraceSession Bind()
    {
        TraceEvents.Bind(this);
        return this;
    }

    /// <summary>Detaches this session from the calling thread.</summary>
    public void Unbind()
    {
        TraceEvents.Unbind(this);
    }

    internal void Advance(long cycles)
    {
        lock (_lock)
        {
            _now += cycles;
        }
    }

    /// <summary>Records one event (the clock advances by one whether or not a sink wants it).</summary>
    public void Emit(TraceEventId id, TraceAgentKind agent, int agentIndex, ulong a0, ulong a1, ulong a2, ulong a3, object? subject)
    {
        ulong bit = 1UL << (int)id;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            long t = ++_now;
            var e = new TraceEvent(id, t, agent, agentIndex, a0, a1, a2, a3, subject);
            foreach (var (sink, mask) in _sinks)
            {
                if ((mask & bit) != 0)
                {
                    sink.Write(e);
                }
            }
        }
    }

    /// <summary>Stops delivering events (to every thread), so sinks can be finished while a board
    /// link's threads may still be running.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }

    public void Dispose() => Unbind();
}

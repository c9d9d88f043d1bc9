namespace Emulator.Core.Kernel.Signals;

/// <summary>
/// A set of pending signals with their siginfo: a standard signal is pending at most once (a second
/// one while pending is discarded), real-time signals queue in order (kernel/signal.c
/// <c>legacy_queue</c>, <c>__sigqueue_alloc</c>).
/// </summary>
internal sealed class PendingSignals
{
    /// <summary>Queued real-time signals per number beyond which more are dropped (RLIMIT_SIGPENDING-like).</summary>
    private const int MaxQueued = 1024;

    private readonly List<SigInfo> _queue = [];

    /// <summary>Bit n-1 set when signal n is pending.</summary>
    public ulong Mask { get; private set; }

    /// <summary>Adds <paramref name="info"/>; false when a standard signal was already pending.</summary>
    public bool Add(in SigInfo info)
    {
        ulong bit = SignalAbi.Bit(info.Signal);
        if (info.Signal < SignalAbi.SigRtMin && (Mask & bit) != 0)
        {
            return false;
        }
        if (_queue.Count >= MaxQueued)
        {
            return false;
        }
        _queue.Add(info);
        Mask |= bit;
        return true;
    }

    /// <summary>Removes and returns the oldest pending instance of <paramref name="signal"/>.</summary>
    public bool Take(int signal, out SigInfo info)
    {
        for (int i = 0; i < _queue.Count; i++)
        {
            if (_queue[i].Signal == signal)
            {
                info = _queue[i];
                _queue.RemoveAt(i);
                bool more = false;
                foreach (var q in _queue)
                {
                    more |= q.Signal == signal;
                }
                if (!more)
                {
                    Mask &= ~SignalAbi.Bit(signal);
                }
                return true;
            }
        }
        info = default;
        return false;
    }

    /// <summary>Discards every pending instance of the signals in <paramref name="set"/> (a signal
    /// set to SIG_IGN, or SIGCONT discarding stop signals).</summary>
    public void Discard(ulong set)
    {
        _queue.RemoveAll(q => (SignalAbi.Bit(q.Signal) & set) != 0);
        Mask &= ~set;
    }

    public void Clear()
    {
        _queue.Clear();
        Mask = 0;
    }
}

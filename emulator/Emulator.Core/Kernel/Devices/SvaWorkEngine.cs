using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// The device's asynchronous engine: descriptors submitted through its portals wait in a work queue
/// (bounded: a full shared queue makes ENQCMD answer "retry") and up to
/// <see cref="SvaWorkEngineOptions.MaxInFlight"/> of them execute at once, each a step at a time
/// (<see cref="SvaJob"/>). Whoever drives the engine — the guest kernel's scheduler, between vCPU
/// ticks — calls <see cref="Step"/>, which advances one job by one step, the job chosen by the
/// caller's number so a seed fixes the interleaving.
/// </summary>
/// <remarks>Not thread-safe: one thread (the kernel's) submits and steps. The endpoint's invalidation
/// path may call back into a job (<see cref="SvaJob.Drain"/>) on the same thread, from inside a step
/// of the CPU side (a munmap) — never from inside <see cref="Step"/>'s own DMA bookkeeping.</remarks>
public sealed class SvaWorkEngine
{
    private static readonly NLog.Logger s_log = Log.For("sva-dev");
    private readonly DmaDevice _device;
    private readonly SvaWorkEngineOptions _options;
    private readonly Queue<(uint Pasid, SvaDescriptor Descriptor)> _queue = new();
    private readonly List<SvaJob> _running = [];
    private readonly Stack<SvaJob> _spare = new();
    private long _submitted, _completed, _steps, _retries, _lost;

    public SvaWorkEngine(DmaDevice device, SvaWorkEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _options = options ?? new SvaWorkEngineOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxInFlight, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.QueueDepth, 1, nameof(options));
    }

    public SvaWorkEngineOptions Options => _options;

    /// <summary>Told the physical address of every DMA write the engine completed (the kernel drops
    /// decoded instructions of the frame); null for none.</summary>
    public Action<ulong>? Wrote { get; set; }

    /// <summary>Nothing queued and nothing executing.</summary>
    public bool IsIdle => _queue.Count == 0 && _running.Count == 0;

    /// <summary>Descriptors queued or executing.</summary>
    public int Pending => _queue.Count + _running.Count;

    public long Submitted => _submitted;
    public long Completed => _completed;
    public long Steps => _steps;

    /// <summary>Submissions refused because the queue was full (ENQCMD's retry).</summary>
    public long Retries => _retries;

    /// <summary>Descriptors whose completion record could not be written (or had no valid address).</summary>
    public long CompletionsLost => _lost;

    /// <summary>Queues a descriptor for <paramref name="pasid"/>; false (nothing queued) when the queue is full.</summary>
    public bool TrySubmit(uint pasid, in SvaDescriptor descriptor)
    {
        if (_queue.Count >= _options.QueueDepth)
        {
            _retries++;
            return false;
        }
        _queue.Enqueue((pasid, descriptor));
        _submitted++;
        return true;
    }

    /// <summary>
    /// Advances one job by one step: a queued descriptor starts when there is room; then the
    /// <paramref name="choice"/>-th (modulo) executing job steps.
    /// </summary>
    /// <returns>false when the engine was idle.</returns>
    public bool Step(ulong choice)
    {
        while (_running.Count < _options.MaxInFlight && _queue.TryDequeue(out var next))
        {
            var job = _spare.Count > 0 ? _spare.Pop() : new SvaJob(_device, this);
            job.Reset(next.Pasid, next.Descriptor);
            _running.Add(job);
        }
        if (_running.Count == 0)
        {
            return false;
        }
        int i = (int)(choice % (ulong)_running.Count);
        var j = _running[i];
        _steps++;
        if (!j.Step())
        {
            Retire(i);
        }
        return true;
    }

    /// <summary>Runs every descriptor of <paramref name="pasid"/> — executing or queued — to completion now:
    /// the driver's drain before the PASID goes away (unbind, or the process's mm exiting).</summary>
    public void DrainPasid(uint pasid)
    {
        for (int i = 0; i < _running.Count;)
        {
            var j = _running[i];
            if (j.Pasid != pasid)
            {
                i++;
                continue;
            }
            while (j.Step())
            {
                _steps++;
            }
            Retire(i);
        }
        int n = _queue.Count;
        for (int k = 0; k < n; k++)
        {
            var q = _queue.Dequeue();
            if (q.Pasid != pasid)
            {
                _queue.Enqueue(q);
                continue;
            }
            var job = _spare.Count > 0 ? _spare.Pop() : new SvaJob(_device, this);
            job.Reset(q.Pasid, q.Descriptor);
            while (job.Step())
            {
                _steps++;
            }
            Count(job);
            _spare.Push(job);
        }
    }

    private void Retire(int index)
    {
        var j = _running[index];
        _running.RemoveAt(index);
        Count(j);
        _spare.Push(j);
    }

    private void Count(SvaJob j)
    {
        _completed++;
        if (j.CompletionLost)
        {
            _lost++;
        }
        s_log.Trace("sid {0:x} pasid {1:x}: portal descriptor done in {2} steps: {3}", _device.Sid, j.Pasid, j.Steps, j.Result);
    }
}

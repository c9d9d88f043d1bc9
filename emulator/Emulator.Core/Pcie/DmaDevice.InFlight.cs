using System.Diagnostics;
using Emulator.Core.Memory;

namespace Emulator.Core.Pcie;

/// <summary>
/// Split-phase DMA for an asynchronous engine: <see cref="BeginAccess"/> translates a page access (ATC,
/// ATS, PRI exactly as <see cref="Read"/>/<see cref="Write"/> do) and leaves it in flight;
/// <see cref="Complete"/> moves the bytes later, showing the access to the oracle then (a frame freed in
/// between makes it stale). Between the two, an invalidation of the translation drains the access
/// before it completes (<see cref="InvalidateAtc"/>).
/// </summary>
public sealed partial class DmaDevice
{
    /// <summary>Guards <see cref="_inflight"/> and every access's <see cref="DmaAccess.Completed"/>.
    /// Taken by the invalidation path (with the SMMU's and the mm's locks held) and by the engine; never
    /// held while calling out, except into <see cref="IDmaDrain.Drain"/>, which only moves bytes.</summary>
    private readonly Lock _inflightLock = new();
    private readonly List<DmaAccess> _inflight = [];

    /// <summary><see cref="_inflight"/>'s count, written under <see cref="_inflightLock"/> and read without
    /// it by <see cref="DrainCovered"/>: reading 0 is the same as taking the lock before a concurrent
    /// <see cref="BeginAccess"/> adds its access, so a synchronous invalidation with nothing in flight
    /// takes no lock.</summary>
    private volatile int _inflightCount;

    /// <summary>Set by <see cref="BeginAccess"/> while it resolves: the oracle check waits for the
    /// access's completion, and the translation's details are kept in the fields below. Under <see cref="_dmaLock"/>.</summary>
    private bool _deferCheck;
    private ulong _lastFramePa, _lastSpanStart;
    private uint _lastGeneration;
    private int _lastSpanLog2;

    private long _drained;
    private long _drainingInvalidations;
    private long _earlyCompletions;
    private long _drainTicks;

    /// <summary>DMAs in flight that an invalidation drained before completing.</summary>
    public long DrainedAccesses => Interlocked.Read(ref _drained);

    /// <summary>Invalidations that had to drain at least one DMA in flight first.</summary>
    public long DrainingInvalidations => Interlocked.Read(ref _drainingInvalidations);

    /// <summary>Host time the draining invalidations spent waiting for their DMAs to complete (the
    /// drain's share of an invalidation's latency); its mean is this over <see cref="DrainingInvalidations"/>.</summary>
    public TimeSpan DrainWait => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _drainTicks));

    /// <summary>Invalidations answered while a DMA through their translation was still in flight
    /// (only under the <c>complete-before-drain</c> fault injection).</summary>
    public long EarlyCompletions => Interlocked.Read(ref _earlyCompletions);

    /// <summary>DMAs in flight now.</summary>
    public int InFlight
    {
        get
        {
            using (_inflightLock.EnterScope())
            {
                return _inflight.Count;
            }
        }
    }

    /// <summary>The oracle check of a translation <see cref="Resolve"/> hands out: now (the synchronous
    /// paths), or at <see cref="Complete"/> (split-phase).</summary>
    private bool Observe(uint pasid, ulong va, ulong pa, ulong framePa, uint generation, bool write, ulong spanStart, int spanLog2)
    {
        if (_deferCheck)
        {
            _lastFramePa = framePa;
            _lastGeneration = generation;
            _lastSpanStart = spanStart;
            _lastSpanLog2 = spanLog2;
            return false;
        }
        return _oracle.CheckDma(Sid, pasid, va, pa, framePa, generation, write);
    }

    /// <summary>
    /// Translates the access of the page at <paramref name="va"/> and leaves it in flight for
    /// <paramref name="owner"/>. The bytes move at <see cref="Complete"/> (or when an invalidation drains it).
    /// </summary>
    /// <returns><see cref="DmaFaultReason.None"/> with the access, or the fault (no access).</returns>
    public DmaFaultReason BeginAccess(uint pasid, ulong va, bool write, IDmaDrain owner, out DmaAccess? access)
    {
        ArgumentNullException.ThrowIfNull(owner);
        access = null;
        DmaFaultReason reason;
        ulong pa;
        lock (_dmaLock)
        {
            _deferCheck = true;
            try
            {
                reason = Resolve(pasid, va, write, out pa);
            }
            finally
            {
                _deferCheck = false;
            }
            if (reason != DmaFaultReason.None)
            {
                Interlocked.Increment(ref _faults);
                return reason;
            }
            access = new DmaAccess(pasid, va, pa, _lastFramePa, _lastGeneration, write, _lastSpanStart, _lastSpanLog2, owner);
        }
        using (_inflightLock.EnterScope())
        {
            _inflight.Add(access);
            _inflightCount = _inflight.Count;
        }
        return DmaFaultReason.None;
    }

    /// <summary>
    /// Performs an access in flight: reads into or writes from <paramref name="data"/> (at most to the
    /// end of the access's page). The oracle sees it now: if the frame was freed since the translation,
    /// the access is stale (a stale write is recorded and contained). Completing an access twice (it was
    /// drained) does nothing.
    /// </summary>
    /// <returns>false when the access fell outside RAM (an abort).</returns>
    public bool Complete(DmaAccess access, Span<byte> data)
    {
        ArgumentNullException.ThrowIfNull(access);
        using (_inflightLock.EnterScope())
        {
            if (access.Completed)
            {
                return access.Ok;
            }
            access.Completed = true;
            _inflight.Remove(access);
            _inflightCount = _inflight.Count;
        }
        Debug.Assert(data.Length <= Page.Size - (int)(access.Va & Page.Mask), "an access stays within its page");
        bool stale = _oracle.CheckDma(Sid, access.Pasid, access.Va, access.Pa, access.FramePa, access.Generation, access.Write);
        if (access.OutlivedInvalidation && !stale)
        {
            // The frame may still be the process's (an mprotect, a COW break), but the device used a
            // translation after answering its invalidation: what the drain rule forbids.
            _oracle.RecordViolation(Sid, access.Pasid, access.Va, access.Pa,
                $"DMA {(access.Write ? "write" : "read")} in flight completed after the invalidation of its translation was answered");
        }
        bool ok;
        if (access.Write && stale)
        {
            Interlocked.Increment(ref _staleWritesContained);
            ok = true;
        }
        else
        {
            ok = access.Write ? _memory.TryWrite(access.Pa, data) : _memory.TryRead(access.Pa, data);
        }
        access.Ok = ok;
        return ok;
    }

    /// <summary>
    /// The drain rule (PCIe Base §10.3.1): before an invalidation is answered, every DMA in flight whose
    /// translation it covers completes — with the translation it was issued with, while the frame is
    /// still the process's (the mm frees it only after the invalidation). Unrelated accesses stay in
    /// flight. Under <see cref="DmaDeviceOptions.CompleteBeforeDrain"/> they all stay in flight.
    /// </summary>
    private void DrainCovered(in AtcInvalidation request)
    {
        if (_inflightCount == 0)
        {
            return;
        }
        List<DmaAccess>? covered = null;
        using (_inflightLock.EnterScope())
        {
            foreach (var a in _inflight)
            {
                if (Covers(request, a))
                {
                    (covered ??= []).Add(a);
                }
            }
        }
        if (covered is null)
        {
            return;
        }
        if (Options.CompleteBeforeDrain)
        {
            Interlocked.Increment(ref _earlyCompletions);
            foreach (var a in covered)
            {
                a.OutlivedInvalidation = true;
            }
            return;
        }
        Interlocked.Increment(ref _drainingInvalidations);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var a in covered)
        {
            a.Drained = true;
            a.Owner.Drain(a);
            Interlocked.Increment(ref _drained);
        }
        Interlocked.Add(ref _drainTicks, System.Diagnostics.Stopwatch.GetTimestamp() - start);
    }

    private static bool Covers(in AtcInvalidation request, DmaAccess a)
    {
        if (request.Pasid != AtcEntry.NoPasid && request.Pasid != a.Pasid && !request.Global)
        {
            return false;
        }
        if (request.IsWholeSpace)
        {
            return true;
        }
        int log2 = Math.Max(request.SizeLog2, AtcEntry.MinSizeLog2);
        ulong start = request.Address & ~((1UL << log2) - 1);
        ulong last = start + ((1UL << log2) - 1);
        ulong aLast = a.SpanStart + ((1UL << a.SpanLog2) - 1);
        return a.SpanStart <= last && start <= aLast;
    }
}

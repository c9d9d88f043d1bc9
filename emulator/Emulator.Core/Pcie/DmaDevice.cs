using System.Diagnostics;
using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Oracle;
using NLog;

namespace Emulator.Core.Pcie;

/// <summary>
/// A PCIe endpoint with a DMA engine that reads and writes (PASID, va) ranges through its own
/// <see cref="Pcie.Atc"/>: on a miss it sends an ATS Translation Request to the translation agent (the
/// SMMU); a missing or insufficient translation leads to a PRI page request and a retry, or to a DMA fault.
/// </summary>
/// <remarks>
/// <para>PCIe Base Spec §10 (ATS: §10.2 translation, §10.3 invalidation; PRI: §10.4). The flow of one page
/// access is in <c>DmaDevice.Translate.cs</c>. Every byte moved through a cached translation is first shown
/// to the <see cref="CoherenceOracle"/> with the entry's frame generation; a stale access is recorded, and a
/// stale read still happens — the oracle reports the bug, it does not hide it. A stale <i>write</i> is
/// recorded and contained (<see cref="StaleWritesContained"/>): its frame was freed and may since hold page
/// tables, the SMMU's queues or another process's data, and storing the bytes would corrupt the emulator's
/// own structures so that the run fails somewhere unrelated, hiding the report it exists to give.</para>
/// <para><b>Threading.</b> DMA (<see cref="Read"/>, <see cref="Write"/>) is the device's one engine: calls
/// are serialised by <see cref="_dmaLock"/>, so two threads issuing DMA take turns. ATS invalidations
/// (<see cref="InvalidateAtc"/>) come from any thread and never take <see cref="_dmaLock"/> (the
/// <see cref="Pcie.Atc"/> is safe for one DMA reader and any number of invalidators), so an invalidation
/// completes while a DMA is waiting for its page request — which is what lets the host's PRI handler
/// invalidate. Lock order: <see cref="_dmaLock"/> → the agent's locks → the ATC's leaf lock.</para>
/// <para><b>Errors.</b> What the agent or the host answers (UR, CA, PRI failures, an address outside RAM)
/// is a <see cref="DmaResult"/> fault, never an exception. A UR disables ATS for the function and a
/// Response Failure disables PRI, as the spec requires, until <see cref="EnableAts"/> /
/// <see cref="EnablePri"/> (the driver re-enabling the capability).</para>
/// </remarks>
public sealed partial class DmaDevice
{
    private static readonly Logger s_log = Log.For("pcie");

    private readonly PhysicalMemory _memory;
    private readonly IAtsTranslationAgent _agent;
    private readonly CoherenceOracle _oracle;
    private readonly Atc _atc;
    private readonly uint _pasidLimit;
    private readonly int _maxPriRetries;

    /// <summary>Serialises DMA: the engine's state (<see cref="_nextGroup"/>) and the ATC's single-reader
    /// side (lookups and fills). Taken by <see cref="Read"/> and <see cref="Write"/> only; held across calls
    /// to the agent (which may run the host's PRI handler synchronously).</summary>
    private readonly Lock _dmaLock = new();

    /// <summary>The next PRG index (9 bits). Under <see cref="_dmaLock"/>.</summary>
    private ushort _nextGroup;

    /// <summary>The function implements ATS (<see cref="DmaDeviceOptions.AtsEnabled"/>); without it every
    /// DMA is untranslated and the SMMU translates each access.</summary>
    private readonly bool _atsCapable;

    private volatile bool _atsEnabled;
    private volatile bool _priEnabled;

    private long _translations;
    private long _untranslated;
    private long _priRequests;
    private long _faults;
    private long _staleWritesContained;

    /// <summary>Whether the translation <c>Resolve</c> just returned was stale (the oracle recorded it).
    /// Guarded by <see cref="_dmaLock"/>.</summary>
    private bool _lastStale;
    private long _invalidations;

    /// <summary>Creates the endpoint with an empty ATC.</summary>
    /// <param name="sid">Its StreamID (Requester ID as the SMMU sees it).</param>
    /// <param name="memory">RAM the DMA engine reads and writes.</param>
    /// <param name="agent">The translation agent upstream (the SMMU).</param>
    /// <param name="oracle">The coherence oracle every cached-translation access is shown to.</param>
    /// <param name="options">Capabilities; null for <see cref="DmaDeviceOptions.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public DmaDevice(uint sid, PhysicalMemory memory, IAtsTranslationAgent agent, CoherenceOracle oracle, DmaDeviceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(oracle);
        options ??= DmaDeviceOptions.Default;
        if (options.PasidBits is < 0 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PasidBits, "PasidBits must be 0..20");
        }
        if (options.MaxPriRetries is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPriRetries, "MaxPriRetries must be 1..64");
        }
        Sid = sid;
        Options = options;
        _memory = memory;
        _agent = agent;
        _oracle = oracle;
        _atc = new Atc(options.AtcGeometry ?? AtcGeometry.Default);
        _pasidLimit = 1u << options.PasidBits;
        _maxPriRetries = options.MaxPriRetries;
        _atsCapable = options.AtsEnabled;
        _atsEnabled = options.AtsEnabled;
        _priEnabled = options.PriEnabled;
    }

    /// <summary>The StreamID.</summary>
    public uint Sid { get; }

    public DmaDeviceOptions Options { get; }

    /// <summary>The device's ATC (for dumps and inspection; DMA is its only reader that counts).</summary>
    public Atc Atc => _atc;

    /// <summary>Told of every translation cached (the board backend mirrors them); null for none.</summary>
    public IAtcFillObserver? FillObserver { get; set; }

    /// <summary>ATS is in use: enabled in the options and not turned off by a UR.</summary>
    public bool AtsEnabled => _atsEnabled;

    /// <summary>PRI is in use: enabled in the options and not stopped by a Response Failure.</summary>
    public bool PriEnabled => _priEnabled;

    /// <summary>ATS Translation Requests sent.</summary>
    public long TranslationsRequested => Interlocked.Read(ref _translations);

    /// <summary>Untranslated page accesses sent to the agent (a function without ATS).</summary>
    public long UntranslatedRequests => Interlocked.Read(ref _untranslated);

    /// <summary>Page accesses served by the ATC.</summary>
    public long AtcHits => _atc.Hits;

    /// <summary>Page accesses the ATC could not serve (no entry, or one without the rights needed).</summary>
    public long AtcMisses => _atc.Misses;

    /// <summary>PRI page request groups sent.</summary>
    public long PriRequests => Interlocked.Read(ref _priRequests);

    /// <summary>DMAs that ended in a fault.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>DMA writes through a stale translation that were recorded by the oracle and not stored.</summary>
    public long StaleWritesContained => Interlocked.Read(ref _staleWritesContained);

    /// <summary>ATS Invalidate Requests received.</summary>
    public long InvalidationsReceived => Interlocked.Read(ref _invalidations);

    /// <summary>The driver re-enables ATS after a UR turned it off (a function built without ATS has nothing to enable). The ATC is emptied first (PCIe §10.5.1.3:
    /// clearing Enable invalidates the ATC; entries from before must not come back).</summary>
    public void EnableAts()
    {
        if (_atsCapable && !_atsEnabled)
        {
            _atc.InvalidateAll();
            _atsEnabled = true;
        }
    }

    /// <summary>The driver re-enables PRI after a Response Failure stopped it.</summary>
    public void EnablePri() => _priEnabled = true;

    /// <summary>DMA read of <paramref name="destination"/>.Length bytes at <paramref name="va"/>.</summary>
    /// <param name="pasid">The PASID, or <see cref="AtcEntry.NoPasid"/> for a request without prefix.</param>
    /// <param name="va">Untranslated start address.</param>
    /// <param name="destination">Receives the bytes; on a fault, the bytes before the faulting page.</param>
    public DmaResult Read(uint pasid, ulong va, Span<byte> destination)
    {
        lock (_dmaLock)
        {
            int done = 0;
            while (done < destination.Length)
            {
                ulong at = va + (ulong)done;
                int n = Math.Min(destination.Length - done, Page.Size - (int)(at & Page.Mask));
                DmaFaultReason reason = Resolve(pasid, at, write: false, out ulong pa);
                if (reason == DmaFaultReason.None && !_memory.TryRead(pa, destination.Slice(done, n)))
                {
                    reason = OutsideRam(pasid, at, pa);
                }
                if (reason != DmaFaultReason.None)
                {
                    return Fault(at, reason, done);
                }
                done += n;
            }
            return DmaResult.Ok(done);
        }
    }

    /// <summary>DMA write of <paramref name="source"/> at <paramref name="va"/>.</summary>
    /// <param name="pasid">The PASID, or <see cref="AtcEntry.NoPasid"/>.</param>
    /// <param name="va">Untranslated start address.</param>
    /// <param name="source">The bytes; on a fault, those before the faulting page have been written.</param>
    public DmaResult Write(uint pasid, ulong va, ReadOnlySpan<byte> source)
    {
        lock (_dmaLock)
        {
            int done = 0;
            while (done < source.Length)
            {
                ulong at = va + (ulong)done;
                int n = Math.Min(source.Length - done, Page.Size - (int)(at & Page.Mask));
                DmaFaultReason reason = Resolve(pasid, at, write: true, out ulong pa);
                if (reason == DmaFaultReason.None && _lastStale)
                {
                    // Contained: the frame was freed since the translation was made and may now hold page
                    // tables or the SMMU's own structures. The oracle has the report; the bytes go nowhere.
                    Interlocked.Increment(ref _staleWritesContained);
                }
                else if (reason == DmaFaultReason.None && !_memory.TryWrite(pa, source.Slice(done, n)))
                {
                    reason = OutsideRam(pasid, at, pa);
                }
                if (reason != DmaFaultReason.None)
                {
                    return Fault(at, reason, done);
                }
                done += n;
            }
            return DmaResult.Ok(done);
        }
    }

    /// <summary>The device's side of an ATS Invalidate Request: removes the range from the ATC and answers
    /// with the Invalidate Completion. Any thread. A synchronous DMA in progress is not waited for (the
    /// ATC guarantees below suffice for it); a split-phase DMA in flight through a removed translation is
    /// completed first.</summary>
    /// <param name="request">The request; its <see cref="AtcInvalidation.Sid"/> must be this device's.</param>
    /// <param name="itag">The request's ITag, 0..31, echoed in the completion's ITag vector.</param>
    /// <remarks>PCIe §10.3.1: the completion is sent once no later access uses a removed translation;
    /// <see cref="Atc.Invalidate(uint, ulong, int, bool)"/> guarantees that on return, and it makes every fill
    /// token taken before it stale, so a translation in flight is not inserted afterwards. A DMA still in
    /// flight through a removed translation (split-phase, <see cref="BeginAccess"/>) completes first: the
    /// drain rule (<c>DrainCovered</c>).</remarks>
    /// <exception cref="ArgumentException">The request is for another SID, or the ITag is above 31 (a
    /// routing bug in the caller).</exception>
    public AtsInvalidateCompletion InvalidateAtc(in AtcInvalidation request, byte itag = 0)
    {
        if (request.Sid != Sid)
        {
            throw new ArgumentException($"{request} delivered to the device with sid {Sid:x}", nameof(request));
        }
        if (itag > 31)
        {
            throw new ArgumentException($"ITag {itag} is not 0..31", nameof(itag));
        }
        Interlocked.Increment(ref _invalidations);
        if (TraceEvents.On) TraceEvents.Emit(TraceEventId.AtcInv, TraceAgentKind.Device, (int)Sid, Sid, request.Pasid, request.Address, (ulong)(uint)request.SizeLog2 | (request.Global ? 0x100UL : 0));
        int removed = _atc.Invalidate(request.Pasid, request.Address, Math.Max(request.SizeLog2, AtcEntry.MinSizeLog2), request.Global);
        DrainCovered(request);
        if (TraceEvents.On) TraceEvents.Emit(TraceEventId.AtcInvComplete, TraceAgentKind.Device, (int)Sid, Sid, (ulong)removed);
        return new AtsInvalidateCompletion(Sid, 1u << itag, 1, removed);
    }

    private DmaResult Fault(ulong va, DmaFaultReason reason, int done)
    {
        Debug.Assert(_dmaLock.IsHeldByCurrentThread);
        Interlocked.Increment(ref _faults);
        s_log.Debug("sid {0:x}: DMA fault {1} at va {2:x} after {3} bytes", Sid, reason, va, done);
        return DmaResult.Fault(va, reason, done);
    }

    private DmaFaultReason OutsideRam(uint pasid, ulong va, ulong pa)
    {
        Log.GuestError.Debug("sid {0:x} pasid {1:x}: va {2:x} translated to pa {3:x}, outside RAM", Sid, pasid, va, pa);
        return DmaFaultReason.Abort;
    }
}

using System.Diagnostics;
using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;

namespace Emulator.Core.Pcie;

/// <summary>One page access: ATC lookup, ATS Translation Request, PRI page request and retry.</summary>
/// <remarks>
/// <para>PCIe Base Spec §10.2.3 / §10.4. The answers and what the device makes of them:</para>
/// <list type="bullet">
/// <item>Success with the rights needed: the translation is cached (its span aligned down to the
/// completion's size, so a 2 MiB page is one ranged entry) and used.</item>
/// <item>Success with no or insufficient rights ("use PRI"): with PRI, a page request group for the page,
/// then the translation is requested again; without PRI, or after
/// <see cref="DmaDeviceOptions.MaxPriRetries"/> page requests, <see cref="DmaFaultReason.NoTranslation"/>.
/// PRG Response Invalid Request → <see cref="DmaFaultReason.PriInvalid"/>; Response Failure →
/// <see cref="DmaFaultReason.PriFailure"/> and PRI stops (§10.4.2.1: the function must not issue page
/// requests until software re-enables it).</item>
/// <item>UR: the function may not use ATS (§10.2.3.1). The device turns ATS off and faults with
/// <see cref="DmaFaultReason.AtsUnsupported"/>, and later DMA faults the same way until <see cref="EnableAts"/>
/// (a function that lost ATS at run time is treated as broken; one built without ATS,
/// <see cref="DmaDeviceOptions.AtsEnabled"/> false, sends untranslated requests instead).</item>
/// <item>CA: <see cref="DmaFaultReason.Abort"/>. A malformed Success (size below 4 KiB) is treated as CA.</item>
/// </list>
/// <para>Without ATS (<see cref="DmaDeviceOptions.AtsEnabled"/> false) each page access is an untranslated
/// request: <see cref="IAtsTranslationAgent.TranslateUntranslated"/> answers with the address or terminates
/// the access (<see cref="DmaFaultReason.TranslationFault"/>; the SMMU records the event). No ATC, no PRI.</para>
/// <para>A fill that an invalidation overtook (the completion may predate it) is not inserted
/// (<see cref="Atc.TryInsert"/>): the translation is requested again — it is never used, since the
/// invalidation may have been for exactly that page.</para>
/// </remarks>
public sealed partial class DmaDevice
{
    /// <summary>Translation requests per page access before giving up because invalidations keep
    /// overtaking the fills (a livelock guard; each overtaken fill needs a concurrent invalidation).</summary>
    private const int MaxDroppedFills = 16;

    /// <summary>Translates the page access at <paramref name="va"/> and shows it to the oracle. On success
    /// (<see cref="DmaFaultReason.None"/>) <paramref name="pa"/> is the translated address.</summary>
    private DmaFaultReason Resolve(uint pasid, ulong va, bool write, out ulong pa)
    {
        Debug.Assert(_dmaLock.IsHeldByCurrentThread);
        _lastStale = false;
        AtsPermissions needed = write ? AtsPermissions.Write : AtsPermissions.Read;
        if (!_atsCapable)
        {
            return ResolveUntranslated(pasid, va, write, needed, out pa);
        }
        if (_atsEnabled && _atc.Lookup(pasid, va, needed, out pa, out AtcEntry entry))
        {
            _lastStale = Observe(pasid, va, pa, entry.IsRanged ? entry.Pa : pa, entry.FrameGeneration, write, entry.Va, entry.SizeLog2);
            return DmaFaultReason.None;
        }
        return ResolveMiss(pasid, va, write, needed, out pa);
    }

    /// <summary>A function without ATS: every access is an untranslated request that the agent translates
    /// (and may fault) on its own; nothing is cached and PRI is never used.</summary>
    private DmaFaultReason ResolveUntranslated(uint pasid, ulong va, bool write, AtsPermissions access, out ulong pa)
    {
        Debug.Assert(_dmaLock.IsHeldByCurrentThread);
        pa = 0;
        if (pasid != AtcEntry.NoPasid && pasid >= _pasidLimit)
        {
            return DmaFaultReason.InvalidPasid;
        }
        Interlocked.Increment(ref _untranslated);
        UntranslatedResult r = _agent.TranslateUntranslated(Sid, pasid, va, access);
        if (!r.IsOk)
        {
            return DmaFaultReason.TranslationFault;
        }
        pa = r.Pa;
        _lastStale = Observe(pasid, va, pa, r.FramePa, r.FrameGeneration, write, va & ~Page.Mask, AtcEntry.MinSizeLog2);
        return DmaFaultReason.None;
    }

    private DmaFaultReason ResolveMiss(uint pasid, ulong va, bool write, AtsPermissions needed, out ulong pa)
    {
        Debug.Assert(_dmaLock.IsHeldByCurrentThread);
        pa = 0;
        if (!_atsEnabled)
        {
            return DmaFaultReason.AtsUnsupported;
        }
        if (pasid != AtcEntry.NoPasid && pasid >= _pasidLimit)
        {
            return DmaFaultReason.InvalidPasid;
        }
        // A device that will write asks for both (No Write clear); reads ask for R only.
        AtsPermissions requested = write ? AtsPermissions.Read | AtsPermissions.Write : AtsPermissions.Read;
        int pageRequests = 0;
        int droppedFills = 0;
        while (true)
        {
            uint token = _atc.BeginFill();
            Interlocked.Increment(ref _translations);
            AtsCompletion c = _agent.Translate(Sid, pasid, va, requested);
            switch (c.Status)
            {
                case AtsStatus.Success:
                    break;
                case AtsStatus.UnsupportedRequest:
                    _atsEnabled = false;
                    s_log.Info("sid {0:x}: translation request for va {1:x} answered UR; ATS disabled", Sid, va);
                    return DmaFaultReason.AtsUnsupported;
                default:
                    return DmaFaultReason.Abort;
            }
            if ((c.Permissions & needed) == needed)
            {
                if (c.SizeLog2 < AtcEntry.MinSizeLog2 || c.SizeLog2 > AtcEntry.MaxSizeLog2)
                {
                    Log.GuestError.Debug("sid {0:x}: translation completion with span 2^{1}; treated as CA", Sid, c.SizeLog2);
                    return DmaFaultReason.Abort;
                }
                ulong spanMask = (1UL << c.SizeLog2) - 1;
                var entry = new AtcEntry(pasid, va & ~spanMask, c.SizeLog2, c.Pa & ~spanMask, c.Permissions,
                    c.Global && pasid != AtcEntry.NoPasid, c.FrameGeneration);
                if (!_atc.TryInsert(entry, token))
                {
                    if (++droppedFills >= MaxDroppedFills)
                    {
                        return DmaFaultReason.NoTranslation;
                    }
                    continue;
                }
                FillObserver?.Filled(Sid, entry);
                if (TraceEvents.On) TraceEvents.Emit(TraceEventId.AtcFill, TraceAgentKind.Device, (int)Sid, Sid, pasid, entry.Va, entry.Pa | (uint)entry.SizeLog2);
                pa = entry.Translate(va);
                _lastStale = Observe(pasid, va, pa, entry.IsRanged ? entry.Pa : pa, entry.FrameGeneration, write, entry.Va, entry.SizeLog2);
                return DmaFaultReason.None;
            }
            if (!_priEnabled || pageRequests >= _maxPriRetries)
            {
                return DmaFaultReason.NoTranslation;
            }
            pageRequests++;
            Interlocked.Increment(ref _priRequests);
            ushort group = _nextGroup;
            _nextGroup = (ushort)((group + 1) & 0x1FF);
            if (TraceEvents.On) TraceEvents.Emit(TraceEventId.PriRequest, TraceAgentKind.Device, (int)Sid, Sid, pasid, va & ~Page.Mask, group);
            PriResult pri = _agent.RequestPage(Sid, pasid, va & ~Page.Mask, requested, group);
            if (TraceEvents.On) TraceEvents.Emit(TraceEventId.PriResponse, TraceAgentKind.Device, (int)Sid, Sid, pasid, va & ~Page.Mask, (ulong)pri);
            switch (pri)
            {
                case PriResult.Success:
                    continue;
                case PriResult.InvalidRequest:
                    return DmaFaultReason.PriInvalid;
                default:
                    _priEnabled = false;
                    s_log.Info("sid {0:x}: page request for va {1:x} answered Response Failure; PRI stopped", Sid, va);
                    return DmaFaultReason.PriFailure;
            }
        }
    }
}

using Emulator.Core.Paging;
using Emulator.Core.Pcie;

namespace Emulator.Core.Smmu;

/// <summary>Untranslated transactions: the SMMU translates each access itself, and records the faults.</summary>
/// <remarks>
/// <para>SMMUv3 §3.12 (fault models), §7.3 (event records). The lookup is the ATS path's — configuration
/// cache, IOTLB, SVA walk of CD.TTB0 — but a fault is now an error of the transaction, not an answer: a
/// translation fault (entry not present, reserved bit set, non-canonical address, CD.EPD0) is recorded as
/// F_TRANSLATION and an access the page does not grant as F_PERMISSION, both CLASS IN at stage 1, when the
/// CD's R bit asks for records (§5.4: R = 0 suppresses F_TRANSLATION, F_ACCESS, F_ADDR_SIZE and
/// F_PERMISSION). Stalls (CD.S) are not modelled: every faulting transaction terminates. F_WALK_EABT and
/// the configuration events are recorded whatever R says, as on the ATS path.</para>
/// <para>STE.EATS does not apply: it governs ATS Translation Requests and Translated transactions only. A
/// bypassing stream (STE.Config bypass, or S1DSS bypass for traffic without a PASID) passes the address
/// through.</para>
/// <para>The walk is always a user access (SVA serves user address spaces): a privileged request only sets
/// PnU in the event. A write needs a writable page and sets D (HTTU) — an IOTLB entry that is clean, read-only
/// or non-executable for the access is not trusted and the walk decides, so a permission the CPU granted
/// since the entry was filled is seen without an invalidation.</para>
/// </remarks>
public sealed partial class SmmuDevice
{
    /// <inheritdoc/>
    public UntranslatedResult TranslateUntranslated(uint sid, uint pasid, ulong va, AtsPermissions access)
    {
        bool enabled;
        bool gbpaAbort;
        lock (_lock)
        {
            enabled = Cr0Ack.SmmuEnabled;
            gbpaAbort = (_rGbpa & SmmuRegisters.GbpaAbort) != 0;
        }
        bool write = (access & AtsPermissions.Write) != 0;
        bool execute = !write && (access & AtsPermissions.Execute) != 0;
        bool privileged = (access & AtsPermissions.Privileged) != 0;
        if (!enabled)
        {
            // SMMUEN 0: GBPA.ABORT decides (§6.3.14); an aborted transaction records nothing.
            return gbpaAbort ? UntranslatedResult.Fault : Bypass(va);
        }
        bool ssv = pasid != AtcEntry.NoPasid;
        uint eventSsid = ssv ? pasid & 0xF_FFFF : 0;

        if (Settled(LookupSte(sid, eventSsid, ssv, out StreamTableEntry ste, out EventRecord fault), fault, va) is { } steResult)
        {
            return steResult;
        }
        if (Settled(LookupCd(sid, ste, pasid, out ContextDescriptor cd, out fault), fault, va) is { } cdResult)
        {
            return cdResult;
        }
        if (cd.Epd0)
        {
            return TranslationFault(sid, eventSsid, ssv, cd, va, write, privileged, execute);
        }

        if (_iotlb.TryLookup(cd.Asid, va, out IotlbEntry hit)
            && (!write || (hit.Writable && hit.Dirty))
            && (!execute || !hit.NoExecute))
        {
            Interlocked.Increment(ref _iotlbHits);
            return Translated(hit, va);
        }
        Interlocked.Increment(ref _iotlbMisses);
        return WalkUntranslated(sid, eventSsid, ssv, cd, va, write, privileged, execute);
    }

    private UntranslatedResult WalkUntranslated(uint sid, uint eventSsid, bool ssv, in ContextDescriptor cd, ulong va,
        bool write, bool privileged, bool execute)
    {
        ulong sequence = _iotlb.Sequence;
        var walkAccess = AccessType.User | (write ? AccessType.Write : execute ? AccessType.Execute : AccessType.Read);
        WalkResult result = PageWalker.Walk(_memory, cd.Ttb0, _options.SvaPaging, va, walkAccess, _options.SvaWalk);
        switch (result.Status)
        {
            case WalkStatus.Ok:
                break;
            case WalkStatus.ExternalAbort:
                RecordEvent(EventRecord.WalkExternalAbort(sid, eventSsid, ssv, va, !write, privileged, execute, result.EntryPa));
                return UntranslatedResult.Fault;
            case WalkStatus.PageFault when (result.ErrorCode & (PageFaultErrorCode.Present | PageFaultErrorCode.ReservedBit)) == PageFaultErrorCode.Present:
                // The leaf is there and well formed but does not grant this access (W, U or XD).
                if (cd.RecordFaults)
                {
                    RecordEvent(EventRecord.PermissionFault(sid, eventSsid, ssv, va, !write, privileged, execute));
                }
                return UntranslatedResult.Fault;
            default:
                // Not present, a reserved bit (an invalid descriptor to the SMMU), or a non-canonical address.
                return TranslationFault(sid, eventSsid, ssv, cd, va, write, privileged, execute);
        }
        Translation t = result.Translation;
        ulong pfn = t.PageBase >> Memory.Page.Shift;
        var entry = new IotlbEntry(t.PageBase, t.PageShift, t.Writable, t.Dirty, t.NoExecute, t.Global,
            pfn < _memory.FrameCount ? _frames.Generation(pfn) : 0);
        _iotlb.Insert(cd.Asid, va, entry, sequence);
        return Translated(entry, va);
    }

    private UntranslatedResult TranslationFault(uint sid, uint eventSsid, bool ssv, in ContextDescriptor cd, ulong va,
        bool write, bool privileged, bool execute)
    {
        if (cd.RecordFaults)
        {
            RecordEvent(EventRecord.TranslationFault(sid, eventSsid, ssv, va, !write, privileged, execute));
        }
        return UntranslatedResult.Fault;
    }

    private static UntranslatedResult Translated(in IotlbEntry entry, ulong va)
    {
        ulong offsetMask = (1UL << entry.PageShift) - 1;
        return UntranslatedResult.Ok(entry.PaBase | (va & offsetMask), entry.PaBase, entry.FrameGeneration);
    }

    private UntranslatedResult Bypass(ulong va)
    {
        ulong pfn = va >> Memory.Page.Shift;
        ulong framePa = va & ~(ulong)Memory.Page.Mask;
        return UntranslatedResult.Ok(va, framePa, pfn < _memory.FrameCount ? _frames.Generation(pfn) : 0);
    }

    /// <summary>What an untranslated transaction becomes when a configuration lookup (STE, then CD) did
    /// not say "translate": a fault (recorded when the lookup produced an event) or a bypass; null to go on.</summary>
    private UntranslatedResult? Settled(ConfigStatus status, in EventRecord fault, ulong va)
    {
        switch (status)
        {
            case ConfigStatus.Fault:
                RecordEvent(fault);
                return UntranslatedResult.Fault;
            case ConfigStatus.Abort:
                return UntranslatedResult.Fault;
            case ConfigStatus.Bypass:
                return Bypass(va);
            default:
                return null;
        }
    }
}

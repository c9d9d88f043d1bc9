using Emulator.Core.Paging;
using Emulator.Core.Pcie;

namespace Emulator.Core.Smmu;

/// <summary>ATS Translation Requests: configuration lookup, IOTLB, then the SVA walk of the CPU's x86 tables.</summary>
/// <remarks>
/// <para>SMMUv3 §3.9 (ATS), §3.9.1 (ATS interface): a request is answered with the full translation
/// (EATS = Translate). UR when the SMMU is disabled, ATS is not implemented, or the STE does not allow
/// ATS (Config abort: no event; Config bypass or EATS 0: F_BAD_ATS_TREQ, §7.3.6). Configuration errors
/// record their event and answer CA. A translation or permission fault is not an error for ATS: the
/// answer is a successful completion with no (or fewer) permissions, no event is recorded, and the
/// endpoint may use PRI. An external abort during the walk records F_WALK_EABT and answers CA.</para>
/// <para><b>Permissions.</b> R whenever the page is present and user-accessible; W only when the page is
/// writable <em>and</em> its D bit is set — a write request sets D (HTTU, §3.13), a read request on a
/// clean writable page gets R only, so the device cannot dirty a page behind the CPU's back; Exe unless
/// XD. Priv is never granted (SVA serves user address spaces: every walk is a user access).</para>
/// <para>Large pages give ranged completions: SizeLog2 is the page shift (12, 21 or 30) and Pa the page base.</para>
/// </remarks>
public sealed partial class SmmuDevice
{
    /// <inheritdoc/>
    public AtsCompletion Translate(uint sid, uint pasid, ulong va, AtsPermissions requested)
    {
        bool enabled;
        lock (_lock)
        {
            enabled = Cr0Ack.SmmuEnabled;
        }
        if (!_idr0.Ats || !enabled)
        {
            return AtsCompletion.Unsupported;
        }
        bool ssv = pasid != AtcEntry.NoPasid;
        uint eventSsid = ssv ? pasid & 0xF_FFFF : 0;

        switch (LookupSte(sid, eventSsid, ssv, out StreamTableEntry ste, out EventRecord fault))
        {
            case ConfigStatus.Fault:
                RecordEvent(fault);
                return AtsCompletion.Abort;
            case ConfigStatus.Abort:
                return AtsCompletion.Unsupported;
            case ConfigStatus.Bypass:
                RecordEvent(EventRecord.BadAtsTranslationRequest(sid, eventSsid, ssv, va));
                return AtsCompletion.Unsupported;
        }
        if (ste.Eats != AtsMode.Translate)
        {
            RecordEvent(EventRecord.BadAtsTranslationRequest(sid, eventSsid, ssv, va));
            return AtsCompletion.Unsupported;
        }
        switch (LookupCd(sid, ste, pasid, out ContextDescriptor cd, out fault))
        {
            case ConfigStatus.Fault:
                RecordEvent(fault);
                return AtsCompletion.Abort;
            case ConfigStatus.Translate:
                break;
            default:
                // S1DSS bypass for traffic without a PASID: stage 1 would bypass, which this stage-1-only
                // model cannot express as an ATS answer; the stream may not use ATS that way.
                return AtsCompletion.Unsupported;
        }
        if (cd.Epd0)
        {
            return AtsCompletion.NotPresent; // a quiet CD: every walk is a translation fault
        }

        bool write = (requested & AtsPermissions.Write) != 0;
        // A cached entry answers a read, or a write it permits. A write it does not permit walks again: the
        // mm upgrades permissions (mprotect, COW reuse) without invalidating, as Linux does, so a cached
        // denial may be stale — the way a CPU drops the TLB entry behind a page fault (SDM Vol. 3A §4.10.4.1).
        if (_iotlb.TryLookup(cd.Asid, va, out IotlbEntry hit) && (!write || (hit.Writable && hit.Dirty)))
        {
            Interlocked.Increment(ref _iotlbHits);
            return Completion(hit);
        }
        Interlocked.Increment(ref _iotlbMisses);
        return Walk(sid, eventSsid, ssv, cd, va, write);
    }

    /// <summary>The SVA walk: the CPU walker on CD.TTB0, setting A (and D for a write) as HTTU does.</summary>
    private AtsCompletion Walk(uint sid, uint eventSsid, bool ssv, in ContextDescriptor cd, ulong va, bool write)
    {
        ulong sequence = _iotlb.Sequence;
        var access = AccessType.User | (write ? AccessType.Write : AccessType.Read);
        WalkResult result = PageWalker.Walk(_memory, cd.Ttb0, _options.SvaPaging, va, access, _options.SvaWalk);
        if (write && result.Status == WalkStatus.PageFault && (result.ErrorCode & PageFaultErrorCode.Present) != 0)
        {
            // Present but not writable (or not user): answer with what a read may have.
            result = PageWalker.Walk(_memory, cd.Ttb0, _options.SvaPaging, va, AccessType.User, _options.SvaWalk);
        }
        switch (result.Status)
        {
            case WalkStatus.Ok:
                break;
            case WalkStatus.ExternalAbort:
                RecordEvent(EventRecord.WalkExternalAbort(sid, eventSsid, ssv, va, !write, privileged: false, instruction: false, result.EntryPa));
                return AtsCompletion.Abort;
            default:
                return AtsCompletion.NotPresent;
        }
        Translation t = result.Translation;
        ulong pfn = t.PageBase >> Memory.Page.Shift;
        var entry = new IotlbEntry(t.PageBase, t.PageShift, t.Writable, t.Dirty, t.NoExecute, t.Global,
            pfn < _memory.FrameCount ? _frames.Generation(pfn) : 0);
        _iotlb.Insert(cd.Asid, va, entry, sequence);
        return Completion(entry);
    }

    private static AtsCompletion Completion(in IotlbEntry entry)
    {
        var permissions = AtsPermissions.Read;
        if (entry.Writable && entry.Dirty)
        {
            permissions |= AtsPermissions.Write;
        }
        if (!entry.NoExecute)
        {
            permissions |= AtsPermissions.Execute;
        }
        return new AtsCompletion(AtsStatus.Success, entry.PaBase, entry.PageShift, permissions, entry.Global, entry.FrameGeneration);
    }
}

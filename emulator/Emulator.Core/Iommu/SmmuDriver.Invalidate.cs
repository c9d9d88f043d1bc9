using Emulator.Core.Memory;
using Emulator.Core.Smmu;

namespace Emulator.Core.Iommu;

/// <summary>IOTLB and ATC invalidation for an SVA address space (Linux
/// <c>arm_smmu_mm_arch_invalidate_secondary_tlbs</c>: <c>arm_smmu_tlb_inv_range_asid</c> /
/// <c>arm_smmu_tlb_inv_asid</c> + <c>arm_smmu_atc_inv_domain</c>).</summary>
/// <remarks>
/// <para>The SMMU model has no range invalidation (IDR3.RIL 0) and no broadcast TLB maintenance (BTM 0),
/// so, as Linux does in that case: below <see cref="SmmuDriverOptions.MaxTlbiOps"/> pages one
/// CMD_TLBI_NH_VA per page (Leaf 0: SVA invalidations also cover freed page-table pages), and from there
/// on one CMD_TLBI_NH_ASID and a whole-space CMD_ATC_INV (Size 52). ATC ranges are one naturally aligned
/// power-of-two span (<see cref="Command.AtcInvRange"/>, Linux <c>arm_smmu_atc_inv_to_cmd</c>), one
/// command per (sid, pasid) target whose device has ATS enabled.</para>
/// <para>Linux submits the TLBIs and the ATC_INVs as two batches, each closed by a CMD_SYNC; here one
/// CMD_SYNC closes both unless <see cref="SmmuDriverOptions.SyncBetweenTlbiAndAtc"/> (see there), so
/// a one-page invalidation is TLBI_NH_VA + ATC_INV + SYNC and a 1 GiB one TLBI_NH_ASID + ATC_INV + SYNC.</para>
/// <para>Failures (a CMD_SYNC that does not complete) are logged and counted in <see cref="Stats"/>:
/// the caller, an MMU notifier, cannot fail.</para>
/// </remarks>
public sealed partial class SmmuDriver
{
    /// <summary>
    /// Invalidates [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="asid"/> in the IOTLB
    /// and in the ATC of every (sid, pasid) in <paramref name="atcTargets"/>, and waits for completion.
    /// </summary>
    /// <param name="asid">The ASID of the SVA context (the CD's ASID).</param>
    /// <param name="atcTargets">Bonds whose device ATC may hold the range; devices without ATS are skipped.</param>
    /// <param name="start">First byte (rounded down to a page).</param>
    /// <param name="end">End, exclusive (rounded up to a page). An empty range issues nothing.</param>
    public void InvalidateRange(ushort asid, ReadOnlySpan<(uint Sid, uint Pasid)> atcTargets, ulong start, ulong end)
    {
        if (end <= start)
        {
            return;
        }
        ulong first = start & ~(ulong)(Page.Size - 1);
        ulong pages = ((end - first) + (Page.Size - 1)) >> Page.Shift;
        bool wholeAsid = pages >= (ulong)_options.MaxTlbiOps;
        Issue(asid, atcTargets, first, pages, start, end, wholeAsid);
    }

    /// <summary>Invalidates everything of <paramref name="asid"/> in the IOTLB and the whole ATC of every
    /// target (Linux <c>arm_smmu_mm_release</c>: <c>arm_smmu_tlb_inv_asid</c> + <c>arm_smmu_atc_inv_domain(…, 0, 0)</c>).</summary>
    public void InvalidateAll(ushort asid, ReadOnlySpan<(uint Sid, uint Pasid)> atcTargets) =>
        Issue(asid, atcTargets, 0, 0, 0, 0, wholeAsid: true);

    private void Issue(ushort asid, ReadOnlySpan<(uint Sid, uint Pasid)> atcTargets, ulong firstPage, ulong pages,
        ulong start, ulong end, bool wholeAsid)
    {
        if (!_initialized)
        {
            return;
        }
        // Which targets have ATS, read before the command-queue lock (lock order: _lock, then _cmdqLock).
        Span<bool> ats = atcTargets.Length <= 64 ? stackalloc bool[atcTargets.Length] : new bool[atcTargets.Length];
        lock (_lock)
        {
            for (int i = 0; i < atcTargets.Length; i++)
            {
                ats[i] = _masters.TryGetValue(atcTargets[i].Sid, out Master? m) && m.Ats;
            }
        }
        FaultInjection faults = Faults;
        Errno err = Errno.Ok;
        lock (_cmdqLock)
        {
            if ((faults & FaultInjection.SkipTlbi) == 0)
            {
                if (wholeAsid)
                {
                    err = Worst(err, BatchAddLocked(Command.TlbiNhAsid(asid), deferrable: true));
                }
                else
                {
                    for (ulong i = 0; i < pages; i++)
                    {
                        err = Worst(err, BatchAddLocked(Command.TlbiNhVa(asid, firstPage + (i << Page.Shift), leaf: false), deferrable: true));
                    }
                }
                if (_options.SyncBetweenTlbiAndAtc)
                {
                    err = Worst(err, BatchSubmitLocked(deferrable: true));
                }
            }
            if ((faults & FaultInjection.SkipAtcInv) == 0)
            {
                for (int i = 0; i < atcTargets.Length; i++)
                {
                    if (!ats[i])
                    {
                        continue;
                    }
                    (uint sid, uint pasid) = atcTargets[i];
                    Command atcInv = wholeAsid
                        ? Command.AtcInvAll(sid, pasid, ssv: true)
                        : Command.AtcInvRange(sid, pasid, ssv: true, start, end);
                    err = Worst(err, BatchAddLocked(atcInv, deferrable: true));
                }
            }
            if (_batchCount > 0)
            {
                err = Worst(err, BatchSubmitLocked(deferrable: true));
            }
        }
        if (err != Errno.Ok)
        {
            s_log.Error("invalidation of asid {0} [{1:x}, {2:x}) not confirmed: {3}", asid, start, end, err);
        }
    }

    private static Errno Worst(Errno a, Errno b) => a != Errno.Ok ? a : b;
}

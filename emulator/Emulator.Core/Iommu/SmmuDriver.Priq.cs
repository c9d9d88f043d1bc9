using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Core.Iommu;

/// <summary>The PRI queue consumer (Linux <c>arm_smmu_priq_thread</c> + <c>arm_smmu_handle_ppr</c>).</summary>
/// <remarks>
/// <para>SMMUv3 Chapter 8. Entries between the driver's PRIQ_CONS and PRIQ_PROD are read and CONS is
/// written back after each one (Linux <c>queue_remove_raw</c>). A page request is resolved by
/// <see cref="PageRequestHandler"/>; the group is answered, on its Last request, with CMD_PRI_RESP
/// (Success, Invalid Request or Response Failure — the worst result of the group's pages) and a
/// CMD_SYNC. Stop markers need no answer. A request without a PASID cannot be an SVA fault: Invalid
/// Request.</para>
/// <para>Overflow (§8.1): when PROD.OVFLG differs from CONS.OVACKFLG the SMMU has dropped requests (and
/// answered them itself); the driver logs "requests lost", counts it, drains what is there and then
/// copies OVFLG into OVACKFLG (Linux <c>queue_sync_cons_ovf</c>), which lets the SMMU queue requests again.</para>
/// <para>The responses are issued without <see cref="FaultInjection.SkipSyncWait"/>'s deferral: the SMMU
/// model collects them before its PRIQ interrupt returns to the endpoint.</para>
/// </remarks>
public sealed partial class SmmuDriver
{
    private readonly record struct PriGroup(uint Sid, uint Pasid, ushort Index);

    /// <summary>The driver's copy of PRIQ_CONS. Guarded by <see cref="_priqLock"/>.</summary>
    private QueuePointer _priqCons;

    /// <summary>Results of the pages of groups whose Last request has not arrived. Guarded by <see cref="_priqLock"/>.</summary>
    private readonly Dictionary<PriGroup, PriResult> _priGroups = [];

    private void OnPriInterrupt() => ServicePriQueue();

    /// <summary>Consumes the PRI queue and answers every complete page request group. Runs as the
    /// device's PRIQ interrupt handler; may also be called directly (for example after an overflow).</summary>
    /// <returns>The number of queue entries consumed.</returns>
    public int ServicePriQueue()
    {
        if (!_initialized || !_idr0.Pri)
        {
            return 0;
        }
        int consumed = 0;
        Span<byte> raw = stackalloc byte[PriRequest.Size];
        lock (_priqLock)
        {
            QueuePointer prod;
            while (true)
            {
                prod = new QueuePointer(Read32(R.PriqProd), _priqLog2);
                if (prod.Overflow != _priqCons.Overflow)
                {
                    Interlocked.Increment(ref _stats._priOverflows);
                    s_log.Error("PRIQ overflow detected -- requests lost");
                }
                if (QueuePointer.IsEmpty(prod, _priqCons))
                {
                    break;
                }
                while (!QueuePointer.IsEmpty(prod, _priqCons))
                {
                    ulong pa = _priqPa + _priqCons.Index * (ulong)PriRequest.Size;
                    if (!_memory.TryRead(pa, raw))
                    {
                        throw new InvalidOperationException($"PRI queue at {pa:x} not readable");
                    }
                    _priqCons = _priqCons.Advance();
                    Write32(R.PriqCons, _priqCons.Raw);
                    consumed++;
                    HandlePageRequest(PriRequest.ReadFrom(raw));
                }
                // Acknowledge an overflow only once caught up, as Linux does after its drain loop.
                _priqCons = _priqCons.WithOverflow(prod.Overflow);
                Write32(R.PriqCons, _priqCons.Raw);
            }
            if (_priqCons.Overflow != prod.Overflow)
            {
                _priqCons = _priqCons.WithOverflow(prod.Overflow);
                Write32(R.PriqCons, _priqCons.Raw);
            }
        }
        return consumed;
    }

    private void HandlePageRequest(in PriRequest request)
    {
        if (request.IsStopMarker)
        {
            return;
        }
        Interlocked.Increment(ref _stats._pageRequests);
        PriResult result;
        Func<uint, uint, ulong, bool, bool, PriResult>? handler = PageRequestHandler;
        if (!request.SubstreamValid)
        {
            result = PriResult.InvalidRequest;
        }
        else if (handler is null)
        {
            result = PriResult.ResponseFailure;
        }
        else
        {
            result = handler(request.StreamId, request.SubstreamId, request.Address, request.Write, request.Execute);
        }

        uint pasid = request.SubstreamValid ? request.SubstreamId : AtcEntry.NoPasid;
        var group = new PriGroup(request.StreamId, pasid, request.GroupIndex);
        if (_priGroups.Remove(group, out PriResult earlier))
        {
            result = WorseOf(earlier, result);
        }
        if (!request.Last)
        {
            _priGroups[group] = result;
            return;
        }
        PriResponse response = result switch
        {
            PriResult.Success => PriResponse.Success,
            PriResult.InvalidRequest => PriResponse.InvalidRequest,
            _ => PriResponse.ResponseFailure,
        };
        switch (response)
        {
            case PriResponse.Success: Interlocked.Increment(ref _stats._priSuccess); break;
            case PriResponse.InvalidRequest: Interlocked.Increment(ref _stats._priInvalid); break;
            default: Interlocked.Increment(ref _stats._priFailure); break;
        }
        Command resp = Command.PriResp(request.StreamId, request.SubstreamValid ? request.SubstreamId : 0,
            request.SubstreamValid, request.GroupIndex, response);
        Errno err = IssueCommands([resp], sync: true, deferrable: false);
        if (err != Errno.Ok)
        {
            s_log.Error("{0} not confirmed: {1}", resp, err);
        }
    }

    private static PriResult WorseOf(PriResult a, PriResult b) =>
        a == PriResult.ResponseFailure || b == PriResult.ResponseFailure ? PriResult.ResponseFailure
        : a == PriResult.InvalidRequest || b == PriResult.InvalidRequest ? PriResult.InvalidRequest
        : PriResult.Success;
}

using System.Diagnostics;
using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;

namespace Emulator.Core.Smmu;

/// <summary>The PRI queue producer and the PRG Responses software sends with CMD_PRI_RESP.</summary>
/// <remarks>
/// <para>SMMUv3 Chapter 8. An endpoint's page request group (one request, Last = 1) is written at
/// PRIQ_PROD; the host's PRIQ handler (<see cref="PriInterrupt"/>) then runs synchronously on the
/// requesting thread and is expected to answer with CMD_PRI_RESP, whose code becomes the result.
/// No answer by the time the handler returns is Response Failure (the endpoint stops using PRI), so a
/// driver that forgets to answer shows up at once instead of hanging the device.</para>
/// <para>Automatic responses, exactly as §8.1–§8.2 specify: while CR0.PRIQEN (or SMMUEN) is 0 or
/// GERROR.PRIQ_ABT_ERR is active, requests are discarded with Response Failure; a write that aborts
/// raises PRIQ_ABT_ERR and answers Response Failure (the model's aborts are synchronous). When the
/// queue is full, PROD.OVFLG is toggled (unless an overflow is already active) and the request is
/// discarded with an automatic <em>Success</em>, so the endpoint retries its ATS request and, failing
/// that, its page request; while the overflow is unacknowledged (PROD.OVFLG ≠ CONS.OVACKFLG) every
/// request is discarded that way, even once space is free (unlike the event queue).</para>
/// <para>STE.EATS and CR0.ATSCHK do not apply to page requests (§8.2); the SMMU does not check the STE.</para>
/// </remarks>
public sealed partial class SmmuDevice
{
    private readonly record struct PriKey(uint Sid, uint Pasid, ushort GroupIndex);

    /// <summary>Page request groups written to the PRI queue and not yet returned to the endpoint,
    /// with the response software sent (null: none yet). Guarded by <see cref="_lock"/>.</summary>
    private readonly Dictionary<PriKey, PriResult?> _pendingPri = [];

    private long _priAutoResponses;

    /// <summary>Page requests answered by the SMMU itself (overflow, PRI queue disabled or aborted).</summary>
    public long PriAutoResponses => Interlocked.Read(ref _priAutoResponses);

    /// <inheritdoc/>
    public PriResult RequestPage(uint sid, uint pasid, ulong va, AtsPermissions requested, ushort groupIndex)
    {
        if (!_idr0.Pri)
        {
            return PriResult.ResponseFailure;
        }
        bool ssv = pasid != AtcEntry.NoPasid;
        var key = new PriKey(sid, pasid, (ushort)(groupIndex & 0x1FF));
        PriRequest request = PriRequest.Create(sid, ssv ? pasid & 0xF_FFFF : 0, ssv, va, key.GroupIndex, last: true,
            read: (requested & AtsPermissions.Read) != 0, write: (requested & AtsPermissions.Write) != 0,
            execute: (requested & AtsPermissions.Execute) != 0, privileged: (requested & AtsPermissions.Privileged) != 0);

        bool signalPriq;
        bool signalGError = false;
        PriResult? autoResponse;
        lock (_lock)
        {
            autoResponse = WritePageRequestLocked(request, ref signalGError, out signalPriq);
            if (autoResponse is null)
            {
                _pendingPri[key] = null;
            }
        }
        if (signalGError)
        {
            SignalGError();
        }
        if (autoResponse is PriResult auto)
        {
            Interlocked.Increment(ref _priAutoResponses);
            return auto;
        }
        if (signalPriq)
        {
            PriInterrupt?.Invoke();
        }
        lock (_lock)
        {
            _pendingPri.Remove(key, out PriResult? response);
            return response ?? PriResult.ResponseFailure;
        }
    }

    /// <summary>Writes the request at PRIQ_PROD.</summary>
    /// <returns>null when the request is in the queue; otherwise the automatic response.</returns>
    private PriResult? WritePageRequestLocked(in PriRequest request, ref bool signalGError, out bool signalPriq)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        signalPriq = false;
        Cr0 cr0 = Cr0Ack;
        if (!cr0.SmmuEnabled || !cr0.PriqEnabled
            || (GError.Active(new GError(_rGError), new GError(_rGErrorN)) & GError.PriqAbtErr) != 0)
        {
            return PriResult.ResponseFailure;
        }
        var qbase = new QueueBase(_rPriqBase);
        int log2 = qbase.EffectiveLog2Size(_idr1.PriqLog2Size);
        var prod = new QueuePointer(_rPriqProd, log2);
        var cons = new QueuePointer(_rPriqCons, log2);
        if (prod.Overflow != cons.Overflow)
        {
            return PriResult.Success;
        }
        if (QueuePointer.IsFull(prod, cons))
        {
            _rPriqProd = prod.WithOverflow(!prod.Overflow).Raw;
            Log.GuestError.Debug("smmu: PRI queue overflow, {0} auto-answered", request);
            return PriResult.Success;
        }
        Span<byte> raw = stackalloc byte[PriRequest.Size];
        request.WriteTo(raw);
        ulong pa = qbase.EffectiveAddress(PriRequest.Size, _idr1.PriqLog2Size) + prod.Index * (ulong)PriRequest.Size;
        if (!_memory.TryWrite(pa, raw))
        {
            Log.GuestError.Debug("smmu: PRI queue write at {0:x} aborted", pa);
            signalGError |= RaiseGErrorLocked(GError.PriqAbtErr);
            return PriResult.ResponseFailure;
        }
        _rPriqProd = prod.Advance().Raw;
        signalPriq = (_rIrqCtrl & SmmuRegisters.IrqCtrlPriqIrqEn) != 0;
        return null;
    }

    /// <summary>CMD_PRI_RESP (§4.5.2): records the response for the pending group it names.</summary>
    private void CompletePageRequest(Command command)
    {
        var key = new PriKey(command.StreamId, command.SubstreamValid ? command.SubstreamId : AtcEntry.NoPasid, command.PriGroupIndex);
        PriResult result = command.PriResponse switch
        {
            PriResponse.Success => PriResult.Success,
            PriResponse.InvalidRequest => PriResult.InvalidRequest,
            _ => PriResult.ResponseFailure,
        };
        lock (_lock)
        {
            if (_pendingPri.ContainsKey(key))
            {
                _pendingPri[key] = result;
                return;
            }
        }
        Log.GuestError.Debug("smmu: {0} answers no pending page request group", command);
    }
}

using System.Diagnostics;
using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;

namespace Emulator.Core.Smmu;

/// <summary>The command queue consumer.</summary>
/// <remarks>
/// <para>SMMUv3 §3.5 (queues), §4 (commands), §7.1 (command queue errors). Commands are consumed in
/// order from CMDQ_CONS to CMDQ_PROD while CR0.CMDQEN is 1 and GERROR.CMDQ_ERR is not active. A
/// command that fails stops the queue: CMDQ_CONS keeps pointing at it with CMDQ_CONS.ERR set and
/// GERROR.CMDQ_ERR is toggled. Consumption resumes, from CMDQ_CONS, when software acknowledges the
/// error through GERRORN (after fixing or replacing the command) and on every later PROD write.</para>
/// <para>Errors: CERROR_ILL for an unknown opcode or a command <see cref="Command.Validate(Idr0)"/>
/// refuses (including the commands for features this SMMU lacks: CMD_RESUME, CMD_TLBI_EL2_ALL,
/// CMD_TLBI_S12_VMALL); CERROR_ABT when the entry cannot be read from RAM; CERROR_ATC_INV_SYNC when a
/// CMD_SYNC finds an ATC invalidation the backend did not complete within
/// <see cref="SmmuOptions.SyncTimeout"/>.</para>
/// </remarks>
public sealed partial class SmmuDevice
{
    /// <summary>An ATC invalidation was sent since the last successful CMD_SYNC wait. Guarded by
    /// <see cref="_cmdqLock"/>. A CMD_SYNC with nothing outstanding does not call the backend.</summary>
    private bool _atcInvPending;

    /// <summary>Consumes commands until the queue is empty, disabled or stopped by an error.</summary>
    private void RunCommandQueue()
    {
        bool gerror = false;
        Span<byte> entry = stackalloc byte[Command.Size];
        lock (_cmdqLock)
        {
            ulong entryPa;
            QueuePointer cons;
            lock (_lock)
            {
                if (!NextCommandLocked(out entryPa, out cons))
                {
                    return;
                }
            }
            while (true)
            {
                CommandError error;
                if (!_memory.TryRead(entryPa, entry))
                {
                    Log.GuestError.Debug("smmu: command fetch at {0:x} aborted (CERROR_ABT)", entryPa);
                    error = CommandError.Abort;
                }
                else
                {
                    error = Execute(Command.ReadFrom(entry), ref gerror);
                }

                // One register-file section per command: publish CONS, then look for the next entry.
                lock (_lock)
                {
                    if (error != CommandError.None)
                    {
                        _rCmdqCons = cons.WithError(error).Raw;
                        gerror |= RaiseGErrorLocked(GError.CmdqErr);
                        break;
                    }
                    _rCmdqCons = cons.Advance().Raw;
                    if (!NextCommandLocked(out entryPa, out cons))
                    {
                        break;
                    }
                }
            }
        }
        if (gerror)
        {
            SignalGError();
        }
    }

    /// <summary>The entry at CMDQ_CONS, if the queue is enabled, not stopped by an error and not empty.</summary>
    private bool NextCommandLocked(out ulong entryPa, out QueuePointer cons)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        entryPa = 0;
        cons = default;
        if (!Cr0Ack.CmdqEnabled || CmdqErrorActiveLocked)
        {
            return false;
        }
        var qbase = new QueueBase(_rCmdqBase);
        int log2 = qbase.EffectiveLog2Size(_idr1.CmdqLog2Size);
        var prod = new QueuePointer(_rCmdqProd, log2);
        cons = new QueuePointer(_rCmdqCons, log2);
        if (QueuePointer.IsEmpty(prod, cons))
        {
            return false;
        }
        entryPa = qbase.EffectiveAddress(Command.Size, _idr1.CmdqLog2Size) + cons.Index * (ulong)Command.Size;
        return true;
    }

    /// <summary>Executes one command: the single opcode switch.</summary>
    /// <param name="command">The entry at CMDQ_CONS.</param>
    /// <param name="gerror">Set when a global error was raised that needs the GERROR interrupt.</param>
    /// <returns>The error that stops the queue, or <see cref="CommandError.None"/>.</returns>
    private CommandError Execute(Command command, ref bool gerror)
    {
        Debug.Assert(_cmdqLock.IsHeldByCurrentThread);
        IllegalCommandReason illegal = command.Validate(_idr0);
        if (illegal != IllegalCommandReason.None)
        {
            Log.GuestError.Debug("smmu: CERROR_ILL {0} for {1}", illegal, command);
            return CommandError.Illegal;
        }
        _commandCounts[(byte)command.Opcode]++;
        if (TraceEvents.On) TraceEvents.Emit(TraceEventId.SmmuCmd, TraceAgentKind.Smmu, -1, command.Word0, command.Word1);
        switch (command.Opcode)
        {
            case CommandOpcode.PrefetchConfig:
                // A hint (§4.2.1); the model fetches configuration on demand only.
                return CommandError.None;
            case CommandOpcode.CfgiSte:
                _config.InvalidateStreamRange(command.StreamId, -1);
                return CommandError.None;
            case CommandOpcode.CfgiSteRange:
                _config.InvalidateStreamRange(command.StreamId, command.CfgiRange);
                return CommandError.None;
            case CommandOpcode.CfgiCd:
                _config.InvalidateCd(command.StreamId, command.SubstreamId);
                return CommandError.None;
            case CommandOpcode.CfgiCdAll:
                _config.InvalidateCds(command.StreamId);
                return CommandError.None;
            case CommandOpcode.TlbiNhAll:
            case CommandOpcode.TlbiNsnhAll:
                _iotlb.InvalidateAll();
                return CommandError.None;
            case CommandOpcode.TlbiNhAsid:
                _iotlb.InvalidateAsid(command.Asid);
                return CommandError.None;
            case CommandOpcode.TlbiNhVa:
                _iotlb.InvalidateVa(command.Asid, allAsids: false, command.TlbiAddress, command.TlbiRangeSize);
                return CommandError.None;
            case CommandOpcode.TlbiNhVaa:
                _iotlb.InvalidateVa(0, allAsids: true, command.TlbiAddress, command.TlbiRangeSize);
                return CommandError.None;
            case CommandOpcode.AtcInv:
                _backend.Invalidate(ToAtcInvalidation(command));
                _atcInvPending = true;
                return CommandError.None;
            case CommandOpcode.PriResp:
                CompletePageRequest(command);
                return CommandError.None;
            case CommandOpcode.Sync:
                return ExecuteSync(command, ref gerror);
            default:
                // Validate(idr0) refuses every other opcode on this SMMU (CMD_RESUME, CMD_TLBI_EL2_ALL,
                // CMD_TLBI_S12_VMALL and the Reserved values); reaching here is an emulator bug.
                throw new UnreachableException($"validated command without a handler: {command}");
        }
    }

    /// <summary>CMD_ATC_INV (§4.5.1) as the ATS Invalidate Request the backend sends.</summary>
    private static AtcInvalidation ToAtcInvalidation(Command command)
    {
        bool ssv = command.SubstreamValid;
        int sizeLog2 = command.AtcSize >= Command.AtcInvSizeAll ? AtcInvalidation.AllAddresses : 12 + command.AtcSize;
        return new AtcInvalidation(command.StreamId, ssv ? command.SubstreamId : AtcEntry.NoPasid,
            ssv && command.AtcGlobal, command.AtcEffectiveAddress, sizeLog2);
    }

    /// <summary>
    /// CMD_SYNC (§4.7.3): every earlier command is complete once this one is consumed; ATC
    /// invalidations must have their completions (else CERROR_ATC_INV_SYNC with CONS at this
    /// CMD_SYNC). Then the completion signal: SIG_IRQ with a non-zero MSIAddress writes MSIData (32
    /// bits) there — a failing write raises GERROR.MSI_CMDQ_ABT_ERR —; SIG_SEV and SIG_NONE need no
    /// action in a model without WFE.
    /// </summary>
    private CommandError ExecuteSync(Command command, ref bool gerror)
    {
        if (TraceEvents.On) TraceEvents.Emit(TraceEventId.SmmuCmdSync, TraceAgentKind.Smmu, -1, _atcInvPending ? 1UL : 0);
        if (_atcInvPending)
        {
            AtcSyncResult synced = _backend.Sync(_options.SyncTimeout);
            if (TraceEvents.On) TraceEvents.Emit(TraceEventId.SmmuCmdSyncDone, TraceAgentKind.Smmu, -1, synced == AtcSyncResult.Timeout ? 1UL : 0);
            if (synced == AtcSyncResult.Timeout)
            {
                Log.GuestError.Warn("smmu: ATC invalidation not completed within {0} (CERROR_ATC_INV_SYNC)", _options.SyncTimeout);
                return CommandError.AtcInvSync;
            }
            _atcInvPending = false;
        }
        else if (TraceEvents.On)
        {
            TraceEvents.Emit(TraceEventId.SmmuCmdSyncDone, TraceAgentKind.Smmu, -1, 0);
        }
        if (command.SyncCompletion == SyncCs.Irq && command.SyncMsiAddress != 0
            && !_memory.TryWriteU32(command.SyncMsiAddress, command.SyncMsiData))
        {
            Log.GuestError.Debug("smmu: CMD_SYNC MSI write to {0:x} aborted", command.SyncMsiAddress);
            lock (_lock)
            {
                gerror |= RaiseGErrorLocked(GError.MsiCmdqAbtErr);
            }
        }
        return CommandError.None;
    }
}

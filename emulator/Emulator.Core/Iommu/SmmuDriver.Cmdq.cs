using System.Diagnostics;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Core.Iommu;

/// <summary>The command queue producer: batches, the CMD_SYNC wait, error recovery, the history ring.</summary>
/// <remarks>
/// <para>SMMUv3 §3.5 (queues), §4.7.3 CMD_SYNC, §7.1 (command queue errors). Modelled on Linux
/// <c>arm_smmu_cmdq_batch_add</c>/<c>_submit</c> (a full batch is issued without a CMD_SYNC; the final
/// submission ends with one), <c>arm_smmu_cmdq_issue_cmdlist</c> (write the entries, then CMDQ_PROD) and
/// <c>__arm_smmu_cmdq_poll_until_consumed</c> (the SYNC is complete once CMDQ_CONS has moved past it).
/// Completion is signalled with SIG_SEV and CONS polling, Linux's path without MSIs.</para>
/// <para>Errors (Linux <c>arm_smmu_gerror_handler</c> + <c>arm_smmu_cmdq_skip_err</c>): CERROR_ILL — the
/// command at CONS is logged and overwritten with a CMD_SYNC, then GERRORN acknowledges and the SMMU
/// resumes; CERROR_ABT and CERROR_ATC_INV_SYNC — acknowledged unchanged, so the SMMU retries the fetch
/// or the CMD_SYNC, at most <see cref="SmmuDriverOptions.MaxErrorRetries"/> times per wait; after that
/// the queue is left stopped and the wait reports <see cref="Errno.EIO"/> (the next submission
/// acknowledges again).</para>
/// </remarks>
public sealed partial class SmmuDriver
{
    /// <summary>The driver's copy of CMDQ_PROD: where the next command goes. Guarded by <see cref="_cmdqLock"/>.</summary>
    private QueuePointer _cmdqProd;

    /// <summary>Commands written past the CMDQ_PROD register value (<see cref="FaultInjection.SkipSyncWait"/>).
    /// Guarded by <see cref="_cmdqLock"/>.</summary>
    private bool _doorbellDeferred;

    /// <summary>The batch being built. Guarded by <see cref="_cmdqLock"/>.</summary>
    private readonly Command[] _batch;
    private int _batchCount;

    /// <summary>Ring of recently written commands. Guarded by <see cref="_cmdqLock"/>.</summary>
    private readonly Command[] _history;
    private long _historyWritten;

    /// <summary>Where the next command goes in <see cref="_history"/> (<see cref="_historyWritten"/> modulo
    /// its length, kept apart so that writing a command costs no division). Guarded by <see cref="_cmdqLock"/>.</summary>
    private int _historyNext;

    /// <summary>ABT/ATC_INV_SYNC acknowledgements left for the current wait. Guarded by <see cref="_cmdqLock"/>.</summary>
    private int _retriesLeft;

    /// <summary>The retry budget of the current wait is spent and the queue was left stopped: the error
    /// is not counted or logged again until the next submission. Guarded by <see cref="_cmdqLock"/>.</summary>
    private bool _leftStopped;

    /// <summary>
    /// The <paramref name="count"/> most recently issued commands, oldest first, formatted — what the
    /// coherence oracle prints with a stale access ("the command history that should have removed it").
    /// </summary>
    public string[] RecentCommands(int count)
    {
        lock (_cmdqLock)
        {
            long available = Math.Min(_historyWritten, _history.Length);
            int n = (int)Math.Min(Math.Max(count, 0), available);
            var result = new string[n];
            for (int i = 0; i < n; i++)
            {
                long seq = _historyWritten - n + i;
                result[i] = _history[seq % _history.Length].ToString();
            }
            return result;
        }
    }

    /// <summary>Rings the CMDQ_PROD doorbell for commands held back by <see cref="FaultInjection.SkipSyncWait"/>,
    /// without waiting for them. A no-op when nothing is held back.</summary>
    public void FlushDeferred()
    {
        lock (_cmdqLock)
        {
            if (_doorbellDeferred)
            {
                RingDoorbellLocked();
            }
        }
    }

    /// <summary>True while commands sit in the queue behind an unwritten CMDQ_PROD.</summary>
    public bool HasDeferredCommands
    {
        get
        {
            lock (_cmdqLock)
            {
                return _doorbellDeferred;
            }
        }
    }

    /// <summary>Issues <paramref name="commands"/> and a CMD_SYNC and waits (no fault injection applies):
    /// for tests and diagnostics that need commands the driver would not build itself.</summary>
    internal Errno SubmitRaw(ReadOnlySpan<Command> commands) => IssueCommands(commands, sync: true, deferrable: false);

    /// <summary>Adds a command to the batch; a full batch is issued first, without a CMD_SYNC.</summary>
    private Errno BatchAddLocked(in Command command, bool deferrable)
    {
        Debug.Assert(_cmdqLock.IsHeldByCurrentThread);
        Errno err = Errno.Ok;
        if (_batchCount == _batch.Length)
        {
            err = IssueLocked(_batch.AsSpan(0, _batchCount), sync: false, deferrable);
            _batchCount = 0;
        }
        _batch[_batchCount++] = command;
        return err;
    }

    /// <summary>Issues the batch closed by a CMD_SYNC and (unless deferred) waits for it.</summary>
    private Errno BatchSubmitLocked(bool deferrable)
    {
        Debug.Assert(_cmdqLock.IsHeldByCurrentThread);
        Errno err = IssueLocked(_batch.AsSpan(0, _batchCount), sync: true, deferrable);
        _batchCount = 0;
        return err;
    }

    /// <summary>Issues <paramref name="commands"/> (with a closing CMD_SYNC when <paramref name="sync"/>)
    /// and waits for the CMD_SYNC.</summary>
    private Errno IssueCommands(ReadOnlySpan<Command> commands, bool sync, bool deferrable)
    {
        lock (_cmdqLock)
        {
            return IssueLocked(commands, sync, deferrable);
        }
    }

    /// <summary>Linux <c>arm_smmu_cmdq_issue_cmdlist</c>: waits for space, writes the entries, rings the
    /// doorbell (or defers it under <see cref="FaultInjection.SkipSyncWait"/> when <paramref name="deferrable"/>)
    /// and, with <paramref name="sync"/>, polls until CMDQ_CONS has consumed the CMD_SYNC.</summary>
    private Errno IssueLocked(ReadOnlySpan<Command> commands, bool sync, bool deferrable)
    {
        Debug.Assert(_cmdqLock.IsHeldByCurrentThread);
        uint needed = (uint)commands.Length + (sync ? 1u : 0u);
        if (needed == 0)
        {
            return Errno.Ok;
        }
        _retriesLeft = _options.MaxErrorRetries;
        _leftStopped = false;
        Errno err = WaitForSpaceLocked(needed);
        if (err != Errno.Ok)
        {
            return err;
        }
        foreach (ref readonly Command command in commands)
        {
            WriteEntryLocked(command);
        }
        QueuePointer syncPosition = _cmdqProd;
        if (sync)
        {
            WriteEntryLocked(Command.Sync(SyncCs.Sev, 0, 0));
        }
        Interlocked.Increment(ref _stats._batches);
        if (deferrable && Has(FaultInjection.SkipSyncWait))
        {
            _doorbellDeferred = true;
            Interlocked.Increment(ref _stats._deferredDoorbells);
            return Errno.Ok;
        }
        RingDoorbellLocked();
        if (!sync)
        {
            return Errno.Ok;
        }
        err = WaitUntilConsumedLocked(syncPosition);
        if (err == Errno.Ok)
        {
            Interlocked.Increment(ref _stats._syncs);
        }
        return err;
    }

    private void WriteEntryLocked(in Command command)
    {
        Span<byte> raw = stackalloc byte[Command.Size];
        command.WriteTo(raw);
        if (!_memory.TryWrite(_cmdqPa + _cmdqProd.Index * (ulong)Command.Size, raw))
        {
            throw new InvalidOperationException($"command queue at {_cmdqPa:x} not writable");
        }
        _cmdqProd = _cmdqProd.Advance();
        _history[_historyNext] = command;
        _historyNext = _historyNext + 1 == _history.Length ? 0 : _historyNext + 1;
        _historyWritten++;
        _stats.CountCommand(command.Opcode);
    }

    private void RingDoorbellLocked()
    {
        _doorbellDeferred = false;
        Write32(R.CmdqProd, _cmdqProd.Raw);
    }

    private QueuePointer ReadCmdqCons() => new(Read32(R.CmdqCons), _cmdqLog2);

    /// <summary>Linux <c>arm_smmu_cmdq_poll_until_not_full</c>, for <paramref name="needed"/> entries.</summary>
    private Errno WaitForSpaceLocked(uint needed)
    {
        // The clock starts at the first poll that fails: the common case (room at once) reads no time.
        long started = 0;
        var spin = new SpinWait();
        while (!QueuePointer.HasSpace(_cmdqProd, ReadCmdqCons(), needed))
        {
            if (_doorbellDeferred)
            {
                // A full queue forces the held-back doorbell: the SMMU must consume to make room.
                RingDoorbellLocked();
                continue;
            }
            if (started == 0)
            {
                started = Stopwatch.GetTimestamp();
            }
            Errno err = HandleCommandQueueErrorLocked();
            if (err != Errno.Ok || Stopwatch.GetElapsedTime(started) > _options.SyncTimeout)
            {
                Interlocked.Increment(ref _stats._syncTimeouts);
                s_log.Error("command queue full and not draining: prod {0} cons {1}", _cmdqProd, ReadCmdqCons());
                return err != Errno.Ok ? err : Errno.ETIMEDOUT;
            }
            spin.SpinOnce();
        }
        return Errno.Ok;
    }

    /// <summary>Polls CMDQ_CONS until the entry at <paramref name="syncPosition"/> is consumed, handling
    /// command-queue errors on the way.</summary>
    private Errno WaitUntilConsumedLocked(QueuePointer syncPosition)
    {
        // As in WaitForSpaceLocked, the clock starts at the first poll that fails.
        long started = 0;
        var spin = new SpinWait();
        while (true)
        {
            if (QueuePointer.IsConsumed(ReadCmdqCons(), syncPosition) && !CommandQueueErrorActive())
            {
                return Errno.Ok;
            }
            if (started == 0)
            {
                started = Stopwatch.GetTimestamp();
            }
            Errno err = HandleCommandQueueErrorLocked();
            if (err != Errno.Ok || Stopwatch.GetElapsedTime(started) > _options.SyncTimeout)
            {
                Interlocked.Increment(ref _stats._syncTimeouts);
                s_log.Error("CMD_SYNC at {0} not completed (cons {1}): {2}", syncPosition, ReadCmdqCons(), err != Errno.Ok ? err : Errno.ETIMEDOUT);
                return err != Errno.Ok ? err : Errno.ETIMEDOUT;
            }
            spin.SpinOnce();
        }
    }

    private bool CommandQueueErrorActive() =>
        (GError.Active(new GError(Read32(R.GError)), new GError(Read32(R.GErrorN))) & GError.CmdqErr) != 0;

    /// <summary>The SMMU's GERROR interrupt, run synchronously by the device (inside a register write of
    /// this driver when the command queue stopped).</summary>
    private void OnGlobalErrorInterrupt()
    {
        lock (_cmdqLock)
        {
            HandleCommandQueueErrorLocked();
        }
    }

    /// <summary>Linux <c>arm_smmu_gerror_handler</c> for CMDQ_ERR (other global errors are logged and
    /// acknowledged). Acknowledging restarts the queue at once in this model, which may raise the
    /// next error re-entrantly; the retry budget bounds that.</summary>
    /// <returns><see cref="Errno.EIO"/> when the queue is left stopped (retry budget spent).</returns>
    private Errno HandleCommandQueueErrorLocked()
    {
        Debug.Assert(_cmdqLock.IsHeldByCurrentThread);
        uint gerror = Read32(R.GError);
        uint gerrorn = Read32(R.GErrorN);
        uint active = GError.Active(new GError(gerror), new GError(gerrorn));
        if (active == 0)
        {
            return Errno.Ok;
        }
        if ((active & ~GError.CmdqErr) != 0)
        {
            s_log.Error("global errors {0:x} acknowledged", active & ~GError.CmdqErr);
        }
        if ((active & GError.CmdqErr) != 0)
        {
            if (_leftStopped)
            {
                return Errno.EIO;
            }
            QueuePointer cons = ReadCmdqCons();
            switch (cons.Error)
            {
                case CommandError.Illegal:
                    SkipIllegalCommandLocked(cons);
                    break;
                case CommandError.Abort:
                    Interlocked.Increment(ref _stats._abortErrors);
                    s_log.Error("CERROR_ABT at cmdq index {0}: retrying command fetch", cons.Index);
                    if (_retriesLeft-- <= 0)
                    {
                        _leftStopped = true;
                        return Errno.EIO;
                    }
                    break;
                case CommandError.AtcInvSync:
                    // CONS still points at the CMD_SYNC; acknowledging repeats it (the ATC may still be busy).
                    Interlocked.Increment(ref _stats._atcInvSyncErrors);
                    s_log.Error("CERROR_ATC_INV_SYNC at cmdq index {0}: ATC invalidation completion timeout", cons.Index);
                    if (_retriesLeft-- <= 0)
                    {
                        _leftStopped = true;
                        return Errno.EIO;
                    }
                    break;
                default:
                    break;
            }
        }
        Write32(R.GErrorN, gerror);
        return Errno.Ok;
    }

    /// <summary>Linux <c>arm_smmu_cmdq_skip_err</c> for CERROR_ILL: replace the entry at CONS with a CMD_SYNC.</summary>
    private void SkipIllegalCommandLocked(QueuePointer cons)
    {
        Interlocked.Increment(ref _stats._illegalErrors);
        ulong entryPa = _cmdqPa + cons.Index * (ulong)Command.Size;
        Span<byte> raw = stackalloc byte[Command.Size];
        Command bad = _memory.TryRead(entryPa, raw) ? Command.ReadFrom(raw) : default;
        s_log.Error("CERROR_ILL: skipping command in error state: {0} ({1:x16} {2:x16})", bad, bad.Word0, bad.Word1);
        Command.Sync(SyncCs.Sev, 0, 0).WriteTo(raw);
        if (!_memory.TryWrite(entryPa, raw))
        {
            throw new InvalidOperationException($"command queue at {entryPa:x} not writable");
        }
    }
}

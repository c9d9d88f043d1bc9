using Emulator.Core.Smmu;

namespace Emulator.Core.Iommu;

/// <summary>Counters of an <see cref="SmmuDriver"/>: commands issued, batches, syncs, errors, PRI and
/// events. Every counter is updated with <see cref="Interlocked"/> and may be read at any time.</summary>
public sealed class SmmuDriverStats
{
    private readonly long[] _commands = new long[256];
    internal long _batches;
    internal long _syncs;
    internal long _syncTimeouts;
    internal long _deferredDoorbells;
    internal long _illegalErrors;
    internal long _abortErrors;
    internal long _atcInvSyncErrors;
    internal long _pageRequests;
    internal long _priSuccess;
    internal long _priInvalid;
    internal long _priFailure;
    internal long _priOverflows;
    internal long _events;
    internal long _eventOverflows;

    /// <summary>Commands of <paramref name="opcode"/> written to the command queue.</summary>
    public long Commands(CommandOpcode opcode) => Interlocked.Read(ref _commands[(byte)opcode]);

    /// <summary>Commands of every opcode written to the command queue.</summary>
    public long TotalCommands
    {
        get
        {
            long n = 0;
            for (int i = 0; i < _commands.Length; i++)
            {
                n += Interlocked.Read(ref _commands[i]);
            }
            return n;
        }
    }

    /// <summary>Batches submitted (each is one run of commands ended by a CMDQ_PROD update or a deferral).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>CMD_SYNCs whose completion the driver waited for.</summary>
    public long SyncsWaited => Interlocked.Read(ref _syncs);

    /// <summary>Waits that gave up (queue stuck in error, or no progress within the sync timeout).</summary>
    public long SyncTimeouts => Interlocked.Read(ref _syncTimeouts);

    /// <summary>Doorbells (CMDQ_PROD writes) held back by <see cref="FaultInjection.SkipSyncWait"/>.</summary>
    public long DeferredDoorbells => Interlocked.Read(ref _deferredDoorbells);

    /// <summary>CERROR_ILL recovered from by replacing the command with CMD_SYNC.</summary>
    public long IllegalCommandErrors => Interlocked.Read(ref _illegalErrors);

    /// <summary>CERROR_ABT seen (command fetch aborted).</summary>
    public long AbortErrors => Interlocked.Read(ref _abortErrors);

    /// <summary>CERROR_ATC_INV_SYNC seen (an ATC invalidation not completed in time).</summary>
    public long AtcInvSyncErrors => Interlocked.Read(ref _atcInvSyncErrors);

    /// <summary>Command-queue errors of every kind.</summary>
    public long CommandErrors => IllegalCommandErrors + AbortErrors + AtcInvSyncErrors;

    /// <summary>Page requests read from the PRI queue (last requests of a group, not stop markers).</summary>
    public long PageRequests => Interlocked.Read(ref _pageRequests);

    /// <summary>CMD_PRI_RESP sent with Success.</summary>
    public long PriSuccess => Interlocked.Read(ref _priSuccess);

    /// <summary>CMD_PRI_RESP sent with Invalid Request.</summary>
    public long PriInvalidRequest => Interlocked.Read(ref _priInvalid);

    /// <summary>CMD_PRI_RESP sent with Response Failure.</summary>
    public long PriResponseFailure => Interlocked.Read(ref _priFailure);

    /// <summary>PRI queue overflows seen (requests lost; the SMMU answered them itself).</summary>
    public long PriOverflows => Interlocked.Read(ref _priOverflows);

    /// <summary>Event records drained.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Event queue overflows seen (records lost).</summary>
    public long EventOverflows => Interlocked.Read(ref _eventOverflows);

    internal void CountCommand(CommandOpcode opcode) => Interlocked.Increment(ref _commands[(byte)opcode]);

    public override string ToString() =>
        $"cmds={TotalCommands} batches={Batches} syncs={SyncsWaited} timeouts={SyncTimeouts} errors={CommandErrors} " +
        $"pri={PageRequests} events={Events}";
}

namespace Emulator.Board;

/// <summary>Counters of one <see cref="BoardLink"/> (a snapshot).</summary>
/// <param name="Invalidations">ATC_INVs issued (each counted once, however often re-sent).</param>
/// <param name="Completed">Of those, acknowledged by INV_COMPLETE or a covering SYNC_ACK.</param>
/// <param name="Syncs">Sync calls.</param>
/// <param name="SyncTimeouts">Sync calls that gave up (CERROR_ATC_INV_SYNC).</param>
/// <param name="Resent">Frames sent again (after a NAK, a silent timeout or a reconnect).</param>
/// <param name="Naks">NAKs received.</param>
/// <param name="BadFrames">Frames from the board dropped for a bad CRC, length or magic.</param>
/// <param name="Reconnects">Connections opened after the first.</param>
/// <param name="Escalations">Reconnects that ended in a whole-ATC invalidation (RESET) instead of a re-send.</param>
/// <param name="Fills">ATC_FILLs mirrored to the board.</param>
/// <param name="FramesSent">Frames written, all kinds.</param>
public readonly record struct BoardStats(long Invalidations, long Completed, long Syncs, long SyncTimeouts, long Resent,
    long Naks, long BadFrames, long Reconnects, long Escalations, long Fills, long FramesSent);

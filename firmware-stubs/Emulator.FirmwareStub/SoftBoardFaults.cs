using Emulator.Core.Wire;

namespace Emulator.FirmwareStub;

/// <summary>Faults the software board injects on request, to drive a host's NAK, resend, timeout and
/// reconnect paths. Immutable: change them by assigning a new value to <see cref="SoftBoard.Faults"/>
/// (any thread, any time).</summary>
/// <remarks>
/// <para>Deterministic: every fault is a count or a flag, never a probability. Counts are kept by each
/// session and restart when the session first sees a new <see cref="SoftBoardFaults"/> value (it looks
/// before handling each received frame), so "set the faults, then send N frames" always does the same
/// thing. A count of 0 turns that fault off.</para>
/// <para>Only frames with a good CRC count as received; damaged bytes are NAKed or skipped as usual.</para>
/// </remarks>
public sealed record SoftBoardFaults
{
    /// <summary>No faults.</summary>
    public static SoftBoardFaults None { get; } = new();

    /// <summary>Drop every Nth received frame of <see cref="DropType"/> (of any type when that is null):
    /// the board behaves as if it had never arrived — no reply, no NAK, no effect.</summary>
    public int DropEveryNth { get; init; }

    /// <summary>Which frames <see cref="DropEveryNth"/> counts and drops; null for all.</summary>
    public MessageType? DropType { get; init; }

    /// <summary>Hold the replies to each read for this long before sending them (a slow board). The
    /// session reads nothing meanwhile, so later requests wait too.</summary>
    public TimeSpan ReplyDelay { get; init; }

    /// <summary>Flip the CRC of every Nth frame the board sends (1 = all of them).</summary>
    public int CorruptCrcEveryNthSent { get; init; }

    /// <summary>Close the connection after handling the Nth received frame (its replies are sent first;
    /// frames behind it are discarded).</summary>
    public int DisconnectAfterFrames { get; init; }

    /// <summary>ATC_INVs are applied to the ATC but never completed, and SYNCs are swallowed (no
    /// SYNC_ACK): a hung invalidation engine. The unreported itags stay outstanding (and count against
    /// maxOutstanding); they are completed by the first SYNC or read after this is switched off.</summary>
    public bool NeverComplete { get; init; }

    /// <summary>ATC_INVs are completed as usual but not applied: a board whose invalidation engine lies.
    /// The protocol cannot see this; lockstep (ATC_DUMP compared with the model) must.</summary>
    public bool IgnoreInvalidations { get; init; }

    /// <summary>True when no fault is on.</summary>
    public bool IsNone => DropEveryNth == 0 && ReplyDelay == TimeSpan.Zero && CorruptCrcEveryNthSent == 0
        && DisconnectAfterFrames == 0 && !NeverComplete && !IgnoreInvalidations;

    /// <exception cref="ArgumentOutOfRangeException">A count or the delay is negative.</exception>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(DropEveryNth);
        ArgumentOutOfRangeException.ThrowIfNegative(CorruptCrcEveryNthSent);
        ArgumentOutOfRangeException.ThrowIfNegative(DisconnectAfterFrames);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReplyDelay, TimeSpan.Zero);
    }
}

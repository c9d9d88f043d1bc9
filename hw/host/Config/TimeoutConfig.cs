namespace Emulator.Board.Config;

/// <summary>The <c>timeouts:</c> section: how long the board backend waits, and how often it retries.</summary>
/// <remarks>The loader requires <see cref="Heartbeat"/> &lt; <see cref="Sync"/>: the idle-link
/// HEARTBEAT is what ends a receive stalled by a corrupted frame length (docs/wire-protocol.md,
/// "Receiving"), and it must do so before a SYNC gives up.</remarks>
public sealed record TimeoutConfig
{
    /// <summary>The defaults: sync 1 s, connect 5 s, heartbeat 250 ms, 3 resends.</summary>
    public static TimeoutConfig Default { get; } = new();

    /// <summary>Longest wait for a SYNC_ACK, resends included (<c>sync</c>), 1 ms..10 min. Default 1 s,
    /// the arm-smmu-v3 driver's CMD_SYNC poll timeout (ARM_SMMU_POLL_TIMEOUT_US). Past it the SMMU
    /// reports CERROR_ATC_INV_SYNC, as a slow real device would make it.</summary>
    public TimeSpan Sync { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Opening the transport and the HELLO/CAPS exchange (<c>connect</c>), 1 ms..10 min. Default 5 s.</summary>
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>HEARTBEAT period of an idle link (<c>heartbeat</c>), 1 ms..10 min, shorter than
    /// <see cref="Sync"/>. Default 250 ms.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Resends of an unanswered SYNC and its invalidations within <see cref="Sync"/>
    /// (<c>resend-attempts</c>), 0..100: they go out every <see cref="ResendAfter"/>. Default 3.</summary>
    public int ResendAttempts { get; init; } = 3;

    /// <summary>How long a SYNC goes unanswered before it is resent: <see cref="Sync"/> split evenly
    /// between the first send and the <see cref="ResendAttempts"/> resends (1 s and 3: 250 ms).</summary>
    public TimeSpan ResendAfter => Sync / (ResendAttempts + 1);
}

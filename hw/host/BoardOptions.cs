namespace Emulator.Board;

/// <summary>How the board backend talks to its board (from <c>hw-config.yaml</c>, or defaults).</summary>
public sealed record BoardOptions
{
    /// <summary>Longest wait for one CMD_SYNC's SYNC_ACK (resends included); past it the SMMU reports
    /// CERROR_ATC_INV_SYNC, as a slow real device would make it.</summary>
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a SYNC may go unanswered before its invalidations and the SYNC are re-sent.</summary>
    public TimeSpan ResendAfter { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait to connect and complete HELLO/CAPS.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A HEARTBEAT is sent when nothing was sent for this long (zero: never), so a board
    /// waiting for the rest of a damaged frame always gets more bytes.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>ATC_INVs sent before an automatic SYNC, capped by the board's own max batch (CAPS).</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>Escalate to a whole-ATC invalidation (RESET) after every reconnect instead of re-sending
    /// the unacknowledged invalidations. Off by default: see docs/wire-protocol.md § Reconnect.</summary>
    public bool EscalateOnReconnect { get; init; }

    /// <summary>After each completed SYNC, read the board's ATC (ATC_DUMP) and compare it with the model's.</summary>
    public bool Lockstep { get; init; }

    /// <summary>The board settings of a loaded <c>hw-config.yaml</c>.</summary>
    public static BoardOptions From(Config.HwConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new BoardOptions
        {
            SyncTimeout = config.Timeouts.Sync,
            ResendAfter = config.Timeouts.ResendAfter,
            ConnectTimeout = config.Timeouts.Connect,
            HeartbeatInterval = config.Timeouts.Heartbeat,
            MaxBatch = config.Batch.MaxPerSync,
            MaxOutstanding = config.Batch.MaxOutstanding,
            Lockstep = config.Lockstep,
        };
    }

    /// <summary>Invalidations outstanding before an automatic SYNC, capped by the board's (CAPS).</summary>
    public int MaxOutstanding { get; init; } = 256;

    /// <summary>The host name sent in HELLO (for the board's log).</summary>
    public string HostName { get; init; } = Environment.MachineName;
}

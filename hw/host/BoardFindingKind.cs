namespace Emulator.Board;

/// <summary>What a board did that fails a verification run.</summary>
public enum BoardFindingKind : byte
{
    /// <summary>Lockstep: the board holds a translation the model invalidated.</summary>
    StaleTranslation,

    /// <summary>An ATC_DUMP_REPLY held an entry (or a payload) the host cannot decode.</summary>
    UndecodableDump,

    /// <summary>Connected, the board did not answer ATC_DUMP in time (missing or late).</summary>
    DumpMissing,

    /// <summary>The connection was lost while lockstep read the board's ATC.</summary>
    ConnectionLost,

    /// <summary>Invalidations the board never completed, after every resend and reconnect.</summary>
    InvalidationNeverCompleted,

    /// <summary>A frame headed by another major version, or a board that came back speaking one.</summary>
    ProtocolVersion,
}

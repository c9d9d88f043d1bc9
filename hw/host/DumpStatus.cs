namespace Emulator.Board;

/// <summary>How an ATC_DUMP ended (<see cref="BoardLink.DumpChecked"/>).</summary>
public enum DumpStatus : byte
{
    /// <summary>The board answered with a reply whose every entry decoded.</summary>
    Ok,

    /// <summary>The reply held entries (or a payload) the host cannot decode — a reserved bit set, a
    /// size out of range: the whole reply is refused, since skipping them would hide exactly the
    /// translations a lying board keeps.</summary>
    Undecodable,

    /// <summary>Connected, but no reply within the timeout (missing or late).</summary>
    NoAnswer,

    /// <summary>The link was down, or went down while waiting.</summary>
    LinkDown,
}

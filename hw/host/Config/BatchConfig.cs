namespace Emulator.Board.Config;

/// <summary>The <c>batch:</c> section: the host's limits on ATC invalidations in flight.</summary>
/// <remarks>The session uses the smaller of each limit and the board's own (CAPS maxBatch,
/// maxOutstanding; docs/wire-protocol.md), so these only ever lower what the board offers.</remarks>
public sealed record BatchConfig
{
    /// <summary>The defaults: 256 and 256.</summary>
    public static BatchConfig Default { get; } = new();

    /// <summary>ATC_INVs sent before a SYNC (<c>max-per-sync</c>), 1..65536. Default 256.</summary>
    public int MaxPerSync { get; init; } = 256;

    /// <summary>ATC_INVs sent and not yet completed (<c>max-outstanding</c>), 1..65536 (itags are
    /// 16 bits). Default 256.</summary>
    public int MaxOutstanding { get; init; } = 256;
}

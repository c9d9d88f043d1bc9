namespace Emulator.Cli;

/// <summary>
/// The board went away and reconnecting failed for the configured connect timeout: the run cannot
/// continue (every CMD_SYNC would wait its full timeout). Thrown by the backend guard in
/// <see cref="BoardRun"/> so the machine stops at once; the command reports it and exits 3.
/// </summary>
internal sealed class BoardLostException(string message) : IOException(message);

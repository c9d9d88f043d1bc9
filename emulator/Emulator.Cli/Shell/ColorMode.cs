namespace Emulator.Cli.Shell;

/// <summary><c>--color auto|always|never</c>.</summary>
internal enum ColorMode : byte
{
    /// <summary>Colour on a terminal, unless <c>NO_COLOR</c> is set (no-color.org).</summary>
    Auto,

    /// <summary>Colour even when piped (for <c>less -R</c>).</summary>
    Always,

    /// <summary>No colour anywhere.</summary>
    Never,
}

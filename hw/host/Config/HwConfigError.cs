namespace Emulator.Board.Config;

/// <summary>A problem in a hw-config.yaml file: a value, never an exception.</summary>
/// <param name="File">The file name as given to the loader.</param>
/// <param name="Line">1-based.</param>
/// <param name="Column">1-based, in characters.</param>
/// <param name="Message">What is wrong, without position.</param>
public readonly record struct HwConfigError(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:col: message</c>.</summary>
    public override string ToString() => $"{Emulator.Core.Text.SafeText.Escape(File, int.MaxValue)}:{Line}:{Column}: {Message}";
}

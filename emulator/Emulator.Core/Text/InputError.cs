namespace Emulator.Core.Text;

/// <summary>Why a bounded reader stopped: a value, with the position as an editor shows it.</summary>
/// <param name="Line">1-based; lines end at LF only (a bare CR, U+2028 or U+0085 does not end one).</param>
/// <param name="Column">1-based, in UTF-16 characters after any byte-order mark; a tab counts as one.</param>
/// <param name="Message">What is wrong, without position; user text in it is escaped.</param>
public readonly record struct InputError(int Line, int Column, string Message)
{
    /// <summary><c>file:line:col: message</c>.</summary>
    public string Format(string file) => $"{file}:{Line}:{Column}: {Message}";
}

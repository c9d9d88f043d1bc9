using System.CommandLine;

namespace Emulator.Cli.Shell;

/// <summary>
/// Arguments for a program the emulator runs come only after <c>--</c>, so that a mistyped option
/// (<c>boot --sed 9</c>) is an error rather than a word silently handed to the guest.
/// </summary>
internal static class GuestArguments
{
    /// <summary>The words after <c>--</c>; false with a message when a word before it landed in
    /// <paramref name="argument"/> (an unknown option or a stray word).</summary>
    public static bool TryGet(ParseResult parse, Argument<string[]> argument, out string[] values, out string? error)
    {
        values = [];
        error = null;
        var result = parse.GetResult(argument);
        if (result is null || result.Tokens.Count == 0)
        {
            return true;
        }
        int doubleDash = -1;
        for (int i = 0; i < parse.Tokens.Count; i++)
        {
            if (parse.Tokens[i].Type == System.CommandLine.Parsing.TokenType.DoubleDash)
            {
                doubleDash = i;
                break;
            }
        }
        var after = new List<string>(result.Tokens.Count);
        foreach (var token in result.Tokens)
        {
            int index = -1;
            for (int i = 0; i < parse.Tokens.Count; i++)
            {
                if (ReferenceEquals(parse.Tokens[i], token))
                {
                    index = i;
                    break;
                }
            }
            if (doubleDash < 0 || index < doubleDash)
            {
                error = token.Value.StartsWith('-') && token.Value.Length > 1
                    ? $"unknown option '{token.Value}'"
                    : $"unexpected argument '{token.Value}' (the guest's arguments follow --)";
                return false;
            }
            after.Add(token.Value);
        }
        values = [.. after];
        return true;
    }
}

namespace Emulator.Core.Trace;

/// <summary>The expected outcome of an action; <c>default</c> is <see cref="Ok"/>.</summary>
/// <param name="Kind">Which outcome is expected.</param>
/// <param name="Error">Meaningful for <see cref="ResultKind.Error"/> only.</param>
/// <param name="Pattern">Meaningful for <see cref="ResultKind.Pattern"/> only.</param>
public readonly record struct ExpectedResult(ResultKind Kind, Errno Error = Errno.Ok, Pattern Pattern = default)
{
    public static ExpectedResult Ok => default;
    public static ExpectedResult Any => new(ResultKind.Any);
    public static ExpectedResult Fault => new(ResultKind.Fault);
    public static ExpectedResult Fails(Errno error) => new(ResultKind.Error, error);
    public static ExpectedResult Bytes(Pattern pattern) => new(ResultKind.Pattern, Errno.Ok, pattern);
}

namespace Emulator.Core.Trace.Replay;

/// <summary>What an action did, in the words of <c>=&gt; RESULT</c>; compared with the statement's
/// <see cref="ActionStatement.Result"/> by the replayer and written as it by <see cref="TraceRecorder"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Error">The errno, for <see cref="ActionOutcomeKind.Error"/>.</param>
/// <param name="Detail">Where it faulted, which byte differed, why it could not run.</param>
public readonly record struct ActionOutcome(ActionOutcomeKind Kind, Errno Error = Errno.Ok, string? Detail = null)
{
    public static ActionOutcome Ok => default;

    public static ActionOutcome From(Errno err) => err == Errno.Ok ? Ok : new(ActionOutcomeKind.Error, err);

    public static ActionOutcome Faulted(string detail) => new(ActionOutcomeKind.Fault, Errno.Ok, detail);

    public static ActionOutcome Mismatch(string detail) => new(ActionOutcomeKind.Mismatch, Errno.Ok, detail);

    public static ActionOutcome Broken(string detail) => new(ActionOutcomeKind.Broken, Errno.Ok, detail);

    /// <summary>True when <paramref name="expected"/> accepts this outcome (<c>any</c> accepts all).</summary>
    public bool Meets(ExpectedResult expected) => expected.Kind switch
    {
        ResultKind.Any => true,
        ResultKind.Ok or ResultKind.Pattern => Kind == ActionOutcomeKind.Ok,
        ResultKind.Fault => Kind == ActionOutcomeKind.Fault,
        ResultKind.Error => Kind == ActionOutcomeKind.Error && Error == expected.Error,
        _ => false,
    };

    public override string ToString() => Kind switch
    {
        ActionOutcomeKind.Ok => "ok",
        ActionOutcomeKind.Fault => $"fault {Detail}",
        ActionOutcomeKind.Error => $"error {Error}",
        _ => Detail ?? Kind.ToString(),
    };
}

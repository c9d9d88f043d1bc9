namespace Emulator.Core.Trace.Replay;

public sealed partial class TraceReplayer
{
    /// <summary>Compares an action's outcome with its <c>=&gt; RESULT</c> (<c>ok</c> when absent).</summary>
    private void Check(ActionStatement a, Outcome got)
    {
        var want = a.Result;
        bool met = want.Kind switch
        {
            ResultKind.Any => true,
            ResultKind.Ok or ResultKind.Pattern => got.Kind == OutcomeKind.Ok,
            ResultKind.Fault => got.Kind == OutcomeKind.Fault,
            ResultKind.Error => got.Kind == OutcomeKind.Error && got.Error == want.Error,
            _ => false,
        };
        if (!met)
        {
            Fail(a, $"expected {Describe(want)} got {got} ({TraceWriter.Format(a)})");
        }
    }

    private void CheckAtc(ExpectAtcStatement e)
    {
        bool present = false;
        if (_devices.TryGetValue(e.Device, out var state) && state.Device is { } device
            && _bindings.TryGetValue((e.Device, e.Process), out var b) && b.LastPasid is uint pasid)
        {
            present = device.Atc.Contains(pasid, e.Address);
        }
        if (present != e.Present)
        {
            Fail(e, $"expected atc {e.Device} {e.Process} 0x{e.Address:x} {PresentWord(e.Present)} got {PresentWord(present)}");
        }
    }

    private static string PresentWord(bool present) => present ? "present" : "absent";

    private void CheckCount(ExpectCountStatement c)
    {
        long value = Counters()[c.Counter];
        ulong v = (ulong)Math.Max(value, 0);
        bool met = c.Op switch
        {
            CountOp.Equal => v == c.Value,
            CountOp.GreaterOrEqual => v >= c.Value,
            CountOp.LessOrEqual => v <= c.Value,
            _ => false,
        };
        if (!met)
        {
            Fail(c, $"expected count {TraceNames.Counters[(int)c.Counter]} {TraceNames.Ops[(int)c.Op]} {c.Value} got {value}");
        }
    }

    private static string Describe(ExpectedResult r) => r.Kind switch
    {
        ResultKind.Ok => "ok",
        ResultKind.Any => "any",
        ResultKind.Fault => "fault",
        ResultKind.Error => $"error {r.Error}",
        _ => r.Pattern.ToString(),
    };

    private static string DescribeExpected(Statement s) => s is ActionStatement a ? Describe(a.Result) : "success";

    private enum OutcomeKind : byte
    {
        Ok,
        Fault,
        Error,
        /// <summary>A read completed but its bytes are not the expected pattern.</summary>
        Mismatch,
        /// <summary>The action could not be attempted (its process or device does not exist).</summary>
        Broken,
    }

    /// <summary>What an action did, in the words of <c>=&gt; RESULT</c>.</summary>
    private readonly record struct Outcome(OutcomeKind Kind, Errno Error = Errno.Ok, string? Detail = null)
    {
        public static Outcome Ok => default;

        public static Outcome From(Errno err) => err == Errno.Ok ? Ok : new(OutcomeKind.Error, err);

        public static Outcome Faulted(string detail) => new(OutcomeKind.Fault, Errno.Ok, detail);

        public static Outcome Mismatch(string detail) => new(OutcomeKind.Mismatch, Errno.Ok, detail);

        public static Outcome Broken(string detail) => new(OutcomeKind.Broken, Errno.Ok, detail);

        public override string ToString() => Kind switch
        {
            OutcomeKind.Ok => "ok",
            OutcomeKind.Fault => $"fault {Detail}",
            OutcomeKind.Error => $"error {Error}",
            _ => Detail ?? Kind.ToString(),
        };
    }
}

namespace Emulator.Core.Trace.Replay;

public sealed partial class TraceReplayer
{
    /// <summary>Compares an action's outcome with its <c>=&gt; RESULT</c> (<c>ok</c> when absent).</summary>
    private void Check(ActionStatement a, ActionOutcome got)
    {
        var want = a.Result;
        bool met = got.Meets(want);
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
}

using System.Globalization;
using Emulator.Core.Cpu;
using Emulator.Core.Cpu.X87;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.X87;

/// <summary>
/// The transcendental instructions on seeded random arguments from their domains (and, for the
/// trigonometric ones, up to and beyond 2^63), every rounding mode, on the emulator and the host.
/// Every outcome must agree within <see cref="X87Tolerance"/> (the result register within 1 ulp, C1
/// with it; flags, TOP, tags exactly); the share of bit-exact agreement is printed per instruction
/// and must stay above 95 % (85 % for FPTAN, whose tiny-argument results this host rounds either way),
/// so a systematic error (a wrong reduction, a wrong constant) cannot hide behind the tolerance.
/// </summary>
public sealed class X87TranscendentalAccuracyTests(ITestOutputHelper output)
{
    private static readonly string[] s_forms = ["f2xm1", "fyl2x", "fyl2xp1", "fpatan", "fsin", "fcos", "fsincos", "fptan"];

    [GccFact]
    public void Transcendentals_agree_with_the_host_within_one_ulp()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("X87_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)
            ? s : 31337;
        output.WriteLine($"seed {seed} (set X87_SEED to replay)");
        var rng = new Random(seed);
        var cases = new List<(string Form, X87Inputs Inputs)>();
        foreach (string form in s_forms)
        {
            for (int k = 0; k < 600; k++)
            {
                cases.Add((form, Arguments(rng, form)));
            }
        }
        var host = X87Probe.RunOnHost(cases);
        var emulator = new X87Probe.Emulator();
        var failures = new List<string>();
        var exact = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < cases.Count; k++)
        {
            (string form, X87Inputs inputs) = cases[k];
            byte[] io = emulator.Run(form, inputs, out CpuExit exit);
            string want = X87Inputs.Outcome(form, host[k]);
            string got = exit.Kind == CpuExitKind.Syscall ? X87Inputs.Outcome(form, io) : exit.ToString();
            if (want == got)
            {
                exact[form] = exact.GetValueOrDefault(form) + 1;
            }
            else if (Environment.GetEnvironmentVariable("X87_SHOW") == form)
            {
                output.WriteLine($"{inputs.ToLine(form)}\n    host     {want}\n    emulator {got}");
            }
            if (want != got && !X87Tolerance.WithinOneUlp(want, got))
            {
                failures.Add($"{inputs.ToLine(form)}\n    host     {want}\n    emulator {got}");
            }
        }
        foreach (string form in s_forms)
        {
            double share = exact.GetValueOrDefault(form) / 600.0;
            output.WriteLine($"{form}: {share:P1} bit-exact, the rest within 1 ulp");
            // FPTAN of tiny arguments (|x| < 2^-32) lands on either side of x on this host, half the time
            // not where the correctly rounded result is; elsewhere all of these agree in ~97–99 % of cases.
            Assert.True(share > (form == "fptan" ? 0.85 : 0.95), $"{form}: only {share:P1} bit-exact");
        }
        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} beyond 1 ulp; first ones:\n" + string.Join("\n", failures.Take(20)));
    }

    private static X87Inputs Arguments(Random rng, string form)
    {
        ushort cw = (ushort)(0x037F | (rng.Next(4) << 10));
        bool neg = rng.Next(2) == 0;
        Ext80 x = form switch
        {
            "f2xm1" => Value(rng, neg, rng.Next(10) == 0 ? -rng.Next(64, 16000) : -rng.Next(1, 64)),
            "fyl2x" => Value(rng, false, rng.Next(-16000, 16000) / (rng.Next(3) == 0 ? 1 : 200)),
            "fyl2xp1" => Value(rng, neg, -rng.Next(2, 70)),
            "fpatan" => Value(rng, neg, rng.Next(-40, 40)),
            // Mostly |x| in [2^-32, 2^63); 1 in 8 tiny (where FPTAN differs most, see the class summary),
            // 1 in 12 out of range.
            _ => rng.Next(12) == 0 ? Value(rng, neg, rng.Next(63, 70)) : Value(rng, neg, rng.Next(8) == 0 ? rng.Next(-70, -32) : rng.Next(-32, 63)),
        };
        Ext80 y = Value(rng, rng.Next(2) == 0, form == "fpatan" ? rng.Next(-40, 40) : rng.Next(-10, 10));
        var st = new Ext80?[8];
        st[0] = x;
        st[1] = y;
        return new X87Inputs(cw, 0, st, 0, 0, 0);
    }

    /// <summary>A normal value 2^e × (1 + random fraction), negated when asked.</summary>
    private static Ext80 Value(Random rng, bool negative, int e) =>
        new((ulong)rng.NextInt64() | Ext80.IntegerBit, (ushort)((negative ? 0x8000 : 0) | (Ext80.Bias + e)));
}

using Iced.Intel;
using Xunit.Abstractions;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// The host fast path of ADD/SUB/MUL/DIV (Cpu.SimdFloat.FastPath.cs) against the host processor,
/// where it is taken: round to nearest with PE masked, normal operands across the whole exponent range
/// (near overflow and near the fast path's underflow limit too), half of them exact (small integers,
/// short fractions) so that both answers of the PE decision are exercised. Sticky flags and unmasked
/// exceptions other than PE vary, since the fast path must not depend on them.
/// </summary>
public sealed class FastPathHostTests(ITestOutputHelper output)
{
    private static readonly Code[] Codes =
    [
        Code.Addps_xmm_xmmm128, Code.Subps_xmm_xmmm128, Code.Mulps_xmm_xmmm128, Code.Divps_xmm_xmmm128,
        Code.Addpd_xmm_xmmm128, Code.Subpd_xmm_xmmm128, Code.Mulpd_xmm_xmmm128, Code.Divpd_xmm_xmmm128,
        Code.Addss_xmm_xmmm32, Code.Mulss_xmm_xmmm32, Code.Divsd_xmm_xmmm64, Code.Subsd_xmm_xmmm64,
        Code.VEX_Vaddps_ymm_ymm_ymmm256, Code.VEX_Vmulps_ymm_ymm_ymmm256, Code.VEX_Vdivpd_ymm_ymm_ymmm256,
        Code.VEX_Vsubpd_xmm_xmm_xmmm128, Code.VEX_Vmulsd_xmm_xmm_xmmm64,
    ];

    [GccFact]
    public void Fast_path_results_and_flags_match_the_host()
    {
        const int seed = 424242;
        var r = new Random(seed);
        var cases = new List<ProbeState>();
        foreach (Code code in Codes)
        {
            for (int n = 0; n < 3000; n++)
            {
                var s = new ProbeState { Code = SimdForms.Encode(code, r, memory: r.Next(4) == 0, 0), Label = code.ToString() };
                bool single = SimdForms.SourceElement(code.Mnemonic()) == SimdForms.Element.Single;
                Fill(s.Ymm, single, r);
                Fill(s.Mem, single, r);
                // Round to nearest, PE masked; the other masks and the sticky flags vary.
                s.Mxcsr = 0x1000 | ((uint)r.Next(32) << 7) | (uint)r.Next(64);
                cases.Add(s);
            }
        }
        ProbeState[] host = HostProbe.Run(cases);
        var emulator = new EmulatorProbe();
        var failures = new List<string>();
        for (int k = 0; k < cases.Count; k++)
        {
            string? diff = ProbeState.Diff(host[k], emulator.Run(cases[k]));
            if (diff is not null && failures.Count < 20)
            {
                failures.Add($"{cases[k]}\n  host vs emulator:{diff}");
            }
        }
        output.WriteLine($"seed {seed}: {cases.Count} cases");
        Assert.True(failures.Count == 0, $"seed {seed}\n" + string.Join("\n", failures));
    }

    private static void Fill(Span<byte> bytes, bool single, Random r)
    {
        int size = single ? 4 : 8;
        for (int k = 0; k + size <= bytes.Length; k += size)
        {
            if (single)
            {
                BitConverter.TryWriteBytes(bytes[k..], (uint)Normal(r, 8, 23));
            }
            else
            {
                BitConverter.TryWriteBytes(bytes[k..], Normal(r, 11, 52));
            }
        }
    }

    /// <summary>A normal number (or, rarely, a zero): exponents uniform, near the top, or near the
    /// fast path's lower limit; fractions short (exact arithmetic) or full.</summary>
    private static ulong Normal(Random r, int expBits, int fracBits)
    {
        int expMax = (1 << expBits) - 2;
        int bias = expMax / 2;
        int limit = 2 * (fracBits + 1) + 10;
        int exp = r.Next(6) switch
        {
            0 => r.Next(1, expMax + 1),
            1 => expMax - r.Next(4),
            2 => limit + r.Next(-3, 4),
            3 => Math.Max(1, limit / 2 + bias / 2 + r.Next(-3, 4)),
            _ => bias + r.Next(-20, 21),
        };
        ulong frac = r.Next(2) == 0
            ? ((ulong)r.Next(256) << (fracBits - 8))
            : (ulong)r.NextInt64() & ((1UL << fracBits) - 1);
        ulong bits = ((ulong)Math.Clamp(exp, 1, expMax) << fracBits) | frac;
        if (r.Next(50) == 0)
        {
            bits = 0;
        }
        return bits | ((ulong)r.Next(2) << (expBits + fracBits));
    }
}

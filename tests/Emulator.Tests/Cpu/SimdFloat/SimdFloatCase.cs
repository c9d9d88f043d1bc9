using System.Globalization;
using Iced.Intel;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// One line of <c>simdfloat.txt</c>: an instruction (an Iced <see cref="Code"/>) with fixed operands
/// (<see cref="SimdForms.EncodeFixed"/>), the input state and the expected end state. Format:
/// <c>CODE [imm=N] [mem[=DISP]] key=HEX ... =&gt; key=HEX ... [#XM|#GP]</c>. Keys: <c>mx</c> (MXCSR),
/// <c>x0</c>..<c>x15</c> (the YMM register as one hex number, element 0 rightmost; unnamed bits are 0),
/// <c>m</c> (the 64-byte memory operand at [RSI], same notation), <c>rax rcx rdx rbx</c>,
/// <c>mm0</c>..<c>mm7</c>, <c>fl</c> (RFLAGS status bits). On the right, everything not named must be
/// unchanged; <c>#XM</c>/<c>#GP</c> say the instruction faults. MXCSR defaults to 1f80 on the left.
/// <c># </c> (hash, space) starts a comment.
/// </summary>
public sealed class SimdFloatCase
{
    public const string File = "simdfloat.txt";

    public int Line { get; private init; }
    public string Text { get; private init; } = "";
    public Code Code { get; private init; }
    internal ProbeState Input { get; private init; } = new();
    internal ProbeState Expected { get; private init; } = new();

    public override string ToString() => $"{File}:{Line} {Text}";

    public static string DataPath => Path.Combine(Trace.CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "SimdFloat", File);

    public static IEnumerable<SimdFloatCase> Load()
    {
        int n = 0;
        foreach (string raw in System.IO.File.ReadLines(DataPath))
        {
            n++;
            // A comment is "# " (hash and space) to the end of the line; #XM and #GP are results.
            int comment = raw.IndexOf("# ", StringComparison.Ordinal);
            string text = (comment >= 0 ? raw[..comment] : raw).Trim();
            if (text == "#")
            {
                text = "";
            }
            if (text.Length > 0)
            {
                yield return Parse(n, text);
            }
        }
    }

    public static SimdFloatCase Parse(int line, string text)
    {
        string[] halves = text.Split("=>");
        if (halves.Length != 2)
        {
            throw new FormatException($"{File}:{line}: missing =>");
        }
        string[] left = halves[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!Enum.TryParse(left[0], out Code code))
        {
            throw new FormatException($"{File}:{line}: unknown code {left[0]}");
        }
        var input = new ProbeState { Label = $"{File}:{line} {left[0]}" };
        bool memory = false;
        int displacement = 0;
        byte imm = 0;
        foreach (string t in left.Skip(1))
        {
            if (t == "mem")
            {
                memory = true;
            }
            else if (t.StartsWith("mem=", StringComparison.Ordinal))
            {
                memory = true;
                displacement = int.Parse(t[4..], CultureInfo.InvariantCulture);
            }
            else if (t.StartsWith("imm=", StringComparison.Ordinal))
            {
                imm = (byte)Hex(t[4..], line);
            }
            else
            {
                Assign(input, t, line);
            }
        }
        input.Code = SimdForms.EncodeFixed(code, memory, displacement, imm);
        ProbeState expected = input.Clone();
        foreach (string t in halves[1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (t)
            {
                case "#XM":
                    expected.Fault = ProbeState.Outcome.SimdException;
                    break;
                case "#GP":
                    expected.Fault = ProbeState.Outcome.GeneralProtection;
                    break;
                default:
                    Assign(expected, t, line);
                    break;
            }
        }
        return new SimdFloatCase { Line = line, Text = text, Code = code, Input = input, Expected = expected };
    }

    private static void Assign(ProbeState s, string token, int line)
    {
        int eq = token.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            throw new FormatException($"{File}:{line}: expected key=value, got {token}");
        }
        string key = token[..eq];
        string value = token[(eq + 1)..];
        switch (key)
        {
            case "mx":
                s.Mxcsr = (uint)Hex(value, line);
                return;
            case "fl":
                s.Rflags = 0x202 | Hex(value, line);
                return;
            case "m":
                Wide(value, s.Mem, line);
                return;
            case "rax": s.Gpr[0] = Hex(value, line); return;
            case "rcx": s.Gpr[1] = Hex(value, line); return;
            case "rdx": s.Gpr[2] = Hex(value, line); return;
            case "rbx": s.Gpr[3] = Hex(value, line); return;
        }
        if (key.StartsWith("mm", StringComparison.Ordinal) && int.TryParse(key[2..], CultureInfo.InvariantCulture, out int mm) && mm < 8)
        {
            s.Mm[mm] = Hex(value, line);
            return;
        }
        if (key.StartsWith('x') && int.TryParse(key[1..], CultureInfo.InvariantCulture, out int x) && x < 16)
        {
            Wide(value, s.YmmBytes(x), line);
            return;
        }
        throw new FormatException($"{File}:{line}: unknown key {key}");
    }

    private static ulong Hex(string v, int line) =>
        ulong.TryParse(v.Replace("_", "", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong r)
            ? r : throw new FormatException($"{File}:{line}: bad hex {v}");

    /// <summary>A hex number into little-endian bytes, zero-extended (underscores allowed as separators).</summary>
    private static void Wide(string v, Span<byte> dest, int line)
    {
        string digits = v.Replace("_", "", StringComparison.Ordinal);
        if (digits.Length > dest.Length * 2)
        {
            throw new FormatException($"{File}:{line}: {v} is wider than {dest.Length} bytes");
        }
        dest.Clear();
        for (int k = 0; k < digits.Length; k++)
        {
            int nibble = Convert.ToInt32(digits[digits.Length - 1 - k].ToString(), 16);
            dest[k / 2] |= (byte)(nibble << (4 * (k % 2)));
        }
    }
}

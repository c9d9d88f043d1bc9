using System.Globalization;
using Emulator.Core.Cpu.X87;

namespace Emulator.Tests.Cpu.X87;

/// <summary>
/// One line of <c>Data/x87.txt</c>: a form, its inputs, and the expected outcome as
/// <see cref="X87Inputs.Outcome"/> prints it. Format: <c>form [cw=H] [sw=H] [st0=V .. st7=V] [m=M]
/// [fl=H] =&gt; outcome</c>, with V an 80-bit value <c>SEEE:SSSSSSSSSSSSSSSS</c>, M the memory operand
/// (an integer of its width, or an 80-bit value for 10 bytes), H hexadecimal. cw defaults to 037f,
/// sw to 0 (TOP = 0). <c>#</c> starts a comment line.
/// </summary>
public sealed record X87Case(string File, int Line, string Form, X87Inputs Inputs, string Expected)
{
    public override string ToString() => $"{File}:{Line} {Form}";

    public static IEnumerable<X87Case> Load(string path)
    {
        int n = 0;
        string file = System.IO.Path.GetFileName(path);
        foreach (string raw in System.IO.File.ReadLines(path))
        {
            n++;
            string text = raw.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            yield return Parse(file, n, text);
        }
    }

    public static X87Case Parse(string file, int line, string text)
    {
        int arrow = text.IndexOf("=>", StringComparison.Ordinal);
        string left = arrow < 0 ? text : text[..arrow];
        string expected = arrow < 0 ? "" : string.Join(' ', text[(arrow + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        string[] t = left.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string form = t[0];
        ushort cw = 0x037F, sw = 0;
        var st = new Ext80?[8];
        ulong memLo = 0, fl = 0;
        ushort memHi = 0;
        foreach (string tok in t.Skip(1))
        {
            int eq = tok.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? tok : tok[..eq], val = eq < 0 ? "" : tok[(eq + 1)..];
            switch (key)
            {
                case "cw": cw = ushort.Parse(val, NumberStyles.HexNumber, CultureInfo.InvariantCulture); break;
                case "sw": sw = ushort.Parse(val, NumberStyles.HexNumber, CultureInfo.InvariantCulture); break;
                case "fl": fl = ulong.Parse(val, NumberStyles.HexNumber, CultureInfo.InvariantCulture); break;
                case "m":
                    if (X87Inputs.MemSize(form) == 10)
                    {
                        Ext80 v = Ext80.Parse(val);
                        (memLo, memHi) = (v.Significand, v.SignExponent);
                    }
                    else
                    {
                        memLo = ulong.Parse(val, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    }
                    break;
                case ['s', 't', >= '0' and <= '7']:
                    st[key[2] - '0'] = Ext80.Parse(val);
                    break;
                default:
                    throw new FormatException($"{file}:{line}: unknown input {tok}");
            }
        }
        X87Forms.Emit(new Iced.Intel.Assembler(64), form); // an unknown form fails here, naming the line
        return new X87Case(file, line, form, new X87Inputs(cw, sw, st, memLo, memHi, fl), expected);
    }

    /// <summary>The line with its outcome replaced by <paramref name="outcome"/> (table regeneration).</summary>
    public static string WithOutcome(string line, string outcome)
    {
        int arrow = line.IndexOf("=>", StringComparison.Ordinal);
        string left = (arrow < 0 ? line : line[..arrow]).TrimEnd();
        return $"{left.PadRight(72)} => {outcome}";
    }
}

using Iced.Intel;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// Every encoding (Iced <see cref="Code"/>) of the SimdFloat unit's mnemonics, and random cases for
/// them: the instruction with random registers (XMM/YMM 0–15, RAX/RDX destinations, RCX/RBX sources,
/// MM0–7), memory at [RSI] (sometimes misaligned), random imm8, a random MXCSR (rounding mode, DAZ,
/// FTZ, masks, sticky flags) and operands drawn from <see cref="FloatPatterns"/> in the format the
/// instruction reads.
/// </summary>
internal static class SimdForms
{
    public enum Element : byte
    {
        Single,
        Double,
        Int,
        Half,
        Mxcsr,
    }

    /// <summary>The legacy and VEX codes of <paramref name="mnemonics"/> valid in 64-bit mode.</summary>
    public static List<Code> Codes(IEnumerable<Mnemonic> mnemonics)
    {
        var set = mnemonics.ToHashSet();
        var codes = new List<Code>();
        foreach (Code c in Enum.GetValues<Code>())
        {
            // Cmpsd is also the string compare (the integer core's).
            if (!set.Contains(c.Mnemonic()) || c == Code.Cmpsd_m32_m32)
            {
                continue;
            }
            OpCodeInfo info = c.ToOpCode();
            if (info.Mode64 && info.Encoding is EncodingKind.Legacy or EncodingKind.VEX)
            {
                codes.Add(c);
            }
        }
        return codes;
    }

    /// <summary>The kind of value the instruction's sources hold, from its mnemonic (cvtXX2YY reads XX).</summary>
    public static Element SourceElement(Mnemonic m)
    {
        string n = m.ToString().ToLowerInvariant();
        if (n.StartsWith('v'))
        {
            n = n[1..];
        }
        if (n.EndsWith("mxcsr", StringComparison.Ordinal))
        {
            return Element.Mxcsr;
        }
        string kind = n.StartsWith("cvt", StringComparison.Ordinal) ? n.Split('2')[0][^2..] : n[^2..];
        return kind switch
        {
            "ps" or "ss" => Element.Single,
            "pd" or "sd" => Element.Double,
            "ph" => Element.Half,
            _ => Element.Int,
        };
    }

    /// <summary>Encodes <paramref name="code"/> with the operands chosen by <paramref name="r"/>.</summary>
    public static byte[] Encode(Code code, Random r, bool memory, int displacement) => Encode(code, r, memory, displacement, null);

    /// <summary>Encodes <paramref name="code"/> with fixed operands, as the table uses them: vector
    /// operand k is XMMk/YMMk, MMX operand k is MMk, a GPR destination is EAX/RAX and a GPR source
    /// ECX/RCX; the r/m operand is [RSI + <paramref name="displacement"/>] when <paramref name="memory"/>.</summary>
    public static byte[] EncodeFixed(Code code, bool memory, int displacement, byte imm) =>
        Encode(code, new Random(0), memory, displacement, imm);

    private static byte[] Encode(Code code, Random r, bool memory, int displacement, byte? fixedImm)
    {
        bool fixedRegs = fixedImm is not null;
        OpCodeInfo info = code.ToOpCode();
        var ins = new Instruction { Code = code };
        int first = -1;
        for (int k = 0; k < info.OpCount; k++)
        {
            OpCodeOperandKind kind = info.GetOpKind(k);
            switch (kind)
            {
                case OpCodeOperandKind.xmm_or_mem:
                case OpCodeOperandKind.ymm_or_mem:
                    if (memory)
                    {
                        SetMemory(ref ins, k, displacement);
                    }
                    else
                    {
                        SetVector(ref ins, k, kind == OpCodeOperandKind.ymm_or_mem, r, ref first, fixedRegs);
                    }
                    break;
                case OpCodeOperandKind.xmm_reg:
                case OpCodeOperandKind.xmm_vvvv:
                case OpCodeOperandKind.xmm_rm:
                    SetVector(ref ins, k, false, r, ref first, fixedRegs);
                    break;
                case OpCodeOperandKind.ymm_reg:
                case OpCodeOperandKind.ymm_vvvv:
                case OpCodeOperandKind.ymm_rm:
                    SetVector(ref ins, k, true, r, ref first, fixedRegs);
                    break;
                case OpCodeOperandKind.mem:
                    SetMemory(ref ins, k, displacement);
                    break;
                case OpCodeOperandKind.r32_reg:
                case OpCodeOperandKind.r64_reg:
                case OpCodeOperandKind.r32_or_mem:
                case OpCodeOperandKind.r64_or_mem:
                    if (memory && kind is OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem)
                    {
                        SetMemory(ref ins, k, displacement);
                        break;
                    }
                    bool wide = kind is OpCodeOperandKind.r64_reg or OpCodeOperandKind.r64_or_mem;
                    Register gpr = fixedRegs ? (k == 0 ? Register.RAX : Register.RCX)
                        : k == 0 ? (r.Next(2) == 0 ? Register.RAX : Register.RDX) : (r.Next(2) == 0 ? Register.RCX : Register.RBX);
                    ins.SetOpKind(k, OpKind.Register);
                    ins.SetOpRegister(k, wide ? gpr : gpr - Register.RAX + Register.EAX);
                    break;
                case OpCodeOperandKind.mm_reg:
                case OpCodeOperandKind.mm_rm:
                case OpCodeOperandKind.mm_or_mem:
                    if (memory && kind == OpCodeOperandKind.mm_or_mem)
                    {
                        SetMemory(ref ins, k, displacement);
                        break;
                    }
                    ins.SetOpKind(k, OpKind.Register);
                    ins.SetOpRegister(k, Register.MM0 + (fixedRegs ? k : r.Next(8)));
                    break;
                case OpCodeOperandKind.imm8:
                    ins.SetOpKind(k, OpKind.Immediate8);
                    ins.Immediate8 = fixedImm ?? (byte)r.Next(256);
                    break;
                default:
                    throw new InvalidOperationException($"{code}: operand kind {kind} not generated");
            }
        }
        var ms = new MemoryStream();
        Encoder enc = Encoder.Create(64, new StreamCodeWriter(ms));
        if (!enc.TryEncode(ins, CpuRig.CodeVa, out _, out string? error))
        {
            throw new InvalidOperationException($"{code}: {error}");
        }
        return ms.ToArray();
    }

    /// <summary>True when some operand of <paramref name="code"/> may be memory.</summary>
    public static bool HasMemoryForm(Code code)
    {
        OpCodeInfo info = code.ToOpCode();
        for (int k = 0; k < info.OpCount; k++)
        {
            if (info.GetOpKind(k) is OpCodeOperandKind.xmm_or_mem or OpCodeOperandKind.ymm_or_mem or OpCodeOperandKind.mem
                or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem or OpCodeOperandKind.mm_or_mem)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when every operand may be a register (a register-only form exists).</summary>
    public static bool HasRegisterForm(Code code)
    {
        OpCodeInfo info = code.ToOpCode();
        for (int k = 0; k < info.OpCount; k++)
        {
            if (info.GetOpKind(k) == OpCodeOperandKind.mem)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A random case for <paramref name="code"/>.</summary>
    public static ProbeState RandomCase(Code code, Random r)
    {
        bool memory = HasMemoryForm(code) && (!HasRegisterForm(code) || r.Next(3) == 0);
        int displacement = memory && r.Next(12) == 0 ? 8 * r.Next(1, 3) - 4 * r.Next(2) : 0;
        Element e = SourceElement(code.Mnemonic());
        var s = new ProbeState { Code = Encode(code, r, memory, displacement), Label = code.ToString() };
        FillVector(s.Ymm, e, r);
        FillVector(s.Mem, e, r);
        for (int k = 0; k < 4; k++)
        {
            s.Gpr[k] = Integer(r);
        }
        for (int k = 0; k < 8; k++)
        {
            s.Mm[k] = (uint)Integer(r) | (Integer(r) << 32);
        }
        s.Rflags = 0x202 | (ulong)(r.Next(2) == 0 ? 0x8D5 & r.Next(0x1000) : 0);
        s.Mxcsr = RandomMxcsr(r);
        if (e == Element.Mxcsr)
        {
            uint v = r.Next(8) == 0 ? (uint)r.Next() : RandomMxcsr(r);
            BitConverter.GetBytes(v).CopyTo(s.Mem, displacement);
        }
        return s;
    }

    public static uint RandomMxcsr(Random r)
    {
        uint mx = (uint)r.Next(4) << 13;
        if (r.Next(4) == 0)
        {
            mx |= 0x40;
        }
        if (r.Next(4) == 0)
        {
            mx |= 0x8000;
        }
        mx |= r.Next(10) < 7 ? 0x1F80u : (uint)r.Next(64) << 7;
        if (r.Next(4) == 0)
        {
            mx |= (uint)r.Next(64);
        }
        return mx;
    }

    private static void FillVector(Span<byte> bytes, Element e, Random r)
    {
        switch (e)
        {
            case Element.Double:
                for (int k = 0; k + 8 <= bytes.Length; k += 8)
                {
                    BitConverter.TryWriteBytes(bytes[k..], FloatPatterns.Double(r));
                }
                break;
            case Element.Half:
                for (int k = 0; k + 2 <= bytes.Length; k += 2)
                {
                    BitConverter.TryWriteBytes(bytes[k..], (ushort)FloatPatterns.Pattern(r, 5, 10));
                }
                break;
            case Element.Int:
                for (int k = 0; k + 4 <= bytes.Length; k += 4)
                {
                    BitConverter.TryWriteBytes(bytes[k..], (uint)Integer(r));
                }
                break;
            default:
                for (int k = 0; k + 4 <= bytes.Length; k += 4)
                {
                    BitConverter.TryWriteBytes(bytes[k..], FloatPatterns.Single(r));
                }
                break;
        }
    }

    /// <summary>Integers around the conversion edges: 0, ±1, the 32- and 64-bit extremes, powers of
    /// two ± 1 (inexact in binary32/binary64), small and arbitrary values.</summary>
    private static ulong Integer(Random r) => r.Next(8) switch
    {
        0 => 0,
        1 => 1,
        2 => ulong.MaxValue,
        3 => r.Next(2) == 0 ? 0x8000_0000UL : 0x8000_0000_0000_0000UL,
        4 => r.Next(2) == 0 ? 0x7FFF_FFFFUL : 0x7FFF_FFFF_FFFF_FFFFUL,
        5 => (ulong)(long)r.Next(-1000, 1000),
        6 => ((1UL << r.Next(20, 64)) + (ulong)r.Next(-1, 2)) * (r.Next(2) == 0 ? 1UL : ulong.MaxValue),
        _ => (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40),
    };

    private static void SetVector(ref Instruction ins, int k, bool ymm, Random r, ref int first, bool fixedRegs)
    {
        int n = fixedRegs ? k : first >= 0 && r.Next(4) == 0 ? first : r.Next(16);
        if (first < 0)
        {
            first = n;
        }
        ins.SetOpKind(k, OpKind.Register);
        ins.SetOpRegister(k, (ymm ? Register.YMM0 : Register.XMM0) + n);
    }

    private static void SetMemory(ref Instruction ins, int k, int displacement)
    {
        ins.SetOpKind(k, OpKind.Memory);
        ins.MemoryBase = Register.RSI;
        ins.MemoryDisplacement64 = (ulong)displacement;
        ins.MemoryDisplSize = displacement == 0 ? 0 : 1;
    }
}

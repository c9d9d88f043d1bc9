using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using Label = Iced.Intel.Label;

namespace Emulator.Tests.Cpu.Translate;

/// <summary>
/// Random guest programs for the differential fuzzer, made with Iced's encoder: integer
/// instructions of every size and operand form the translator handles natively, the ones it calls
/// the interpreter for (bit tests, rotates through carry, divides, SSE moves, CPUID, RDTSC,
/// PUSHFQ/POPFQ...) and the ones it leaves to the interpreter (rep strings), arranged as gcc would
/// arrange them: forward branches on every condition, counted loops (so regions contain loops),
/// calls (direct and through a register), balanced pushes and pops, memory operands that fault
/// on first touch (demand paging), cross pages, or lie in the code page itself, and rarely an
/// access that cannot be resolved or a divide error, to end the run with a fault.
/// </summary>
/// <remarks>
/// Register roles: RBX = data base, R13 = a small index, R12 = an unmapped address, RSI/RDI =
/// string pointers into the data, R14 = loop counter, RSP = stack. The others are written at
/// random. Everything is deterministic in the <see cref="Random"/> given.
/// </remarks>
internal sealed class RandomProgram
{
    public const ulong CodeVa = 0x40_0000;
    public const ulong DataVa = 0x60_0000;
    public const int DataPages = 4;
    public const ulong UnmappedVa = 0x70_0000;

    /// <summary>Registers (slots) random instructions may write.</summary>
    private static readonly int[] Writable = [0, 1, 2, 5, 8, 9, 10, 11, 15];

    /// <summary>Registers random instructions may read.</summary>
    private static readonly int[] Readable = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15];

    private static readonly string[] Conditions = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
    private static readonly string[] AluOps = ["Add", "Or", "Adc", "Sbb", "And", "Sub", "Xor", "Cmp"];
    private static readonly ulong[] Edges = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue];

    private readonly Random _r;
    private readonly Assembler _a = new(64);
    private Label _sub;
    private int _depth;

    private RandomProgram(Random r)
    {
        _r = r;
        _sub = _a.CreateLabel("sub");
    }

    /// <summary>A program of about <paramref name="length"/> random instructions (plus the loops and
    /// the subroutine around them), ending with <c>syscall</c>.</summary>
    public static byte[] Build(Random r, int length)
    {
        var p = new RandomProgram(r);
        p.Body(length);
        p._a.mov(eax, 60);
        p._a.syscall();
        p._a.Label(ref p._sub);
        p._a.nop();
        p._depth = 2; // no calls or loops inside the subroutine
        p.Body(8);
        p._a.ret();
        using var ms = new MemoryStream();
        p._a.Assemble(new StreamCodeWriter(ms), CodeVa);
        return ms.ToArray();
    }

    /// <summary>A random value biased to the edges where flags change.</summary>
    public static ulong Value(Random r) => r.Next(3) switch
    {
        0 => Edges[r.Next(Edges.Length)] + (ulong)(r.Next(3) - 1),
        1 => (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40),
        _ => (ulong)r.Next(-300, 300),
    };

    private void Body(int length)
    {
        for (int n = 0; n < length; n++)
        {
            int pick = _r.Next(100);
            if (pick < 4 && _depth == 0)
            {
                Loop();
            }
            else if (pick < 10)
            {
                ForwardBranch();
            }
            else if (pick < 12 && _depth == 0)
            {
                Call();
            }
            else if (pick < 14)
            {
                PushPop();
            }
            else
            {
                One();
            }
        }
    }

    private void Loop()
    {
        Label top = _a.CreateLabel();
        _a.mov(r14d, _r.Next(2, 6));
        _a.Label(ref top);
        _a.nop();
        _depth++;
        Body(_r.Next(2, 8));
        _depth--;
        _a.dec(r14d);
        _a.jne(top);
    }

    private void ForwardBranch()
    {
        Label skip = _a.CreateLabel();
        Jcc(_r.Next(16), skip);
        _depth++;
        Body(_r.Next(1, 4));
        _depth--;
        _a.Label(ref skip);
        _a.nop();
    }

    private void Call()
    {
        if (_r.Next(2) == 0)
        {
            _a.call(_sub);
        }
        else
        {
            _a.lea(r11, __[_sub]);
            _a.call(r11);
        }
    }

    private void PushPop()
    {
        Register from = Reg64(Readable[_r.Next(Readable.Length)]);
        Register to = Reg64(Writable[_r.Next(Writable.Length)]);
        Add(Instruction.Create(Code.Push_r64, from));
        if (_r.Next(3) == 0)
        {
            Add(Instruction.Create(Code.Pushq_imm32, (int)Value(_r)));
            Add(Instruction.Create(Code.Pop_r64, to));
        }
        _depth++;
        Body(_r.Next(0, 3));
        _depth--;
        Add(Instruction.Create(Code.Pop_r64, to));
    }

    private void Jcc(int cc, Label l)
    {
        switch (cc)
        {
            case 0: _a.jo(l); break;
            case 1: _a.jno(l); break;
            case 2: _a.jb(l); break;
            case 3: _a.jae(l); break;
            case 4: _a.je(l); break;
            case 5: _a.jne(l); break;
            case 6: _a.jbe(l); break;
            case 7: _a.ja(l); break;
            case 8: _a.js(l); break;
            case 9: _a.jns(l); break;
            case 10: _a.jp(l); break;
            case 11: _a.jnp(l); break;
            case 12: _a.jl(l); break;
            case 13: _a.jge(l); break;
            case 14: _a.jle(l); break;
            default: _a.jg(l); break;
        }
    }

    private void Add(in Instruction i) => _a.AddInstruction(i);

    /// <summary>An instruction whose only operand is r/m: memory or a register (written, unless <paramref name="read"/>).</summary>
    private void AddRm(Code c, bool mem, int size, bool read = false) =>
        Add(mem ? Instruction.Create(c, Mem()) : Instruction.Create(c, read ? Src(size) : Dest(size)));

    private void AddRmImm(Code c, bool mem, int size, int imm) =>
        Add(mem ? Instruction.Create(c, Mem(), imm) : Instruction.Create(c, Dest(size), imm));

    private void AddRmR(Code c, bool mem, int size, Register src) =>
        Add(mem ? Instruction.Create(c, Mem(), src) : Instruction.Create(c, Dest(size), src));

    /// <summary>r, r/m: the source is memory or a register of <paramref name="size"/> bytes.</summary>
    private void AddRRm(Code c, Register dest, bool mem, int size) =>
        Add(mem ? Instruction.Create(c, dest, Mem()) : Instruction.Create(c, dest, Src(size)));

    private static Code C(string name) => Enum.Parse<Code>(name);

    private static Register Reg64(int slot) => Register.RAX + slot;

    private static Register Reg(int slot, int size) => size switch
    {
        8 => Register.RAX + slot,
        4 => Register.EAX + slot,
        2 => Register.AX + slot,
        _ => slot < 4 ? Register.AL + slot : slot < 8 ? Register.SPL + (slot - 4) : Register.R8L + (slot - 8),
    };

    private int Size() => _r.Next(4) switch { 0 => 1, 1 => 2, 2 => 4, _ => 8 };

    private Register Dest(int size) => Reg(Writable[_r.Next(Writable.Length)], size);

    private Register Src(int size) => Reg(Readable[_r.Next(Readable.Length)], size);

    /// <summary>A data memory operand: [rbx + disp] or [rbx + r13*scale + disp], sometimes across a
    /// page boundary, sometimes FS-relative (FS base = the data), rarely unmapped.</summary>
    private MemoryOperand Mem()
    {
        int pick = _r.Next(40);
        if (pick == 0)
        {
            return new MemoryOperand(Register.R12, _r.Next(0, 64), 8);
        }
        int disp = pick < 6
            ? (_r.Next(1, DataPages) * 4096) - _r.Next(1, 8)        // straddles a page boundary
            : _r.Next(0, DataPages * 4096 - 80);
        if (pick == 1)
        {
            return new MemoryOperand(Register.None, Register.None, 1, disp, 8, false, Register.FS);
        }
        if (pick < 12)
        {
            return new MemoryOperand(Register.RBX, Register.R13, 1 << _r.Next(4), disp, 8);
        }
        return new MemoryOperand(Register.RBX, disp, 8);
    }

    private int Imm(int size) => size switch
    {
        1 => _r.Next(-128, 128),
        2 => _r.Next(-32768, 32768),
        _ => (int)Value(_r),
    };

    private static string Bits(int size) => (size * 8).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One random instruction.</summary>
    private void One()
    {
        int size = Size();
        string b = Bits(size);
        int pick = _r.Next(100);
        bool mem = _r.Next(4) == 0;
        switch (pick)
        {
            case < 25:
            {
                string op = AluOps[_r.Next(AluOps.Length)];
                switch (_r.Next(mem ? 3 : 2))
                {
                    case 0:
                        Add(Instruction.Create(C($"{op}_rm{b}_r{b}"), Dest(size), Src(size)));
                        break;
                    case 1:
                        Add(Instruction.Create(C(size == 8 ? $"{op}_rm64_imm32" : $"{op}_rm{b}_imm{b}"), Dest(size), Imm(size)));
                        break;
                    default:
                        if (_r.Next(2) == 0)
                        {
                            Add(Instruction.Create(C($"{op}_r{b}_rm{b}"), Dest(size), Mem()));
                        }
                        else if (_r.Next(2) == 0)
                        {
                            Add(Instruction.Create(C($"{op}_rm{b}_r{b}"), Mem(), Src(size)));
                        }
                        else
                        {
                            Add(Instruction.Create(C(size == 8 ? $"{op}_rm64_imm32" : $"{op}_rm{b}_imm{b}"), Mem(), Imm(size)));
                        }
                        break;
                }
                return;
            }
            case < 30:
                if (mem)
                {
                    Add(Instruction.Create(C(size == 8 ? "Test_rm64_imm32" : $"Test_rm{b}_imm{b}"), Mem(), Imm(size)));
                }
                else
                {
                    Add(Instruction.Create(C($"Test_rm{b}_r{b}"), Dest(size), Src(size)));
                }
                return;
            case < 34:
                if (size == 1 && _r.Next(2) == 0)
                {
                    // The high bytes: only with the legacy low registers.
                    Register[] legacy = [Register.AL, Register.CL, Register.DL, Register.AH, Register.CH, Register.DH];
                    Add(Instruction.Create(C($"{AluOps[_r.Next(AluOps.Length)]}_rm8_r8"), legacy[_r.Next(6)], legacy[_r.Next(6)]));
                    return;
                }
                AddRm(C($"{new[] { "Not", "Neg", "Inc", "Dec" }[_r.Next(4)]}_rm{b}"), mem, size);
                return;
            case < 42:
                Shift(size, b, mem);
                return;
            case < 52:
                Move(size, b, mem);
                return;
            case < 56:
                if (size == 1)
                {
                    size = 4;
                    b = "32";
                }
                switch (_r.Next(3))
                {
                    case 0: AddRRm(C($"Imul_r{b}_rm{b}"), Dest(size), mem, size); break;
                    case 1: Add(Instruction.Create(C(size == 2 ? "Imul_r16_rm16_imm16" : $"Imul_r{b}_rm{b}_imm32"), Dest(size), Src(size), Imm(Math.Min(size, 4)))); break;
                    default: Add(Instruction.Create(C($"Imul_r{b}_rm{b}_imm8"), Dest(size), Src(size), _r.Next(-128, 128))); break;
                }
                return;
            case < 62:
            {
                string cc = Conditions[_r.Next(16)];
                if (_r.Next(2) == 0)
                {
                    AddRm(C($"Set{cc}_rm8"), mem, 1);
                }
                else
                {
                    int s = size == 1 ? 4 : size;
                    AddRRm(C($"Cmov{cc}_r{Bits(s)}_rm{Bits(s)}"), Dest(s), mem, s);
                }
                return;
            }
            case < 66:
                if (size == 1)
                {
                    size = 8;
                    b = "64";
                }
                Lea(size, b);
                return;
            case < 70:
                Convert();
                return;
            case < 86:
                Fallback(size, b, mem);
                return;
            case < 88:
                RepString();
                return;
            case < 90 when _depth == 0:
                // Data in the code page: a store the interpreter must make (it drops the page).
                Add(Instruction.Create(Code.Mov_rm64_r64, new MemoryOperand(Register.RIP, (long)(CodeVa + 0xF00), 8), Src(8)));
                return;
            default:
                Add(Instruction.Create(C($"Xchg_rm{b}_r{b}"), Dest(size), Dest(size)));
                return;
        }
    }

    private void Shift(int size, string b, bool mem)
    {
        string op = new[] { "Shl", "Shr", "Sar", "Rol", "Ror", "Rcl", "Rcr" }[_r.Next(7)];
        switch (_r.Next(4))
        {
            case 0:
                AddRmImm(C($"{op}_rm{b}_1"), mem, size, 1);
                break;
            case 1:
                // CL as a random register left it, or set to a count at an edge.
                switch (_r.Next(3))
                {
                    case 0:
                        Add(Instruction.Create(Code.Mov_r8_imm8, Register.CL, Count(size)));
                        break;
                    case 1:
                        Add(Instruction.Create(Code.Mov_r64_rm64, Register.RCX, Src(8)));
                        break;
                }
                AddRmR(C($"{op}_rm{b}_CL"), mem, size, Register.CL);
                break;
            default:
                AddRmImm(C($"{op}_rm{b}_imm8"), mem, size, Count(size));
                break;
        }
    }

    /// <summary>A shift count: an edge of the masked count (0, 1, the width − 1, the width, above
    /// it, the mask and past it) or any byte.</summary>
    private int Count(int size)
    {
        int bits = size * 8;
        int[] edges = [0, 1, bits - 1, bits, bits + 1, 31, 32, 33, 63, 64, 65];
        return _r.Next(3) switch
        {
            0 => edges[_r.Next(edges.Length)],
            1 => _r.Next(0, 256),
            _ => _r.Next(0, bits + 2),
        };
    }

    private void Move(int size, string b, bool mem)
    {
        switch (_r.Next(6))
        {
            case 0:
                AddRRm(C($"Mov_r{b}_rm{b}"), Dest(size), mem, size);
                return;
            case 1:
                AddRmR(C($"Mov_rm{b}_r{b}"), mem, size, Src(size));
                return;
            case 2:
                if (size == 8)
                {
                    Add(Instruction.Create(Code.Mov_r64_imm64, Dest(8), Value(_r)));
                }
                else
                {
                    Add(Instruction.Create(C($"Mov_r{b}_imm{b}"), Dest(size), Imm(size)));
                }
                return;
            case 3:
                Add(Instruction.Create(C(size == 8 ? "Mov_rm64_imm32" : $"Mov_rm{b}_imm{b}"), Mem(), Imm(size)));
                return;
            case 4:
            {
                // movzx/movsx from 8 or 16 bits, movsxd from 32.
                string kind = _r.Next(2) == 0 ? "Movzx" : "Movsx";
                int from = _r.Next(2) == 0 ? 1 : 2;
                int to = from == 1 ? new[] { 2, 4, 8 }[_r.Next(3)] : new[] { 4, 8 }[_r.Next(2)];
                AddRRm(C($"{kind}_r{Bits(to)}_rm{Bits(from)}"), Dest(to), mem, from);
                return;
            }
            default:
                AddRRm(Code.Movsxd_r64_rm32, Dest(8), mem, 4);
                return;
        }
    }

    private void Lea(int size, string b)
    {
        bool addr32 = _r.Next(4) == 0;
        Register bas = addr32 ? Reg(Readable[_r.Next(Readable.Length)], 4) : Src(8);
        Register index = addr32 ? Reg(Readable[_r.Next(Readable.Length)], 4) : Src(8);
        var m = _r.Next(3) == 0
            ? new MemoryOperand(Register.RIP, (long)(CodeVa + (ulong)_r.Next(0, 4096)), 8)
            : new MemoryOperand(bas, index, 1 << _r.Next(4), _r.Next(-1000, 1000), addr32 ? 4 : 8);
        Add(Instruction.Create(C($"Lea_r{b}_m"), Dest(size), m));
    }

    private void Convert()
    {
        Code[] codes = [Code.Cbw, Code.Cwde, Code.Cdqe, Code.Cwd, Code.Cdq, Code.Cqo, Code.Bswap_r32, Code.Bswap_r64];
        Code c = codes[_r.Next(codes.Length)];
        Add(c is Code.Bswap_r32 ? Instruction.Create(c, Dest(4)) : c is Code.Bswap_r64 ? Instruction.Create(c, Dest(8)) : Instruction.Create(c));
    }

    /// <summary>Instructions the translator runs through the interpreter's handlers.</summary>
    private void Fallback(int size, string b, bool mem)
    {
        if (size == 1)
        {
            size = 4;
            b = "32";
        }
        switch (_r.Next(12))
        {
            case 0:
                AddRmImm(C($"{new[] { "Bt", "Bts", "Btr", "Btc" }[_r.Next(4)]}_rm{b}_imm8"), mem, size, _r.Next(0, 64));
                return;
            case 1:
                AddRRm(C($"{new[] { "Bsf", "Bsr", "Popcnt", "Tzcnt", "Lzcnt" }[_r.Next(5)]}_r{b}_rm{b}"), Dest(size), mem, size);
                return;
            case 2:
                Add(Instruction.Create(C($"{(_r.Next(2) == 0 ? "Shld" : "Shrd")}_rm{b}_r{b}_imm8"), Dest(size), Src(size), _r.Next(0, 40)));
                return;
            case 3:
                AddRm(C($"{(_r.Next(2) == 0 ? "Mul" : "Imul")}_rm{b}"), mem, size, read: true);
                return;
            case 4:
                // A divide that may raise #DE (divisor 0 or quotient too large): ends the run.
                if (_r.Next(4) == 0)
                {
                    Add(Instruction.Create(C($"{(_r.Next(2) == 0 ? "Div" : "Idiv")}_rm{b}"), Src(size)));
                }
                return;
            case 5:
                AddRmR(C($"{(_r.Next(2) == 0 ? "Xadd" : "Cmpxchg")}_rm{b}_r{b}"), mem, size, Src(size));
                return;
            case 6:
                Add(Instruction.Create(Code.Movq_xmm_rm64, Register.XMM0 + _r.Next(2), Src(8)));
                Add(Instruction.Create(Code.Paddq_xmm_xmmm128, Register.XMM0, Register.XMM1));
                Add(Instruction.Create(Code.Movq_rm64_xmm, Dest(8), Register.XMM0));
                return;
            case 7:
                Add(Instruction.Create(_r.Next(2) == 0 ? Code.Rdtsc : Code.Lahf));
                return;
            case 8:
                Add(Instruction.Create(Code.Pushfq));
                Add(Instruction.Create(Code.Pop_r64, Dest(8)));
                return;
            case 9:
                AddRmR(C($"{(_r.Next(2) == 0 ? "Rcl" : "Rcr")}_rm{b}_CL"), mem, size, Register.CL);
                return;
            case 10:
                Add(Instruction.Create(Code.Cmc));
                Add(Instruction.Create(_r.Next(2) == 0 ? Code.Stc : Code.Clc));
                return;
            default:
                Add(Instruction.Create(C($"Xchg_rm{b}_r{b}"), Mem(), Dest(size)));
                return;
        }
    }

    /// <summary>REP MOVSB/STOSB over a few bytes of the data (left to the interpreter).</summary>
    private void RepString()
    {
        Add(Instruction.Create(Code.Mov_r32_imm32, Register.ECX, _r.Next(0, 20)));
        Add(_r.Next(2) == 0 ? Instruction.CreateStosb(64, RepPrefixKind.Repe) : Instruction.CreateMovsb(64, Register.None, RepPrefixKind.Repe));
    }
}

using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// Every mnemonic this CPU executes, all units together (the integer core below, then
    /// <see cref="SimdFloatMnemonics"/>, <see cref="SimdIntegerMnemonics"/>, <see cref="VectorExtraMnemonics"/>
    /// and <see cref="X87Mnemonics"/>); anything else raises #UD (privileged instructions raise #GP,
    /// <c>int3</c> #BP). Forms not implemented within a listed mnemonic are #UD too: far jumps, calls
    /// and returns; segment-register moves and pushes; 32-bit addressing (0x67) for string
    /// instructions and LOOP; EVEX (AVX-512) encodings; forms above the vCPU's <see cref="CpuLevel"/>.
    /// </summary>
    public static IReadOnlyList<Mnemonic> ImplementedMnemonics => s_implemented.Value;

    private static readonly Lazy<Mnemonic[]> s_implemented = new(() =>
        [.. IntegerMnemonics!.Concat(SimdFloatMnemonics!).Concat(SimdIntegerMnemonics!).Concat(VectorExtraMnemonics!)
            .Concat(X87Mnemonics!).Concat(PortalMnemonics!).Distinct().Order()]);

    /// <summary>The mnemonics the integer core's switch executes.</summary>
    internal static readonly Mnemonic[] IntegerMnemonics =
    [
        // data movement
        Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd, Mnemonic.Lea, Mnemonic.Xchg,
        Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne,
        Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp,
        Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
        Mnemonic.Push, Mnemonic.Pop, Mnemonic.Leave, Mnemonic.Bswap,
        Mnemonic.Cbw, Mnemonic.Cwde, Mnemonic.Cdqe, Mnemonic.Cwd, Mnemonic.Cdq, Mnemonic.Cqo,
        Mnemonic.Enter, Mnemonic.Xlatb, Mnemonic.Movbe, Mnemonic.Pushf, Mnemonic.Pushfq, Mnemonic.Popf,
        Mnemonic.Popfq, Mnemonic.Lahf, Mnemonic.Sahf,
        // atomics (see Cpu.Atomic.cs for what lock guarantees)
        Mnemonic.Xadd, Mnemonic.Cmpxchg, Mnemonic.Cmpxchg8b, Mnemonic.Cmpxchg16b,
        // arithmetic and logic
        Mnemonic.Add, Mnemonic.Adc, Mnemonic.Sub, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor,
        Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Not, Mnemonic.Neg, Mnemonic.Inc, Mnemonic.Dec,
        Mnemonic.Imul, Mnemonic.Mul, Mnemonic.Idiv, Mnemonic.Div,
        Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr,
        Mnemonic.Shld, Mnemonic.Shrd,
        Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc, Mnemonic.Bsf, Mnemonic.Bsr,
        Mnemonic.Tzcnt, Mnemonic.Lzcnt, Mnemonic.Popcnt,
        Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne,
        Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp,
        Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
        Mnemonic.Clc, Mnemonic.Stc, Mnemonic.Cmc, Mnemonic.Cld, Mnemonic.Std,
        // control flow
        Mnemonic.Jmp, Mnemonic.Call, Mnemonic.Ret, Mnemonic.Loop, Mnemonic.Loope, Mnemonic.Loopne,
        Mnemonic.Jrcxz, Mnemonic.Jecxz,
        Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
        Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
        // strings
        Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq, Mnemonic.Stosb, Mnemonic.Stosw,
        Mnemonic.Stosd, Mnemonic.Stosq, Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq,
        Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsd, Mnemonic.Cmpsq, Mnemonic.Scasb, Mnemonic.Scasw,
        Mnemonic.Scasd, Mnemonic.Scasq,
        // system
        Mnemonic.Nop, Mnemonic.Endbr64, Mnemonic.Pause, Mnemonic.Reservednop, Mnemonic.Cpuid, Mnemonic.Rdtsc, Mnemonic.Syscall,
    ];

    /// <summary>Executes one decoded instruction with RIP already advanced to the next one.</summary>
    /// <returns>true to continue; false when the instruction exits (the exit fields are set).</returns>
    private bool Execute(in Instruction i)
    {
        switch (i.Mnemonic)
        {
            case Mnemonic.Mov: return ExecMov(i);
            case Mnemonic.Add: return ExecAlu(i, AluOp.Add);
            case Mnemonic.Sub: return ExecAlu(i, AluOp.Sub);
            case Mnemonic.Cmp: return ExecAlu(i, AluOp.Cmp);
            case Mnemonic.Test: return ExecAlu(i, AluOp.Test);
            case Mnemonic.And: return ExecAlu(i, AluOp.And);
            case Mnemonic.Or: return ExecAlu(i, AluOp.Or);
            case Mnemonic.Xor: return ExecAlu(i, AluOp.Xor);
            case Mnemonic.Adc: return ExecAlu(i, AluOp.Adc);
            case Mnemonic.Sbb: return ExecAlu(i, AluOp.Sbb);

            case Mnemonic.Jo: case Mnemonic.Jno: case Mnemonic.Jb: case Mnemonic.Jae:
            case Mnemonic.Je: case Mnemonic.Jne: case Mnemonic.Jbe: case Mnemonic.Ja:
            case Mnemonic.Js: case Mnemonic.Jns: case Mnemonic.Jp: case Mnemonic.Jnp:
            case Mnemonic.Jl: case Mnemonic.Jge: case Mnemonic.Jle: case Mnemonic.Jg:
                return ExecJcc(i);

            case Mnemonic.Jmp: return ExecJmp(i);
            case Mnemonic.Call: return ExecCall(i);
            case Mnemonic.Ret: return ExecRet(i);
            case Mnemonic.Push: return ExecPush(i);
            case Mnemonic.Pop: return ExecPop(i);
            case Mnemonic.Leave: return ExecLeave(i);
            case Mnemonic.Lea: return ExecLea(i);
            case Mnemonic.Movzx: case Mnemonic.Movsx: case Mnemonic.Movsxd: return ExecMovExtend(i);
            case Mnemonic.Xchg: return ExecXchg(i);
            case Mnemonic.Bswap: return ExecBswap(i);

            case Mnemonic.Cmovo: case Mnemonic.Cmovno: case Mnemonic.Cmovb: case Mnemonic.Cmovae:
            case Mnemonic.Cmove: case Mnemonic.Cmovne: case Mnemonic.Cmovbe: case Mnemonic.Cmova:
            case Mnemonic.Cmovs: case Mnemonic.Cmovns: case Mnemonic.Cmovp: case Mnemonic.Cmovnp:
            case Mnemonic.Cmovl: case Mnemonic.Cmovge: case Mnemonic.Cmovle: case Mnemonic.Cmovg:
                return ExecCmov(i);

            case Mnemonic.Seto: case Mnemonic.Setno: case Mnemonic.Setb: case Mnemonic.Setae:
            case Mnemonic.Sete: case Mnemonic.Setne: case Mnemonic.Setbe: case Mnemonic.Seta:
            case Mnemonic.Sets: case Mnemonic.Setns: case Mnemonic.Setp: case Mnemonic.Setnp:
            case Mnemonic.Setl: case Mnemonic.Setge: case Mnemonic.Setle: case Mnemonic.Setg:
                return ExecSetcc(i);

            case Mnemonic.Not: case Mnemonic.Neg: case Mnemonic.Inc: case Mnemonic.Dec:
                return ExecUnary(i);
            case Mnemonic.Imul: case Mnemonic.Mul: return ExecMul(i);
            case Mnemonic.Div: case Mnemonic.Idiv: return ExecDiv(i);
            case Mnemonic.Shl: case Mnemonic.Sal: case Mnemonic.Shr: case Mnemonic.Sar:
            case Mnemonic.Rol: case Mnemonic.Ror: case Mnemonic.Rcl: case Mnemonic.Rcr:
                return ExecShift(i);
            case Mnemonic.Shld: case Mnemonic.Shrd: return ExecDoubleShift(i);
            case Mnemonic.Xadd: return ExecXadd(i);
            case Mnemonic.Cmpxchg: return ExecCmpxchg(i);
            case Mnemonic.Cmpxchg8b: case Mnemonic.Cmpxchg16b: return ExecCmpxchgWide(i);
            case Mnemonic.Pushf: case Mnemonic.Pushfq: return ExecPushf(i);
            case Mnemonic.Popf: case Mnemonic.Popfq: return ExecPopf(i);
            case Mnemonic.Lahf: return ExecLahf();
            case Mnemonic.Sahf: return ExecSahf();
            case Mnemonic.Enter: return ExecEnter(i);
            case Mnemonic.Xlatb: return ExecXlat(i);
            case Mnemonic.Movbe: return ExecMovbe(i);
            case Mnemonic.Bt: case Mnemonic.Bts: case Mnemonic.Btr: case Mnemonic.Btc:
                return ExecBitTest(i);
            case Mnemonic.Bsf: case Mnemonic.Bsr: case Mnemonic.Tzcnt: case Mnemonic.Lzcnt: case Mnemonic.Popcnt:
                return ExecBitScan(i);
            case Mnemonic.Cbw: case Mnemonic.Cwde: case Mnemonic.Cdqe:
            case Mnemonic.Cwd: case Mnemonic.Cdq: case Mnemonic.Cqo:
                return ExecConvert(i);
            case Mnemonic.Clc: case Mnemonic.Stc: case Mnemonic.Cmc: case Mnemonic.Cld: case Mnemonic.Std:
                return ExecFlagOp(i);
            case Mnemonic.Loop: case Mnemonic.Loope: case Mnemonic.Loopne: case Mnemonic.Jrcxz: case Mnemonic.Jecxz:
                return ExecLoop(i);

            case Mnemonic.Movsb: return ExecString(i, StringOp.Movs, 1);
            case Mnemonic.Movsw: return ExecString(i, StringOp.Movs, 2);
            case Mnemonic.Movsd: return i.Code == Code.Movsd_m32_m32 ? ExecString(i, StringOp.Movs, 4) : ExecExtended(in i);
            case Mnemonic.Movsq: return ExecString(i, StringOp.Movs, 8);
            case Mnemonic.Stosb: return ExecString(i, StringOp.Stos, 1);
            case Mnemonic.Stosw: return ExecString(i, StringOp.Stos, 2);
            case Mnemonic.Stosd: return ExecString(i, StringOp.Stos, 4);
            case Mnemonic.Stosq: return ExecString(i, StringOp.Stos, 8);
            case Mnemonic.Lodsb: return ExecString(i, StringOp.Lods, 1);
            case Mnemonic.Lodsw: return ExecString(i, StringOp.Lods, 2);
            case Mnemonic.Lodsd: return ExecString(i, StringOp.Lods, 4);
            case Mnemonic.Lodsq: return ExecString(i, StringOp.Lods, 8);
            case Mnemonic.Cmpsb: return ExecString(i, StringOp.Cmps, 1);
            case Mnemonic.Cmpsw: return ExecString(i, StringOp.Cmps, 2);
            case Mnemonic.Cmpsd: return i.Code == Code.Cmpsd_m32_m32 ? ExecString(i, StringOp.Cmps, 4) : ExecExtended(i);
            case Mnemonic.Cmpsq: return ExecString(i, StringOp.Cmps, 8);
            case Mnemonic.Scasb: return ExecString(i, StringOp.Scas, 1);
            case Mnemonic.Scasw: return ExecString(i, StringOp.Scas, 2);
            case Mnemonic.Scasd: return ExecString(i, StringOp.Scas, 4);
            case Mnemonic.Scasq: return ExecString(i, StringOp.Scas, 8);

            // Reservednop: the hint space 0F 18 /4-7 and 0F 19-1F, NOPs on every x86-64 CPU (SDM Vol. 2B NOP).
            case Mnemonic.Nop: case Mnemonic.Endbr64: case Mnemonic.Pause: case Mnemonic.Reservednop:
                return true;
            case Mnemonic.Cpuid: return ExecCpuid();
            case Mnemonic.Rdtsc: return ExecRdtsc();
            case Mnemonic.Syscall: return ExecSyscall();
            case Mnemonic.Int3: return Exit(CpuExitKind.Breakpoint);

            // Privileged at CPL 3 (SDM Vol. 3A §5.9), and INT n through a DPL-0 gate as Linux sets them.
            case Mnemonic.Hlt: case Mnemonic.Cli: case Mnemonic.Sti: case Mnemonic.In: case Mnemonic.Out:
            case Mnemonic.Insb: case Mnemonic.Insw: case Mnemonic.Insd: case Mnemonic.Outsb: case Mnemonic.Outsw:
            case Mnemonic.Outsd: case Mnemonic.Rdmsr: case Mnemonic.Wrmsr: case Mnemonic.Invlpg: case Mnemonic.Lgdt:
            case Mnemonic.Lidt: case Mnemonic.Lldt: case Mnemonic.Ltr: case Mnemonic.Clts: case Mnemonic.Wbinvd:
            case Mnemonic.Invd: case Mnemonic.Swapgs: case Mnemonic.Sysret: case Mnemonic.Sysretq: case Mnemonic.Lmsw:
            case Mnemonic.Int: case Mnemonic.Int1: case Mnemonic.Into:
                return Exit(CpuExitKind.GeneralProtection);

            default:
                return ExecExtended(in i);
        }
    }
}

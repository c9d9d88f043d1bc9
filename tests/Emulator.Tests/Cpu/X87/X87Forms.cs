using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.X87;

/// <summary>The instruction forms the x87 tables name: each assembles one instruction whose memory
/// operand, if any, is <c>[rsi]</c>, so the same bytes run on the emulator and on the host.</summary>
internal static class X87Forms
{
    private static readonly Dictionary<string, Action<Assembler>> s_forms = Build();

    /// <summary>Every form name.</summary>
    public static IEnumerable<string> Names => s_forms.Keys;

    /// <summary>Whether <paramref name="name"/> has a memory operand (the table then shows memory after).</summary>
    public static bool UsesMemory(string name) => name.Contains(".m", StringComparison.Ordinal) || name is "fbld" or "fbstp";

    /// <summary>Whether the form writes AX (FNSTSW AX).</summary>
    public static bool WritesAx(string name) => name == "fnstsw.ax";

    public static void Emit(Assembler a, string name)
    {
        if (!s_forms.TryGetValue(name, out var emit))
        {
            throw new FormatException($"unknown x87 form {name}");
        }
        emit(a);
    }

    private static Dictionary<string, Action<Assembler>> Build()
    {
        var d = new Dictionary<string, Action<Assembler>>(StringComparer.Ordinal)
        {
            ["fld.m32"] = a => a.fld(__dword_ptr[rsi]),
            ["fld.m64"] = a => a.fld(__qword_ptr[rsi]),
            ["fld.m80"] = a => a.fld(__tword_ptr[rsi]),
            ["fld.st1"] = a => a.fld(st1),
            ["fild.m16"] = a => a.fild(__word_ptr[rsi]),
            ["fild.m32"] = a => a.fild(__dword_ptr[rsi]),
            ["fild.m64"] = a => a.fild(__qword_ptr[rsi]),
            ["fbld"] = a => a.fbld(__tword_ptr[rsi]),
            ["fst.m32"] = a => a.fst(__dword_ptr[rsi]),
            ["fst.m64"] = a => a.fst(__qword_ptr[rsi]),
            ["fst.st1"] = a => a.fst(st1),
            ["fstp.m32"] = a => a.fstp(__dword_ptr[rsi]),
            ["fstp.m64"] = a => a.fstp(__qword_ptr[rsi]),
            ["fstp.m80"] = a => a.fstp(__tword_ptr[rsi]),
            ["fstp.st1"] = a => a.fstp(st1),
            ["fist.m16"] = a => a.fist(__word_ptr[rsi]),
            ["fist.m32"] = a => a.fist(__dword_ptr[rsi]),
            ["fistp.m16"] = a => a.fistp(__word_ptr[rsi]),
            ["fistp.m32"] = a => a.fistp(__dword_ptr[rsi]),
            ["fistp.m64"] = a => a.fistp(__qword_ptr[rsi]),
            ["fisttp.m16"] = a => a.fisttp(__word_ptr[rsi]),
            ["fisttp.m32"] = a => a.fisttp(__dword_ptr[rsi]),
            ["fisttp.m64"] = a => a.fisttp(__qword_ptr[rsi]),
            ["fbstp"] = a => a.fbstp(__tword_ptr[rsi]),
            ["fld1"] = a => a.fld1(),
            ["fldz"] = a => a.fldz(),
            ["fldpi"] = a => a.fldpi(),
            ["fldl2e"] = a => a.fldl2e(),
            ["fldl2t"] = a => a.fldl2t(),
            ["fldlg2"] = a => a.fldlg2(),
            ["fldln2"] = a => a.fldln2(),
            ["fxch"] = a => a.fxch(st0, st1),
            ["fcmovb"] = a => a.fcmovb(st0, st1),
            ["fcmove"] = a => a.fcmove(st0, st1),
            ["fcmovbe"] = a => a.fcmovbe(st0, st1),
            ["fcmovu"] = a => a.fcmovu(st0, st1),
            ["fcmovnb"] = a => a.fcmovnb(st0, st1),
            ["fcmovne"] = a => a.fcmovne(st0, st1),
            ["fcmovnbe"] = a => a.fcmovnbe(st0, st1),
            ["fcmovnu"] = a => a.fcmovnu(st0, st1),
            ["fchs"] = a => a.fchs(),
            ["fabs"] = a => a.fabs(),
            ["fsqrt"] = a => a.fsqrt(),
            ["frndint"] = a => a.frndint(),
            ["fprem"] = a => a.fprem(),
            ["fprem1"] = a => a.fprem1(),
            ["fscale"] = a => a.fscale(),
            ["fxtract"] = a => a.fxtract(),
            ["fcom.m32"] = a => a.fcom(__dword_ptr[rsi]),
            ["fcom.m64"] = a => a.fcom(__qword_ptr[rsi]),
            ["fcom.st1"] = a => a.fcom(st0, st1),
            ["fcomp.st1"] = a => a.fcomp(st0, st1),
            ["fcompp"] = a => a.fcompp(),
            ["ficom.m16"] = a => a.ficom(__word_ptr[rsi]),
            ["ficom.m32"] = a => a.ficom(__dword_ptr[rsi]),
            ["ficomp.m32"] = a => a.ficomp(__dword_ptr[rsi]),
            ["fucom.st1"] = a => a.fucom(st0, st1),
            ["fucomp.st1"] = a => a.fucomp(st0, st1),
            ["fucompp"] = a => a.fucompp(),
            ["fcomi"] = a => a.fcomi(st0, st1),
            ["fcomip"] = a => a.fcomip(st0, st1),
            ["fucomi"] = a => a.fucomi(st0, st1),
            ["fucomip"] = a => a.fucomip(st0, st1),
            ["ftst"] = a => a.ftst(),
            ["fxam"] = a => a.fxam(),
            ["fnstsw.ax"] = a => a.fnstsw(ax),
            ["fnstsw.m16"] = a => a.fnstsw(__word_ptr[rsi]),
            ["fnstcw.m16"] = a => a.fnstcw(__word_ptr[rsi]),
            ["fldcw.m16"] = a => a.fldcw(__word_ptr[rsi]),
            ["fnclex"] = a => a.fnclex(),
            ["fdecstp"] = a => a.fdecstp(),
            ["fincstp"] = a => a.fincstp(),
            ["ffree"] = a => a.ffree(st1),
            ["f2xm1"] = a => a.f2xm1(),
            ["fyl2x"] = a => a.fyl2x(),
            ["fyl2xp1"] = a => a.fyl2xp1(),
            ["fptan"] = a => a.fptan(),
            ["fpatan"] = a => a.fpatan(),
            ["fsin"] = a => a.fsin(),
            ["fcos"] = a => a.fcos(),
            ["fsincos"] = a => a.fsincos(),
        };
        // The six arithmetic operations in every form.
        foreach (string op in new[] { "fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr" })
        {
            AddArith(d, op);
        }
        return d;
    }

    private static void AddArith(Dictionary<string, Action<Assembler>> d, string op)
    {
        switch (op)
        {
            case "fadd":
                d["fadd.m32"] = a => a.fadd(__dword_ptr[rsi]); d["fadd.m64"] = a => a.fadd(__qword_ptr[rsi]);
                d["fadd.st0.st1"] = a => a.fadd(st0, st1); d["fadd.st1.st0"] = a => a.fadd(st1, st0);
                d["faddp"] = a => a.faddp(st1, st0); d["fiadd.m16"] = a => a.fiadd(__word_ptr[rsi]);
                d["fiadd.m32"] = a => a.fiadd(__dword_ptr[rsi]);
                break;
            case "fsub":
                d["fsub.m32"] = a => a.fsub(__dword_ptr[rsi]); d["fsub.m64"] = a => a.fsub(__qword_ptr[rsi]);
                d["fsub.st0.st1"] = a => a.fsub(st0, st1); d["fsub.st1.st0"] = a => a.fsub(st1, st0);
                d["fsubp"] = a => a.fsubp(st1, st0); d["fisub.m16"] = a => a.fisub(__word_ptr[rsi]);
                d["fisub.m32"] = a => a.fisub(__dword_ptr[rsi]);
                break;
            case "fsubr":
                d["fsubr.m32"] = a => a.fsubr(__dword_ptr[rsi]); d["fsubr.m64"] = a => a.fsubr(__qword_ptr[rsi]);
                d["fsubr.st0.st1"] = a => a.fsubr(st0, st1); d["fsubr.st1.st0"] = a => a.fsubr(st1, st0);
                d["fsubrp"] = a => a.fsubrp(st1, st0); d["fisubr.m16"] = a => a.fisubr(__word_ptr[rsi]);
                d["fisubr.m32"] = a => a.fisubr(__dword_ptr[rsi]);
                break;
            case "fmul":
                d["fmul.m32"] = a => a.fmul(__dword_ptr[rsi]); d["fmul.m64"] = a => a.fmul(__qword_ptr[rsi]);
                d["fmul.st0.st1"] = a => a.fmul(st0, st1); d["fmul.st1.st0"] = a => a.fmul(st1, st0);
                d["fmulp"] = a => a.fmulp(st1, st0); d["fimul.m16"] = a => a.fimul(__word_ptr[rsi]);
                d["fimul.m32"] = a => a.fimul(__dword_ptr[rsi]);
                break;
            case "fdiv":
                d["fdiv.m32"] = a => a.fdiv(__dword_ptr[rsi]); d["fdiv.m64"] = a => a.fdiv(__qword_ptr[rsi]);
                d["fdiv.st0.st1"] = a => a.fdiv(st0, st1); d["fdiv.st1.st0"] = a => a.fdiv(st1, st0);
                d["fdivp"] = a => a.fdivp(st1, st0); d["fidiv.m16"] = a => a.fidiv(__word_ptr[rsi]);
                d["fidiv.m32"] = a => a.fidiv(__dword_ptr[rsi]);
                break;
            default:
                d["fdivr.m32"] = a => a.fdivr(__dword_ptr[rsi]); d["fdivr.m64"] = a => a.fdivr(__qword_ptr[rsi]);
                d["fdivr.st0.st1"] = a => a.fdivr(st0, st1); d["fdivr.st1.st0"] = a => a.fdivr(st1, st0);
                d["fdivrp"] = a => a.fdivrp(st1, st0); d["fidivr.m16"] = a => a.fidivr(__word_ptr[rsi]);
                d["fidivr.m32"] = a => a.fidivr(__dword_ptr[rsi]);
                break;
        }
    }
}

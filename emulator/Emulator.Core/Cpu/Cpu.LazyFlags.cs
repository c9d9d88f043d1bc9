using System.Runtime.CompilerServices;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    // Lazy status flags (Bochs, QEMU's CC_OP). The instructions that set all six status flags from
    // their operands (ADD, ADC, SUB, SBB, CMP, NEG, AND, OR, XOR, TEST, INC, DEC, the shifts with a
    // non-zero count, IMUL, MUL) record what they computed — a kind, the size and up to three values —
    // instead of the flags; the flags are computed only when something reads them (a condition, ADC,
    // PUSHF, SYSCALL's R11, the end of Run). Most results are overwritten unread: `add rcx, 8; cmp
    // rcx, rsi` never needs the ADD's flags. The translated code (Translate/) shares this record, so
    // a translated block can leave its flags lazy at an exit too.
    //
    // Invariant: while _lazyKind is None the status bits of _state.Rflags are exact. Otherwise they
    // are stale, except CF for Inc and Dec (which keep the CF that was exact before them); every
    // other bit of _state.Rflags (DF, AC, ID, ...) is always exact. Run materialises before it
    // returns, so the kernel and the tests always see exact RFLAGS.

    /// <summary>How the status flags follow from the lazy record (<see cref="_lazyA"/>,
    /// <see cref="_lazyB"/>, <see cref="_lazyR"/>, <see cref="_lazySize"/>).</summary>
    internal enum FlagKind : byte
    {
        /// <summary>RFLAGS holds the exact flags.</summary>
        None,

        /// <summary>A + B (+ carry) = R: <see cref="AddFlags"/>.</summary>
        Add,

        /// <summary>A − B (− borrow) = R: <see cref="SubFlags"/>.</summary>
        Sub,

        /// <summary>SF, ZF, PF from R; CF, OF (and AF) are the bits of B (logic ops: 0; shifts,
        /// multiplies: what they computed).</summary>
        Result,

        /// <summary>INC of A = R: <see cref="AddFlags"/> of A + 1 except CF, which RFLAGS holds.</summary>
        Inc,

        /// <summary>DEC of A = R: <see cref="SubFlags"/> of A − 1 except CF, which RFLAGS holds.</summary>
        Dec,
    }

    internal FlagKind _lazyKind;
    internal int _lazySize;
    internal ulong _lazyA;
    internal ulong _lazyB;
    internal ulong _lazyR;

    /// <summary>RFLAGS, exact (reading it computes pending lazy flags; writing it drops them).</summary>
    private ulong Flags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_lazyKind != FlagKind.None)
            {
                MaterializeFlags();
            }
            return (ulong)_state.Rflags;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set
        {
            _lazyKind = FlagKind.None;
            _state.Rflags = (RFlags)value;
        }
    }

    /// <summary>Records the flags of an operation instead of computing them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetLazyFlags(FlagKind kind, ulong a, ulong b, ulong r, int size)
    {
        _lazyKind = kind;
        _lazySize = size;
        _lazyA = a;
        _lazyB = b;
        _lazyR = r;
    }

    /// <summary>Makes CF exact in RFLAGS (INC and DEC keep it), leaving the record in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FixCarry()
    {
        if (_lazyKind != FlagKind.None)
        {
            ulong f = (ulong)_state.Rflags;
            _state.Rflags = (RFlags)((f & ~CF) | (LazyStatus(_lazyKind, _lazySize, _lazyA, _lazyB, _lazyR, f) & CF));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void MaterializeFlags()
    {
        ulong f = (ulong)_state.Rflags;
        _state.Rflags = (RFlags)((f & ~StatusFlags) | LazyStatus(_lazyKind, _lazySize, _lazyA, _lazyB, _lazyR, f));
        _lazyKind = FlagKind.None;
    }

    /// <summary>The six status flags a lazy record stands for; <paramref name="rflags"/> supplies CF
    /// for <see cref="FlagKind.Inc"/> and <see cref="FlagKind.Dec"/>.</summary>
    internal static ulong LazyStatus(FlagKind kind, int size, ulong a, ulong b, ulong r, ulong rflags) => kind switch
    {
        FlagKind.Add => AddFlags(a, b, r, size),
        FlagKind.Sub => SubFlags(a, b, r, size),
        FlagKind.Result => Szp(r, size) | (b & (CF | OF | AF)),
        FlagKind.Inc => (AddFlags(a, 1, r, size) & ~CF) | (rflags & CF),
        FlagKind.Dec => (SubFlags(a, 1, r, size) & ~CF) | (rflags & CF),
        _ => rflags & StatusFlags,
    };
}

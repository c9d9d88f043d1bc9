using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Emulator.Core.Memory;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// The seam between the integer core and the vector and x87 units: register access for XMM/YMM,
/// memory accesses wider than 8 bytes (precise: every page is translated before anything is
/// written), and the dispatch of every mnemonic the integer switch does not know.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>XMM register <paramref name="r"/> (XMM0–XMM15) as the low half of its YMM register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Vector128<byte> Xmm(Register r) =>
        ref Unsafe.As<Vector256<byte>, Vector128<byte>>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_state.Ymm), r - Register.XMM0));

    /// <summary>YMM register <paramref name="r"/> (YMM0–YMM15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Vector256<byte> Ymm(Register r) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_state.Ymm), r - Register.YMM0);

    /// <summary>Writes XMM <paramref name="r"/> as a VEX.128 instruction does: bits 255:128 of the YMM
    /// register become zero (SDM Vol. 1 §14.1.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetXmmZeroUpper(Register r, Vector128<byte> value) =>
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_state.Ymm), r - Register.XMM0) = value.ToVector256();

    /// <summary>MMX register <paramref name="r"/> (MM0–MM7): the significand of x87 physical register
    /// R0–R7 (SDM Vol. 1 §9.5.1). An MMX instruction calls <see cref="MmxTransition"/> first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong Mm(Register r) => ref _state.Fpu.Significand[r - Register.MM0];

    /// <summary>What every MMX instruction (except EMMS) does to the x87 state (SDM Vol. 1 §9.5.1,
    /// Table 9-2): TOP = 0 and every tag valid. An MMX write additionally sets the register's sign and
    /// exponent bits to all ones, which <see cref="WriteMm"/> does.</summary>
    private void MmxTransition()
    {
        X87State f = _state.Fpu;
        f.Top = 0;
        f.TagWord = 0;
    }

    /// <summary>Writes MMX register <paramref name="r"/>: the significand, and sign/exponent all ones.</summary>
    private void WriteMm(Register r, ulong value)
    {
        int n = r - Register.MM0;
        _state.Fpu.Significand[n] = value;
        _state.Fpu.SignExponent[n] = 0xFFFF;
    }

    /// <summary>True when VEX-encoded instructions may execute: AVX state enabled in XCR0 (level v3).</summary>
    private bool AvxEnabled => _options.Level >= CpuLevel.V3;

    /// <summary>#GP(0) unless <paramref name="va"/> is a multiple of <paramref name="alignment"/>
    /// (MOVAPS, MOVDQA, legacy-SSE memory operands, FXSAVE, XSAVE...).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool CheckAligned(ulong va, int alignment) =>
        (va & (ulong)(alignment - 1)) == 0 || Exit(CpuExitKind.GeneralProtection);

    /// <summary>Reads <paramref name="destination"/>.Length (at most a page) bytes at <paramref name="va"/>.</summary>
    /// <returns>false with the exit set when a page faults (nothing was read).</returns>
    private bool ReadBytes(ulong va, Span<byte> destination)
    {
        if (!TranslateMem(va, destination.Length, write: false, out MemRef m))
        {
            return false;
        }
        LoadBytes(m, destination);
        return true;
    }

    /// <summary>Writes <paramref name="source"/> (at most a page) at <paramref name="va"/>: both pages are
    /// translated for writing before any byte is stored.</summary>
    private bool WriteBytes(ulong va, ReadOnlySpan<byte> source)
    {
        if (!TranslateMem(va, source.Length, write: true, out MemRef m))
        {
            return false;
        }
        StoreBytes(m, source);
        return true;
    }

    private void LoadBytes(in MemRef m, Span<byte> destination)
    {
        int first = Math.Min(m.Split, destination.Length);
        MemoryMarshal.CreateReadOnlySpan(ref HostByte(m.Pa0), first).CopyTo(destination);
        if (first < destination.Length)
        {
            MemoryMarshal.CreateReadOnlySpan(ref HostByte(m.Pa1), destination.Length - first).CopyTo(destination[first..]);
        }
    }

    private void StoreBytes(in MemRef m, ReadOnlySpan<byte> source)
    {
        int first = Math.Min(m.Split, source.Length);
        DropCodeIfCached(m.Pa0 >> Page.Shift);
        source[..first].CopyTo(MemoryMarshal.CreateSpan(ref HostByte(m.Pa0), first));
        if (first < source.Length)
        {
            DropCodeIfCached(m.Pa1 >> Page.Shift);
            source[first..].CopyTo(MemoryMarshal.CreateSpan(ref HostByte(m.Pa1), source.Length - first));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DropCodeIfCached(ulong pfn)
    {
        if ((_codeBits[pfn >> 6] & (1UL << (int)pfn)) != 0)
        {
            DropCodePage(pfn);
        }
    }

    /// <summary>Reads 16 bytes at <paramref name="va"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadVector128(ulong va, out Vector128<byte> value)
    {
        if (!TranslateMem(va, 16, write: false, out MemRef m))
        {
            value = default;
            return false;
        }
        if (m.Split == 16)
        {
            value = Unsafe.ReadUnaligned<Vector128<byte>>(ref HostByte(m.Pa0));
            return true;
        }
        Span<byte> b = stackalloc byte[16];
        LoadBytes(m, b);
        value = Vector128.Create<byte>(b);
        return true;
    }

    /// <summary>Writes 16 bytes at <paramref name="va"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool WriteVector128(ulong va, Vector128<byte> value)
    {
        if (!TranslateMem(va, 16, write: true, out MemRef m))
        {
            return false;
        }
        if (m.Split == 16)
        {
            DropCodeIfCached(m.Pa0 >> Page.Shift);
            Unsafe.WriteUnaligned(ref HostByte(m.Pa0), value);
            return true;
        }
        Span<byte> b = stackalloc byte[16];
        value.CopyTo(b);
        StoreBytes(m, b);
        return true;
    }

    /// <summary>Reads 32 bytes at <paramref name="va"/>.</summary>
    private bool ReadVector256(ulong va, out Vector256<byte> value)
    {
        if (!TranslateMem(va, 32, write: false, out MemRef m))
        {
            value = default;
            return false;
        }
        if (m.Split == 32)
        {
            value = Unsafe.ReadUnaligned<Vector256<byte>>(ref HostByte(m.Pa0));
            return true;
        }
        Span<byte> b = stackalloc byte[32];
        LoadBytes(m, b);
        value = Vector256.Create<byte>(b);
        return true;
    }

    /// <summary>Writes 32 bytes at <paramref name="va"/>.</summary>
    private bool WriteVector256(ulong va, Vector256<byte> value)
    {
        if (!TranslateMem(va, 32, write: true, out MemRef m))
        {
            return false;
        }
        if (m.Split == 32)
        {
            DropCodeIfCached(m.Pa0 >> Page.Shift);
            Unsafe.WriteUnaligned(ref HostByte(m.Pa0), value);
            return true;
        }
        Span<byte> b = stackalloc byte[32];
        value.CopyTo(b);
        StoreBytes(m, b);
        return true;
    }

    /// <summary>True for a VEX-encoded instruction (three-operand form; a VEX.128 write zeroes bits
    /// 255:128 of the destination).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsVex(in Instruction i) => i.Encoding == EncodingKind.VEX;

    /// <summary>Reads operand <paramref name="op"/> as 128 bits: an XMM register or m128. Legacy-SSE
    /// memory operands must be 16-byte aligned (#GP otherwise) unless <paramref name="unaligned"/>
    /// (MOVUPS, MOVDQU, LDDQU, ...); VEX memory operands never need alignment except where the
    /// instruction says so (VMOVAPS...), which the caller checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadXmmOperand(in Instruction i, int op, out Vector128<byte> value, bool unaligned = false)
    {
        OpKind kind = i.GetOpKind(op);
        if (kind == OpKind.Register)
        {
            value = Xmm(i.GetOpRegister(op));
            return true;
        }
        ulong ea = Ea(i);
        if (!unaligned && !IsVex(i) && !CheckAligned(ea, 16))
        {
            value = default;
            return false;
        }
        return ReadVector128(ea, out value);
    }

    /// <summary>Reads operand <paramref name="op"/> as 256 bits: a YMM register or m256 (VEX: no
    /// alignment requirement unless the caller checks one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadYmmOperand(in Instruction i, int op, out Vector256<byte> value)
    {
        if (i.GetOpKind(op) == OpKind.Register)
        {
            value = Ymm(i.GetOpRegister(op));
            return true;
        }
        return ReadVector256(Ea(i), out value);
    }

    /// <summary>Reads the low <paramref name="size"/> (4 or 8) bytes of operand <paramref name="op"/>:
    /// an XMM register's low element or a scalar memory operand (no alignment requirement).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadScalarOperand(in Instruction i, int op, int size, out ulong value)
    {
        if (i.GetOpKind(op) == OpKind.Register)
        {
            value = Xmm(i.GetOpRegister(op)).AsUInt64().ToScalar() & Mask(size);
            return true;
        }
        return Read(Ea(i), size, out value);
    }

    /// <summary>Writes a 128-bit result to the XMM register operand 0: a VEX instruction zeroes bits
    /// 255:128, a legacy SSE instruction keeps them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteXmmResult(in Instruction i, Vector128<byte> value)
    {
        if (IsVex(i))
        {
            SetXmmZeroUpper(i.Op0Register, value);
        }
        else
        {
            Xmm(i.Op0Register) = value;
        }
    }

    /// <summary>Every mnemonic the integer switch does not handle: the SIMD floating-point unit
    /// (<c>Cpu.SimdFloat*.cs</c>), the SIMD integer and data-movement unit (<c>Cpu.SimdInteger*.cs</c>),
    /// the AVX2-only, BMI, MMX and SSE4.2 string unit (<c>Cpu.VectorExtra*.cs</c>), then the x87 unit
    /// (<c>Cpu.X87*.cs</c>); #UD when none knows it. A VEX instruction below level v3 (AVX not enabled
    /// in XCR0) and every EVEX, XOP or 3DNow! encoding is #UD here, before any unit sees it.</summary>
    private bool ExecExtended(in Instruction i)
    {
        EncodingKind encoding = i.Encoding;
        if (encoding != EncodingKind.Legacy && (encoding != EncodingKind.VEX || !AvxEnabled))
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        if (TryExecSimdFloat(in i, out bool ok))
        {
            return ok;
        }
        if (TryExecSimdInteger(in i, out ok))
        {
            return ok;
        }
        if (TryExecVectorExtra(in i, out ok))
        {
            return ok;
        }
        if (TryExecX87(in i, out ok))
        {
            return ok;
        }
        if (TryExecPortal(in i, out ok))
        {
            return ok;
        }
        return Exit(CpuExitKind.InvalidOpcode);
    }
}

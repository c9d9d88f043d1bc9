using System.Reflection.Emit;
using Emulator.Core.Memory;
using Iced.Intel;
using Label = System.Reflection.Emit.Label;

namespace Emulator.Core.Cpu.Translate;

/// <summary>Registers, immediates, effective addresses and the inline micro-TLB probe.</summary>
internal sealed partial class RegionEmitter
{
    private LocalBuilder _ea = null!;
    private LocalBuilder _entry = null!;   // ref MicroTlbEntry
    private LocalBuilder _host = null!;    // ref byte
    private LocalBuilder _va = null!;
    private LocalBuilder _vb = null!;
    private LocalBuilder _vr = null!;
    private LocalBuilder _vt = null!; // StoreReg's scratch only
    private LocalBuilder _vs = null!;
    private LocalBuilder _vc = null!;
    private LocalBuilder _lo = null!;
    private LocalBuilder _count = null!; // int: a shift's masked CL

    private void DeclareScratch()
    {
        _ea = _il.DeclareLocal(typeof(ulong));
        _entry = _il.DeclareLocal(Cpu.Members.EntryType.MakeByRefType());
        _host = _il.DeclareLocal(typeof(byte).MakeByRefType());
        _va = _il.DeclareLocal(typeof(ulong));
        _vb = _il.DeclareLocal(typeof(ulong));
        _vr = _il.DeclareLocal(typeof(ulong));
        _vt = _il.DeclareLocal(typeof(ulong));
        _vs = _il.DeclareLocal(typeof(ulong));
        _vc = _il.DeclareLocal(typeof(ulong));
        _lo = _il.DeclareLocal(typeof(long));
        _count = _il.DeclareLocal(typeof(int));
    }

    private static int RegSize(Register r) => r.GetSize();

    private static bool IsHighByte(Register r) => r is >= Register.AH and <= Register.BH;

    private LocalBuilder RegLocal(Register r) => _reg[GprSlot(r)]
        ?? throw new InvalidOperationException($"translator: {r} has no local at {_g.Instruction.IP:x}");

    /// <summary>Pushes general-purpose register <paramref name="r"/> at its width, zero-extended.</summary>
    private void LoadReg(Register r)
    {
        _il.Emit(OpCodes.Ldloc, RegLocal(r));
        if (IsHighByte(r))
        {
            LdcI4(8);
            _il.Emit(OpCodes.Shr_Un);
        }
        Truncate(RegSize(r));
    }

    /// <summary>Writes the ulong on the stack to <paramref name="r"/> at its width: a 32-bit write
    /// zero-extends to 64 bits, 8- and 16-bit writes keep the other bits (SDM Vol. 1 §3.4.1.1).</summary>
    private void StoreReg(Register r)
    {
        LocalBuilder local = RegLocal(r);
        int size = RegSize(r);
        if (size == 8)
        {
            _il.Emit(OpCodes.Stloc, local);
            return;
        }
        if (size == 4)
        {
            _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Conv_U8);
            _il.Emit(OpCodes.Stloc, local);
            return;
        }
        int shift = IsHighByte(r) ? 8 : 0;
        ulong mask = (size == 2 ? 0xFFFFUL : 0xFFUL) << shift;
        _il.Emit(OpCodes.Stloc, _vt);
        _il.Emit(OpCodes.Ldloc, local);
        LdcI8(~mask);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldloc, _vt);
        if (shift != 0)
        {
            LdcI4(shift);
            _il.Emit(OpCodes.Shl);
        }
        LdcI8(mask);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, local);
    }

    /// <summary>Truncates the ulong on the stack to <paramref name="size"/> bytes (zero-extended).</summary>
    private void Truncate(int size)
    {
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Conv_U1); _il.Emit(OpCodes.Conv_U8); break;
            case 2: _il.Emit(OpCodes.Conv_U2); _il.Emit(OpCodes.Conv_U8); break;
            case 4: _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Conv_U8); break;
        }
    }

    /// <summary>Sign-extends the low <paramref name="size"/> bytes of the ulong on the stack to 64 bits.</summary>
    private void SignExtend(int size)
    {
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Conv_I1); _il.Emit(OpCodes.Conv_I8); break;
            case 2: _il.Emit(OpCodes.Conv_I2); _il.Emit(OpCodes.Conv_I8); break;
            case 4: _il.Emit(OpCodes.Conv_I4); _il.Emit(OpCodes.Conv_I8); break;
        }
    }

    /// <summary>Size in bytes of operand 0 (a register or memory).</summary>
    private int Op0Size() => _g.Instruction.Op0Kind == OpKind.Register ? RegSize(_g.Instruction.Op0Register) : _g.Instruction.MemorySize.GetSize();

    /// <summary>Pushes the effective (linear) address of the memory operand, as the interpreter's
    /// <c>Ea</c>: base + index × scale + displacement (absolute for RIP-relative), truncated to 32
    /// bits with 32-bit address registers, plus the FS or GS base for those prefixes.</summary>
    private void EmitEa(bool segment = true)
    {
        ref readonly Instruction i = ref _g.Instruction;
        Register b = i.MemoryBase;
        Register x = i.MemoryIndex;
        LdcI8(i.MemoryDisplacement64);
        if (GprSlot(b) >= 0)
        {
            _il.Emit(OpCodes.Ldloc, RegLocal(b));
            _il.Emit(OpCodes.Add);
        }
        if (GprSlot(x) >= 0)
        {
            _il.Emit(OpCodes.Ldloc, RegLocal(x));
            int scale = i.MemoryIndexScale;
            if (scale > 1)
            {
                LdcI4(scale switch { 2 => 1, 4 => 2, _ => 3 });
                _il.Emit(OpCodes.Shl);
            }
            _il.Emit(OpCodes.Add);
        }
        if ((GprSlot(b) >= 0 && RegSize(b) == 4) || (GprSlot(x) >= 0 && RegSize(x) == 4) || b == Register.EIP)
        {
            _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Conv_U8);
        }
        if (segment && i.SegmentPrefix is Register.FS or Register.GS)
        {
            _il.Emit(OpCodes.Ldloc, i.SegmentPrefix == Register.FS ? _fsBase : _gsBase);
            _il.Emit(OpCodes.Add);
        }
    }

    /// <summary>
    /// Leaves in <see cref="_host"/> a reference to the host byte of the access of
    /// <paramref name="size"/> bytes at the address in <paramref name="va"/>, or exits before the
    /// instruction: when the access crosses a page, when the translation faults, or (a store) when
    /// the frame holds decoded code. The fast path is the micro-TLB entry, tag and TLB generation
    /// checked as <c>Cpu.TranslateMem</c> does, in one branch: the tag is compared with the page of
    /// the access's last byte, which differs from any tag the entry of the first byte's page can hold
    /// when the access crosses a page, so a crossing takes the miss path, which refuses it.
    /// </summary>
    /// <remarks>Few basic blocks per access matter more than IL bytes: the .NET JIT's time grows
    /// with blocks × locals, and a region is mostly memory accesses.</remarks>
    private void EmitHostRef(LocalBuilder va, int size, bool write)
    {
        Label exit = InterpretHere();
        Label miss = _il.DefineLabel();
        Label done = _il.DefineLabel();
        // ref entry = ref base[(va >> 12) & 63]
        _il.Emit(OpCodes.Ldloc, write ? _writeBase : _readBase);
        _il.Emit(OpCodes.Ldloc, va);
        LdcI4(Page.Shift);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Conv_I4);
        LdcI4(63);
        _il.Emit(OpCodes.And);
        LdcI4(Cpu.Members.EntrySize);
        _il.Emit(OpCodes.Mul);
        _il.Emit(OpCodes.Conv_I);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _entry);
        // (entry.Tag ^ ((va + size - 1) & ~mask | valid)) | (entry.Seq ^ tlb._generation): zero on a hit
        _il.Emit(OpCodes.Ldloc, _entry);
        _il.Emit(OpCodes.Ldfld, Cpu.Members.EntryTag);
        _il.Emit(OpCodes.Ldloc, va);
        if (size > 1)
        {
            LdcI8((ulong)size - 1);
            _il.Emit(OpCodes.Add);
        }
        LdcI8(~(ulong)Page.Mask);
        _il.Emit(OpCodes.And);
        LdcI8(1);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.Ldloc, _entry);
        _il.Emit(OpCodes.Ldfld, Cpu.Members.EntrySeq);
        _il.Emit(OpCodes.Ldloc, _tlb);
        _il.Emit(OpCodes.Volatile);
        _il.Emit(OpCodes.Ldfld, Cpu.Members.TlbGeneration);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Brtrue, miss);
        if (write)
        {
            // codeBits[pfn >> 6] >> (pfn & 63) & 1: a store into a frame with decoded code.
            _il.Emit(OpCodes.Ldloc, _codeBits);
            _il.Emit(OpCodes.Ldloc, _entry);
            _il.Emit(OpCodes.Ldfld, Cpu.Members.EntryPaPage);
            LdcI4(Page.Shift + 6);
            _il.Emit(OpCodes.Shr_Un);
            _il.Emit(OpCodes.Conv_Ovf_I_Un);
            _il.Emit(OpCodes.Ldelem_I8);
            _il.Emit(OpCodes.Ldloc, _entry);
            _il.Emit(OpCodes.Ldfld, Cpu.Members.EntryPaPage);
            LdcI4(Page.Shift);
            _il.Emit(OpCodes.Shr_Un);
            _il.Emit(OpCodes.Conv_I4);
            LdcI4(63);
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Shr_Un);
            LdcI8(1);
            _il.Emit(OpCodes.And);
            LdcI8(0);
            _il.Emit(OpCodes.Bne_Un, exit);
        }
        // host = ref Unsafe.Add(ref entry.Host[0], entry.HostOffset + (va & mask))
        _il.Emit(OpCodes.Ldloc, _entry);
        _il.Emit(OpCodes.Ldfld, Cpu.Members.EntryHost);
        _il.Emit(OpCodes.Call, s_byteData);
        _il.Emit(OpCodes.Ldloc, _entry);
        _il.Emit(OpCodes.Ldfld, Cpu.Members.EntryHostOffset);
        _il.Emit(OpCodes.Ldloc, va);
        _il.Emit(OpCodes.Conv_I4);
        LdcI4((int)Page.Mask);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Conv_I);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _host);
        _il.Emit(OpCodes.Br, done);

        _il.MarkLabel(miss);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, va);
        LdcI4(size);
        LdcI4(write ? 1 : 0);
        _il.Emit(OpCodes.Call, Cpu.Members.Translate);
        _il.Emit(OpCodes.Stloc, _host);
        _il.Emit(OpCodes.Ldloc, _host);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Brfalse, exit);
        _il.MarkLabel(done);
    }

    /// <summary>Pushes the <paramref name="size"/>-byte value at <see cref="_host"/>, zero-extended.</summary>
    private void LoadHost(int size)
    {
        _il.Emit(OpCodes.Ldloc, _host);
        if (size > 1)
        {
            _il.Emit(OpCodes.Unaligned, (byte)1);
        }
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Ldind_U1); _il.Emit(OpCodes.Conv_U8); break;
            case 2: _il.Emit(OpCodes.Ldind_U2); _il.Emit(OpCodes.Conv_U8); break;
            case 4: _il.Emit(OpCodes.Ldind_U4); _il.Emit(OpCodes.Conv_U8); break;
            default: _il.Emit(OpCodes.Ldind_I8); break;
        }
    }

    /// <summary>Stores the low <paramref name="size"/> bytes of <paramref name="value"/> at <see cref="_host"/>.</summary>
    private void StoreHost(int size, LocalBuilder value)
    {
        _il.Emit(OpCodes.Ldloc, _host);
        _il.Emit(OpCodes.Ldloc, value);
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Conv_U1); break;
            case 2: _il.Emit(OpCodes.Conv_U2); break;
            case 4: _il.Emit(OpCodes.Conv_U4); break;
        }
        if (size > 1)
        {
            _il.Emit(OpCodes.Unaligned, (byte)1);
        }
        switch (size)
        {
            case 1: _il.Emit(OpCodes.Stind_I1); break;
            case 2: _il.Emit(OpCodes.Stind_I2); break;
            case 4: _il.Emit(OpCodes.Stind_I4); break;
            default: _il.Emit(OpCodes.Stind_I8); break;
        }
    }

    /// <summary>Pushes operand <paramref name="n"/> as a <paramref name="size"/>-byte source,
    /// zero-extended: a register, memory (read; may exit) or an immediate (as encoded, truncated).</summary>
    private void LoadSource(int n, int size)
    {
        ref readonly Instruction i = ref _g.Instruction;
        switch (i.GetOpKind(n))
        {
            case OpKind.Register:
                LoadReg(i.GetOpRegister(n));
                return;
            case OpKind.Memory:
                EmitEa();
                _il.Emit(OpCodes.Stloc, _ea);
                EmitHostRef(_ea, size, write: false);
                LoadHost(size);
                return;
            default:
                LdcI8(i.GetImmediate(n) & Mask(size));
                return;
        }
    }

    private static ulong Mask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
}

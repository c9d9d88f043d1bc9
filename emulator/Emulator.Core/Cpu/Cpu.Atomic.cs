using System.Runtime.CompilerServices;
using Emulator.Core.Memory;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    // Locked read-modify-writes. One vCPU runs per Run call, so between vCPUs a
    // locked instruction is trivially atomic; what can race with it is another host thread touching the
    // same physical memory (a device's DMA, another vCPU's thread on a shared page, the kernel). A
    // lock-prefixed XADD or CMPXCHG (and CMPXCHG8B) on a naturally aligned 1-, 2-, 4- or 8-byte
    // operand is therefore done with one Interlocked operation on the host bytes, so such a
    // thread sees it whole. Unaligned locked operands (rare: C atomics are aligned, and doing one
    // with a host split lock is slow and may be trapped by the host kernel) and CMPXCHG16B (no 128-bit interlocked operation in .NET) are done as a plain load and
    // store: correct for this vCPU, not atomic against other host threads. Without lock, hardware
    // gives no atomicity either, and neither does this CPU. Other locked instructions (lock add,
    // lock bts, ...) are plain read-modify-writes here.

    /// <summary>XADD r/m, r (SDM Vol. 2B): TEMP = DEST + SRC; SRC = DEST; DEST = TEMP; flags as ADD.
    /// With both operands the same register, the register ends with the sum.</summary>
    private bool ExecXadd(in Instruction i)
    {
        int size = Op0Size(i);
        Register src = i.Op1Register;
        ulong b = GetReg(src);
        if (i.Op0Kind == OpKind.Register)
        {
            ulong a = GetReg(i.Op0Register);
            ulong sum = Alu(AluOp.Add, a, b, size);
            SetReg(src, a);
            SetReg(i.Op0Register, sum);
            return true;
        }
        if (!TranslateMem(Ea(i), size, write: true, out MemRef m))
        {
            return false;
        }
        ulong old;
        if (i.HasLockPrefix && IsAligned(m, size))
        {
            old = AtomicAdd(m.Pa0, size, b);
            NoteStore(m.Pa0);
        }
        else
        {
            old = Load(m, size);
            Store(m, size, (old + b) & Mask(size));
        }
        Alu(AluOp.Add, old, b, size);
        SetReg(src, old);
        return true;
    }

    /// <summary>
    /// CMPXCHG r/m, r (SDM Vol. 2A): compares the accumulator with the destination (flags as CMP);
    /// equal: destination = source; else: accumulator = destination.
    /// </summary>
    /// <remarks>
    /// A memory destination is translated for writing even when the comparison fails (hardware always
    /// does a write cycle, so a read-only page faults either way); on failure this CPU does not store
    /// the unchanged value back, so it cannot undo a concurrent writer's store. A 32-bit register
    /// destination is written (zero-extended) only on success and EAX (zero-extended) only on failure,
    /// which is what the host processor does (the table pins both).
    /// </remarks>
    private bool ExecCmpxchg(in Instruction i)
    {
        int size = Op0Size(i);
        ulong src = GetReg(i.Op1Register);
        ulong acc = _r[0] & Mask(size);
        ulong old;
        if (i.Op0Kind == OpKind.Register)
        {
            old = GetReg(i.Op0Register);
            if (old == acc)
            {
                SetReg(i.Op0Register, src);
            }
        }
        else
        {
            if (!TranslateMem(Ea(i), size, write: true, out MemRef m))
            {
                return false;
            }
            if (i.HasLockPrefix && IsAligned(m, size))
            {
                old = AtomicCompareExchange(m.Pa0, size, src, acc);
                if (old == acc)
                {
                    NoteStore(m.Pa0);
                }
            }
            else
            {
                old = Load(m, size);
                if (old == acc)
                {
                    Store(m, size, src);
                }
            }
        }
        Alu(AluOp.Cmp, acc, old, size);
        if (old != acc)
        {
            SetReg(AccumulatorOf(size), old);
        }
        return true;
    }

    /// <summary>
    /// CMPXCHG8B m64 and CMPXCHG16B m128 (SDM Vol. 2A): compares EDX:EAX (RDX:RAX) with the operand;
    /// equal: ZF = 1 and the operand = ECX:EBX (RCX:RBX); else ZF = 0 and EDX:EAX (RDX:RAX) = the
    /// operand. Only ZF changes. CMPXCHG16B on an operand that is not 16-byte aligned is #GP.
    /// </summary>
    private bool ExecCmpxchgWide(in Instruction i)
    {
        ulong ea = Ea(i);
        if (i.Mnemonic == Mnemonic.Cmpxchg8b)
        {
            if (!TranslateMem(ea, 8, write: true, out MemRef m))
            {
                return false;
            }
            ulong expected = ((ulong)(uint)_r[2] << 32) | (uint)_r[0];
            ulong desired = ((ulong)(uint)_r[1] << 32) | (uint)_r[3];
            ulong old;
            if (i.HasLockPrefix && IsAligned(m, 8))
            {
                old = AtomicCompareExchange(m.Pa0, 8, desired, expected);
                if (old == expected)
                {
                    NoteStore(m.Pa0);
                }
            }
            else
            {
                old = Load(m, 8);
                if (old == expected)
                {
                    Store(m, 8, desired);
                }
            }
            SetFlags(ZF, old == expected ? ZF : 0);
            if (old != expected)
            {
                _r[0] = (uint)old;
                _r[2] = old >> 32;
            }
            return true;
        }
        if (_options.Level < CpuLevel.V2)
        {
            // CMPXCHG16B is CPUID.01H:ECX.CX16, part of x86-64-v2; #UD precedes the alignment #GP.
            return Exit(CpuExitKind.InvalidOpcode);
        }
        if ((ea & 15) != 0)
        {
            return Exit(CpuExitKind.GeneralProtection, ea);
        }
        // 16-byte aligned, so both halves are on one page.
        if (!TranslateMem(ea, 16, write: true, out MemRef w))
        {
            return false;
        }
        var lo = new MemRef(w.Pa0, 0, 8);
        var hi = new MemRef(w.Pa0 + 8, 0, 8);
        ulong oldLo = Load(lo, 8), oldHi = Load(hi, 8);
        bool equal = oldLo == _r[0] && oldHi == _r[2];
        if (equal)
        {
            Store(lo, 8, _r[3]);
            Store(hi, 8, _r[1]);
        }
        else
        {
            _r[0] = oldLo;
            _r[2] = oldHi;
        }
        SetFlags(ZF, equal ? ZF : 0);
        return true;
    }

    /// <summary>True when a translated access is naturally aligned (and so on one page).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsAligned(in MemRef m, int size) => m.Split == size && (m.Pa0 & (ulong)(size - 1)) == 0;

    /// <summary>Drops decoded code of the frame of <paramref name="pa"/> after a store that bypassed
    /// <see cref="Store"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void NoteStore(ulong pa)
    {
        ulong pfn = pa >> Page.Shift;
        if ((_codeBits[pfn >> 6] & (1UL << (int)pfn)) != 0)
        {
            DropCodePage(pfn);
        }
    }

    /// <summary>Atomic compare-and-exchange on naturally aligned host bytes; returns the old value.</summary>
    private ulong AtomicCompareExchange(ulong pa, int size, ulong value, ulong comparand)
    {
        ref byte b = ref HostByte(pa);
        return size switch
        {
            1 => Interlocked.CompareExchange(ref b, (byte)value, (byte)comparand),
            2 => Interlocked.CompareExchange(ref Unsafe.As<byte, ushort>(ref b), (ushort)value, (ushort)comparand),
            4 => Interlocked.CompareExchange(ref Unsafe.As<byte, uint>(ref b), (uint)value, (uint)comparand),
            _ => Interlocked.CompareExchange(ref Unsafe.As<byte, ulong>(ref b), value, comparand),
        };
    }

    /// <summary>Atomic fetch-and-add on naturally aligned host bytes; returns the old value.</summary>
    private ulong AtomicAdd(ulong pa, int size, ulong addend)
    {
        ref byte b = ref HostByte(pa);
        switch (size)
        {
            case 4:
                return Interlocked.Add(ref Unsafe.As<byte, uint>(ref b), (uint)addend) - (uint)addend;
            case 8:
                return Interlocked.Add(ref Unsafe.As<byte, ulong>(ref b), addend) - addend;
            default:
                // No 8/16-bit interlocked add in .NET: a compare-exchange loop.
                ulong mask = Mask(size);
                while (true)
                {
                    ulong old = size == 1 ? Volatile.Read(ref b) : Volatile.Read(ref Unsafe.As<byte, ushort>(ref b));
                    if (AtomicCompareExchange(pa, size, (old + addend) & mask, old) == old)
                    {
                        return old;
                    }
                }
        }
    }
}

using System.Diagnostics;
using Emulator.Core.Diagnostics;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Core.Smmu;

/// <summary>The register file: MMIO decode, reset values, read-only and guarded registers.</summary>
/// <remarks>
/// <para>SMMUv3 §6.2 (register map), §6.3 (formats). 64-bit registers accept one 8-byte access or two
/// 4-byte accesses to their halves; an 8-byte access to a pair of 32-bit registers is split into two
/// 4-byte accesses, low first. Offsets the model does not implement are RAZ/WI (logged as unimplemented).</para>
/// <para>Reset values: the architecture leaves most of them UNKNOWN; this model resets them to 0,
/// except GBPA, which resets with ABORT set so that traffic before the driver runs fails loudly.</para>
/// </remarks>
public sealed partial class SmmuDevice
{
    /// <summary>IDR0.HTTU (bits 7:6) = 0b10: Access flag and dirty state updated by hardware — the
    /// x86 walker always sets A and D, so the model advertises it.</summary>
    private const uint Idr0HttuAccessDirty = 2u << 6;

    /// <summary>AIDR: ArchMajorRev 0, ArchMinorRev 2 — SMMUv3.2 (range TLBI fields accepted, §4.4.1.1).</summary>
    private const uint AidrV3_2 = 0x2;

    /// <summary>CR1: table and queue cacheability/shareability fields, bits 11:0.</summary>
    private const uint Cr1Mask = 0xFFF;

    /// <summary>CR2: E2H, RECINVSID, PTM.</summary>
    private const uint Cr2Mask = R.Cr2E2H | R.Cr2RecInvSid | R.Cr2Ptm;

    /// <summary>IRQ_CTRL: GERROR_IRQEN, PRIQ_IRQEN, EVENTQ_IRQEN.</summary>
    private const uint IrqCtrlMask = R.IrqCtrlGErrorIrqEn | R.IrqCtrlPriqIrqEn | R.IrqCtrlEventqIrqEn;

    /// <summary>GBPA fields below UPDATE: ABORT 20, INSTCFG 19:18, PRIVCFG 17:16, SHCFG 13:12, ALLOCCFG 11:8, MTCFG 4, MEMATTR 3:0.</summary>
    private const uint GbpaMask = 0x001F_3F1F;

    /// <summary>*_IRQ_CFG0.ADDR, bits 51:2.</summary>
    private const ulong IrqCfgAddrMask = 0x000F_FFFF_FFFF_FFFCUL;

    private const ulong QueueBaseMask = QueueBase.AddressMask | QueueBase.AllocateHint | 0x1F;

    // The register file. Every field is guarded by _lock.
    private uint _rCr0;
    private uint _rCr1;
    private uint _rCr2;
    private uint _rGbpa;
    private uint _rIrqCtrl;
    private uint _rGError;
    private uint _rGErrorN;
    private ulong _rGErrorIrqCfg0;
    private uint _rGErrorIrqCfg1;
    private uint _rGErrorIrqCfg2;
    private ulong _rStrtabBase;
    private uint _rStrtabBaseCfg;
    private ulong _rCmdqBase;
    private uint _rCmdqProd;
    private uint _rCmdqCons;
    private ulong _rEventqBase;
    private uint _rEventqProd;
    private uint _rEventqCons;
    private ulong _rEventqIrqCfg0;
    private uint _rEventqIrqCfg1;
    private uint _rEventqIrqCfg2;
    private ulong _rPriqBase;
    private uint _rPriqProd;
    private uint _rPriqCons;
    private ulong _rPriqIrqCfg0;
    private uint _rPriqIrqCfg1;
    private uint _rPriqIrqCfg2;

    /// <summary>What a register write asks the device to do once <see cref="_lock"/> is released.</summary>
    [Flags]
    private enum AfterWrite : byte
    {
        None = 0,
        RunCommandQueue = 1,
        SignalGError = 2,
    }

    /// <summary>CR0ACK: the model applies a CR0 write at once, so the acknowledgement mirrors CR0.</summary>
    private Cr0 Cr0Ack
    {
        get
        {
            Debug.Assert(_lock.IsHeldByCurrentThread);
            return new Cr0(_rCr0);
        }
    }

    private void Reset()
    {
        lock (_lock)
        {
            _rCr0 = _rCr1 = _rCr2 = _rIrqCtrl = _rGError = _rGErrorN = 0;
            _rGbpa = R.GbpaAbort;
            _rStrtabBase = 0;
            _rStrtabBaseCfg = 0;
            _rCmdqBase = _rEventqBase = _rPriqBase = 0;
            _rCmdqProd = _rCmdqCons = _rEventqProd = _rEventqCons = _rPriqProd = _rPriqCons = 0;
        }
    }

    /// <inheritdoc/>
    public bool TryRead(ulong offset, int size, out ulong value)
    {
        value = 0;
        if ((size != 4 && size != 8) || offset > R.WindowSize - (ulong)size || (offset & (ulong)(size - 1)) != 0)
        {
            return false;
        }
        int off = (int)offset;
        if (size == 4 && TryReadPolledRegister(off, out uint polled))
        {
            value = polled;
            return true;
        }
        lock (_lock)
        {
            if (size == 8)
            {
                value = Is64BitRegister(off) ? Read64Locked(off) : Read32Locked(off) | ((ulong)Read32Locked(off + 4) << 32);
            }
            else
            {
                value = Is64BitRegister(off) ? (uint)Read64Locked(off)
                    : Is64BitRegister(off - 4) ? (uint)(Read64Locked(off - 4) >> 32)
                    : Read32Locked(off);
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public bool TryWrite(ulong offset, int size, ulong value)
    {
        if ((size != 4 && size != 8) || offset > R.WindowSize - (ulong)size || (offset & (ulong)(size - 1)) != 0)
        {
            return false;
        }
        int off = (int)offset;
        AfterWrite after;
        lock (_lock)
        {
            if (size == 8)
            {
                after = Is64BitRegister(off)
                    ? Write64Locked(off, value)
                    : Write32Locked(off, (uint)value) | Write32Locked(off + 4, (uint)(value >> 32));
            }
            else if (Is64BitRegister(off))
            {
                after = Write64Locked(off, (Read64Locked(off) & 0xFFFF_FFFF_0000_0000UL) | (uint)value);
            }
            else if (Is64BitRegister(off - 4))
            {
                after = Write64Locked(off - 4, (Read64Locked(off - 4) & 0xFFFF_FFFFUL) | (value << 32));
            }
            else
            {
                after = Write32Locked(off, (uint)value);
            }
        }
        if ((after & AfterWrite.SignalGError) != 0)
        {
            SignalGError();
        }
        if ((after & AfterWrite.RunCommandQueue) != 0)
        {
            RunCommandQueue();
        }
        return true;
    }

    /// <summary>
    /// The registers a driver polls while it waits for a CMD_SYNC (CMDQ_CONS, GERROR, GERRORN), read
    /// without <see cref="_lock"/>: each is one field that every writer stores whole, once per critical
    /// section, so one atomic load returns a value the register held at that instant — what a read under
    /// the lock returns. Saves a lock round trip per poll on the synchronous invalidation path.
    /// </summary>
    private bool TryReadPolledRegister(int off, out uint value)
    {
        switch (off)
        {
            case R.CmdqCons:
                value = Volatile.Read(ref _rCmdqCons);
                return true;
            case R.GError:
                value = Volatile.Read(ref _rGError);
                return true;
            case R.GErrorN:
                value = Volatile.Read(ref _rGErrorN);
                return true;
            default:
                value = 0;
                return false;
        }
    }

    private static bool Is64BitRegister(int off) => off is R.StrtabBase or R.CmdqBase or R.EventqBase or R.PriqBase
        or R.GErrorIrqCfg0 or R.EventqIrqCfg0 or R.PriqIrqCfg0;

    private ulong Read64Locked(int off) => off switch
    {
        R.StrtabBase => _rStrtabBase,
        R.CmdqBase => _rCmdqBase,
        R.EventqBase => _rEventqBase,
        R.PriqBase => _rPriqBase,
        R.GErrorIrqCfg0 => _rGErrorIrqCfg0,
        R.EventqIrqCfg0 => _rEventqIrqCfg0,
        R.PriqIrqCfg0 => _rPriqIrqCfg0,
        _ => throw new UnreachableException($"not a 64-bit register: {off:x}"),
    };

    private uint Read32Locked(int off)
    {
        switch (off)
        {
            case R.Idr0: return _idr0.Raw;
            case R.Idr1: return _idr1.Raw;
            case R.Idr2: case R.Idr3: case R.Idr4: case R.Iidr: case R.Statusr: return 0;
            case R.Idr5: return _idr5.Raw;
            case R.Aidr: return AidrV3_2;
            case R.Cr0: return _rCr0;
            case R.Cr0Ack: return Cr0Ack.Raw;
            case R.Cr1: return _rCr1;
            case R.Cr2: return _rCr2;
            case R.Gbpa: case R.Agbpa: return off == R.Gbpa ? _rGbpa : 0;
            case R.IrqCtrl: case R.IrqCtrlAck: return _rIrqCtrl;
            case R.GError: return _rGError;
            case R.GErrorN: return _rGErrorN;
            case R.GErrorIrqCfg1: return _rGErrorIrqCfg1;
            case R.GErrorIrqCfg2: return _rGErrorIrqCfg2;
            case R.StrtabBaseCfg: return _rStrtabBaseCfg;
            case R.CmdqProd: return _rCmdqProd;
            case R.CmdqCons: return _rCmdqCons;
            case R.EventqIrqCfg1: return _rEventqIrqCfg1;
            case R.EventqIrqCfg2: return _rEventqIrqCfg2;
            case R.PriqIrqCfg1: return _rPriqIrqCfg1;
            case R.PriqIrqCfg2: return _rPriqIrqCfg2;
            case R.EventqProd: return _rEventqProd;
            case R.EventqCons: return _rEventqCons;
            case R.PriqProd: return _rPriqProd;
            case R.PriqCons: return _rPriqCons;
            default:
                Log.Unimplemented.Debug("smmu: read of unimplemented register {0:x} (RAZ)", off);
                return 0;
        }
    }

    private AfterWrite Write64Locked(int off, ulong value)
    {
        Cr0 cr0 = Cr0Ack;
        switch (off)
        {
            case R.StrtabBase:
                if (GuardedBy(!cr0.SmmuEnabled, off))
                {
                    _rStrtabBase = value & (StrtabBase.AddressMask | StrtabBase.ReadAllocate);
                }
                break;
            case R.CmdqBase:
                if (GuardedBy(!cr0.CmdqEnabled, off))
                {
                    _rCmdqBase = value & QueueBaseMask;
                }
                break;
            case R.EventqBase:
                if (GuardedBy(!cr0.EventqEnabled, off))
                {
                    _rEventqBase = value & QueueBaseMask;
                }
                break;
            case R.PriqBase:
                if (GuardedBy(!cr0.PriqEnabled, off))
                {
                    _rPriqBase = value & QueueBaseMask;
                }
                break;
            case R.GErrorIrqCfg0: _rGErrorIrqCfg0 = value & IrqCfgAddrMask; break;
            case R.EventqIrqCfg0: _rEventqIrqCfg0 = value & IrqCfgAddrMask; break;
            case R.PriqIrqCfg0: _rPriqIrqCfg0 = value & IrqCfgAddrMask; break;
            default: throw new UnreachableException($"not a 64-bit register: {off:x}");
        }
        return AfterWrite.None;
    }

    private AfterWrite Write32Locked(int off, uint value)
    {
        Cr0 cr0 = Cr0Ack;
        switch (off)
        {
            case R.Cr0:
                _rCr0 = value & Cr0.ImplementedMask;
                return new Cr0(_rCr0).CmdqEnabled ? AfterWrite.RunCommandQueue : AfterWrite.None;
            case R.Cr1: _rCr1 = value & Cr1Mask; break;
            case R.Cr2: _rCr2 = value & Cr2Mask; break;
            case R.Gbpa:
                // §6.3.14: software writes the new fields with UPDATE = 1; the model applies them at once
                // and clears UPDATE, which is what software polls for.
                if ((value & R.GbpaUpdate) != 0)
                {
                    _rGbpa = value & GbpaMask;
                }
                break;
            case R.IrqCtrl: _rIrqCtrl = value & IrqCtrlMask; break;
            case R.GErrorN:
            {
                bool cmdqErrWasActive = CmdqErrorActiveLocked;
                _rGErrorN = value & GError.ErrorMask;
                // §7.1: acknowledging CMDQ_ERR restarts consumption at CMDQ_CONS (Linux
                // arm_smmu_cmdq_skip_err has replaced the faulting command with CMD_SYNC by then).
                return cmdqErrWasActive && !CmdqErrorActiveLocked ? AfterWrite.RunCommandQueue : AfterWrite.None;
            }
            case R.GErrorIrqCfg1: _rGErrorIrqCfg1 = value; break;
            case R.GErrorIrqCfg2: _rGErrorIrqCfg2 = value & 0x3F; break;
            case R.StrtabBaseCfg:
                if (GuardedBy(!cr0.SmmuEnabled, off))
                {
                    _rStrtabBaseCfg = value & 0x0003_07FF;
                }
                break;
            case R.CmdqProd:
                _rCmdqProd = value & QueuePointerMask;
                return AfterWrite.RunCommandQueue;
            case R.CmdqCons:
                if (GuardedBy(!cr0.CmdqEnabled, off))
                {
                    _rCmdqCons = value & QueuePointerMask;
                }
                break;
            case R.EventqProd:
                if (GuardedBy(!cr0.EventqEnabled, off))
                {
                    _rEventqProd = value & (QueuePointerMask | QueuePointer.OverflowFlag);
                }
                break;
            case R.EventqCons: _rEventqCons = value & (QueuePointerMask | QueuePointer.OverflowFlag); break;
            case R.PriqProd:
                if (GuardedBy(!cr0.PriqEnabled, off))
                {
                    _rPriqProd = value & (QueuePointerMask | QueuePointer.OverflowFlag);
                }
                break;
            case R.PriqCons: _rPriqCons = value & (QueuePointerMask | QueuePointer.OverflowFlag); break;
            case R.EventqIrqCfg1: _rEventqIrqCfg1 = value; break;
            case R.EventqIrqCfg2: _rEventqIrqCfg2 = value & 0x3F; break;
            case R.PriqIrqCfg1: _rPriqIrqCfg1 = value; break;
            case R.PriqIrqCfg2: _rPriqIrqCfg2 = value & 0x8000_003F; break;
            case R.Idr0: case R.Idr1: case R.Idr2: case R.Idr3: case R.Idr4: case R.Idr5: case R.Iidr: case R.Aidr:
            case R.Cr0Ack: case R.IrqCtrlAck: case R.GError: case R.Statusr: case R.Agbpa:
                Log.GuestError.Debug("smmu: write {0:x} to read-only register {1:x} ignored", value, off);
                break;
            default:
                Log.Unimplemented.Debug("smmu: write {0:x} to unimplemented register {1:x} ignored", value, off);
                break;
        }
        return AfterWrite.None;
    }

    /// <summary>Index and wrap bits of a PROD/CONS register (RD/WR 19:0).</summary>
    private const uint QueuePointerMask = (1u << (QueuePointer.MaxLog2Size + 1)) - 1;

    private bool CmdqErrorActiveLocked
    {
        get
        {
            Debug.Assert(_lock.IsHeldByCurrentThread);
            return (GError.Active(new GError(_rGError), new GError(_rGErrorN)) & GError.CmdqErr) != 0;
        }
    }

    /// <summary>A register that is read-only while the unit it configures is enabled: the write is a
    /// guest error and is ignored (the architecture makes it CONSTRAINED UNPREDICTABLE).</summary>
    private static bool GuardedBy(bool writable, int off)
    {
        if (!writable)
        {
            Log.GuestError.Debug("smmu: write to register {0:x} while its unit is enabled ignored", off);
        }
        return writable;
    }
}

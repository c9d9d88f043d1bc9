using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Core.Iommu;

/// <summary>Probe and reset: Linux <c>arm_smmu_device_hw_probe</c> + <c>arm_smmu_init_structures</c> +
/// <c>arm_smmu_device_reset</c>.</summary>
public sealed partial class SmmuDriver
{
    /// <summary>CR1: tables and queues Inner Shareable, Write-Back (Linux: <c>CR1_{TABLE,QUEUE}_{SH,OC,IC}</c>
    /// = ISH, WB, WB).</summary>
    private const uint Cr1Value = (3u << 10) | (1u << 8) | (1u << 6) | (3u << 4) | (1u << 2) | 1u;

    private Idr0 _idr0;
    private Idr1 _idr1;
    private ulong _strtabPa;
    private ulong _cmdqPa;
    private ulong _eventqPa;
    private ulong _priqPa;
    private int _cmdqLog2;
    private int _eventqLog2;
    private int _priqLog2;

    /// <summary>StreamID bits the stream table covers (STRTAB_BASE_CFG.LOG2SIZE).</summary>
    private int _sidBits;

    /// <summary>The largest SubstreamID width a CD table can have: IDR1.SSIDSIZE, or at most 10 bits (one linear
    /// table, Linux <c>CTXDESC_LINEAR_CDMAX</c>) when the SMMU lacks 2-level CD tables (IDR0.CD2L).</summary>
    private int _maxSsidBits;

    /// <summary>StreamID bits the stream table covers; AttachDevice refuses larger StreamIDs.</summary>
    public int SidBits => _sidBits;

    /// <summary>The largest SubstreamID (PASID) width a device gets (20 on an SMMU with SSIDSIZE 20 and CD2L).</summary>
    public int MaxSsidBits => _maxSsidBits;

    /// <summary>
    /// Allocates the stream table (2-level) and the command, event and PRI queues in RAM, programs their
    /// base registers, enables the queues and the SMMU with CR0/CR0ACK handshakes, invalidates any cached
    /// configuration and TLB entries (CMD_CFGI_ALL, CMD_TLBI_NSNH_ALL, each with CMD_SYNC) and installs the
    /// driver's PRIQ and GERROR interrupt handlers — in the order of Linux <c>arm_smmu_device_reset</c>.
    /// </summary>
    /// <returns><see cref="Errno.Ok"/>; <see cref="Errno.EBUSY"/> when already initialised;
    /// <see cref="Errno.ENODEV"/> when the SMMU lacks stage 1, AArch64 tables or a 2-level stream table;
    /// <see cref="Errno.ENOMEM"/> when frames run out (nothing stays allocated);
    /// <see cref="Errno.ETIMEDOUT"/> when a CR0 or IRQ_CTRL write is not acknowledged or a CMD_SYNC does not complete.</returns>
    public Errno Init()
    {
        lock (_lock)
        {
            if (_initialized)
            {
                return Errno.EBUSY;
            }
            Errno err = Probe();
            if (err != Errno.Ok)
            {
                return err;
            }
            err = AllocateStructures();
            if (err != Errno.Ok)
            {
                return err;
            }
            err = Reset();
            if (err != Errno.Ok)
            {
                return err;
            }
            _initialized = true;
        }
        s_log.Info("SMMU at {0:x} enabled: {1}-bit SIDs, {2}-bit SSIDs, ats={3} pri={4}", _base, _sidBits, _maxSsidBits, _idr0.Ats, _idr0.Pri);
        return Errno.Ok;
    }

    /// <summary>Linux <c>arm_smmu_device_hw_probe</c>: what the ID registers allow.</summary>
    private Errno Probe()
    {
        _idr0 = new Idr0(Read32(R.Idr0));
        _idr1 = new Idr1(Read32(R.Idr1));
        if (!_idr0.Stage1 || (_idr0.Ttf & Idr0.TtfAArch64) == 0)
        {
            s_log.Error("SMMU without AArch64 stage 1 translation: {0}", _idr0);
            return Errno.ENODEV;
        }
        if (_idr0.StLevel != Idr0.StLevelTwoLevel)
        {
            s_log.Error("SMMU without a 2-level stream table: {0}", _idr0);
            return Errno.ENODEV;
        }
        _cmdqLog2 = Math.Min(_options.CmdqLog2Size, _idr1.CmdqLog2Size);
        _eventqLog2 = Math.Min(_options.EventqLog2Size, _idr1.EventqLog2Size);
        _priqLog2 = Math.Min(_options.PriqLog2Size, _idr1.PriqLog2Size);
        _sidBits = Math.Min(_idr1.SidSize, _options.StrtabSplit + _options.StrtabL1Log2Entries);
        if (_sidBits < _idr1.SidSize)
        {
            s_log.Warn("2-level strtab only covers {0}/{1} bits of SID", _sidBits, _idr1.SidSize);
        }
        _maxSsidBits = _idr0.Cd2L ? _idr1.SsidSize : Math.Min(_idr1.SsidSize, CdLinearMaxBits);
        _cmdqProd = new QueuePointer(0, _cmdqLog2);
        _eventqCons = new QueuePointer(0, _eventqLog2);
        _priqCons = new QueuePointer(0, _priqLog2);
        _strtabL2 = new ulong[1 << (_sidBits > _options.StrtabSplit ? _sidBits - _options.StrtabSplit : 0)];
        return Errno.Ok;
    }

    /// <summary>Linux <c>arm_smmu_init_structures</c>: each queue and the L1 stream table in contiguous,
    /// size-aligned memory (the SMMU aligns queue bases and STRTAB_BASE down to the size).</summary>
    private Errno AllocateStructures()
    {
        if (!TryAllocateTable(CmdqBytes, out _cmdqPa) || !TryAllocateTable(EventqBytes, out _eventqPa)
            || (_idr0.Pri && !TryAllocateTable(PriqBytes, out _priqPa)) || !TryAllocateTable(StrtabL1Bytes, out _strtabPa))
        {
            FreeTable(_cmdqPa, CmdqBytes);
            FreeTable(_eventqPa, EventqBytes);
            FreeTable(_priqPa, PriqBytes);
            FreeTable(_strtabPa, StrtabL1Bytes);
            _cmdqPa = _eventqPa = _priqPa = _strtabPa = 0;
            return Errno.ENOMEM;
        }
        return Errno.Ok;
    }

    private ulong CmdqBytes => (ulong)Command.Size << _cmdqLog2;
    private ulong EventqBytes => (ulong)EventRecord.Size << _eventqLog2;
    private ulong PriqBytes => (ulong)PriRequest.Size << _priqLog2;
    private ulong StrtabL1Bytes => (ulong)_strtabL2.Length * StreamTableDescriptor.Size;

    /// <summary>Linux <c>arm_smmu_device_reset</c>, register by register.</summary>
    private Errno Reset()
    {
        // Disable everything first (a previous owner may have left the SMMU enabled).
        Errno err = WriteRegSync(R.Cr0, R.Cr0Ack, 0);
        if (err != Errno.Ok)
        {
            return err;
        }
        Write32(R.Cr1, Cr1Value);
        Write32(R.Cr2, R.Cr2Ptm | R.Cr2RecInvSid);

        Write64(R.StrtabBase, StrtabBase.Create(_strtabPa, readAllocate: true).Raw);
        Write32(R.StrtabBaseCfg, StrtabBaseCfg.Create(StreamTableFormat.TwoLevel, _options.StrtabSplit, _sidBits).Raw);

        Write64(R.CmdqBase, QueueBase.Create(_cmdqPa, _cmdqLog2, allocate: true).Raw);
        Write32(R.CmdqProd, 0);
        Write32(R.CmdqCons, 0);
        uint enables = Cr0.CmdqEnBit;
        if ((err = WriteRegSync(R.Cr0, R.Cr0Ack, enables)) != Errno.Ok)
        {
            return err;
        }

        // The device's GERROR handler must be in place before the first command can fail.
        _device.GErrorInterrupt = OnGlobalErrorInterrupt;
        err = IssueCommands([Command.CfgiAll()], sync: true, deferrable: false);
        if (err == Errno.Ok)
        {
            err = IssueCommands([Command.TlbiNsnhAll()], sync: true, deferrable: false);
        }
        if (err != Errno.Ok)
        {
            return err;
        }

        Write64(R.EventqBase, QueueBase.Create(_eventqPa, _eventqLog2, allocate: true).Raw);
        Write32(R.EventqProd, 0);
        Write32(R.EventqCons, 0);
        enables |= Cr0.EventqEnBit;
        if ((err = WriteRegSync(R.Cr0, R.Cr0Ack, enables)) != Errno.Ok)
        {
            return err;
        }

        if (_idr0.Pri)
        {
            Write64(R.PriqBase, QueueBase.Create(_priqPa, _priqLog2, allocate: true).Raw);
            Write32(R.PriqProd, 0);
            Write32(R.PriqCons, 0);
            enables |= Cr0.PriqEnBit;
            if ((err = WriteRegSync(R.Cr0, R.Cr0Ack, enables)) != Errno.Ok)
            {
                return err;
            }
        }

        if (_idr0.Ats)
        {
            enables |= Cr0.AtsChkBit;
            if ((err = WriteRegSync(R.Cr0, R.Cr0Ack, enables)) != Errno.Ok)
            {
                return err;
            }
        }

        // arm_smmu_setup_irqs: disable, install handlers, enable.
        if ((err = WriteRegSync(R.IrqCtrl, R.IrqCtrlAck, 0)) != Errno.Ok)
        {
            return err;
        }
        _device.PriInterrupt = OnPriInterrupt;
        uint irqs = R.IrqCtrlGErrorIrqEn | R.IrqCtrlEventqIrqEn | (_idr0.Pri ? R.IrqCtrlPriqIrqEn : 0);
        if ((err = WriteRegSync(R.IrqCtrl, R.IrqCtrlAck, irqs)) != Errno.Ok)
        {
            return err;
        }

        enables |= Cr0.SmmuEnBit;
        return WriteRegSync(R.Cr0, R.Cr0Ack, enables);
    }
}

using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Smmu;

/// <summary>
/// A machine with an SMMU and a minimal driver: it programs the device the way Linux
/// <c>arm_smmu_device_reset</c> does — tables and queues in RAM from the frame allocator, registers
/// through <see cref="PhysicalMemory"/> MMIO — and submits commands at its own copy of CMDQ_PROD.
/// </summary>
internal sealed class SmmuRig
{
    public const int CmdqLog2 = 8;      // 256 × 16 B = one frame
    public const int EventqLog2 = 7;    // 128 × 32 B = one frame
    public const int PriqLog2 = 8;      // 256 × 16 B = one frame
    public const int StrtabLog2 = 6;    // 64 STEs × 64 B = one frame
    public const uint Sid = 3;
    public const ushort Asid = 7;
    public const int CdMaxLog2 = 6;     // 64 CDs × 64 B = one frame

    public SmmuRig(SmmuOptions? options = null, bool enable = true, ulong ramSize = 64UL << 20)
    {
        Machine = new Machine(new MachineOptions { RamSize = ramSize });
        Backend = new RecordingAtcBackend();
        Smmu = new SmmuDevice(Machine.Memory, Machine.Frames, Backend, options ?? new SmmuOptions());
        Base = Smmu.Options.MmioBase;
        CmdqPa = AllocFrame();
        EventqPa = AllocFrame();
        PriqPa = AllocFrame();
        StrtabPa = AllocFrame();
        CdTablePa = AllocFrame();
        if (enable)
        {
            Enable();
        }
    }

    public Machine Machine { get; }
    public PhysicalMemory Memory => Machine.Memory;
    public FrameAllocator Frames => Machine.Frames;
    public RecordingAtcBackend Backend { get; }
    public SmmuDevice Smmu { get; }
    public ulong Base { get; }
    public ulong CmdqPa { get; }
    public ulong EventqPa { get; }
    public ulong PriqPa { get; }
    public ulong StrtabPa { get; }
    public ulong CdTablePa { get; }

    /// <summary>The driver's copy of CMDQ_PROD.</summary>
    public QueuePointer CmdqProd { get; private set; } = new(0, CmdqLog2);

    /// <summary>The driver's copy of EVENTQ_CONS.</summary>
    public QueuePointer EventqCons { get; private set; } = new(0, EventqLog2);

    public ulong AllocFrame()
    {
        Assert.True(Frames.TryAllocate(out ulong pfn));
        return pfn << Page.Shift;
    }

    public uint Read32(int offset)
    {
        Assert.True(Memory.TryReadU32(Base + (ulong)offset, out uint v));
        return v;
    }

    public ulong Read64(int offset)
    {
        Assert.True(Memory.TryReadU64(Base + (ulong)offset, out ulong v));
        return v;
    }

    public void Write32(int offset, uint value) => Assert.True(Memory.TryWriteU32(Base + (ulong)offset, value));

    public void Write64(int offset, ulong value) => Assert.True(Memory.TryWriteU64(Base + (ulong)offset, value));

    /// <summary>Linux's order: queues and stream table first, CR2, IRQ_CTRL, then the enables.</summary>
    public void Enable(int cmdqLog2 = CmdqLog2, int eventqLog2 = EventqLog2, int priqLog2 = PriqLog2,
        ulong? cmdqPa = null, ulong? eventqPa = null, ulong? priqPa = null, uint cr0 = Cr0.SmmuEnBit | Cr0.CmdqEnBit | Cr0.EventqEnBit | Cr0.PriqEnBit)
    {
        Write32(R.Cr0, 0);
        Write64(R.CmdqBase, QueueBase.Create(cmdqPa ?? CmdqPa, cmdqLog2).Raw);
        Write32(R.CmdqProd, 0);
        Write32(R.CmdqCons, 0);
        CmdqProd = new QueuePointer(0, cmdqLog2);
        Write64(R.EventqBase, QueueBase.Create(eventqPa ?? EventqPa, eventqLog2).Raw);
        Write32(R.EventqProd, 0);
        Write32(R.EventqCons, 0);
        EventqCons = new QueuePointer(0, eventqLog2);
        Write64(R.PriqBase, QueueBase.Create(priqPa ?? PriqPa, priqLog2).Raw);
        Write32(R.PriqProd, 0);
        Write32(R.PriqCons, 0);
        Write64(R.StrtabBase, StrtabBase.Create(StrtabPa).Raw);
        Write32(R.StrtabBaseCfg, StrtabBaseCfg.Create(StreamTableFormat.Linear, 0, StrtabLog2).Raw);
        Write32(R.Cr2, R.Cr2RecInvSid);
        Write32(R.IrqCtrl, R.IrqCtrlGErrorIrqEn | R.IrqCtrlEventqIrqEn | R.IrqCtrlPriqIrqEn);
        Write32(R.Cr0, cr0);
    }

    /// <summary>Writes commands at PROD and rings the doorbell once.</summary>
    public void Submit(params Command[] commands)
    {
        Span<byte> raw = stackalloc byte[Command.Size];
        var qbase = new QueueBase(Read64(R.CmdqBase));
        foreach (var c in commands)
        {
            c.WriteTo(raw);
            Assert.True(Memory.TryWrite(qbase.Address + CmdqProd.Index * (ulong)Command.Size, raw));
            CmdqProd = CmdqProd.Advance();
        }
        Write32(R.CmdqProd, CmdqProd.Raw);
    }

    /// <summary>Overwrites the command at queue index <paramref name="index"/> (Linux skip_err).</summary>
    public void OverwriteCommand(uint index, Command command)
    {
        Span<byte> raw = stackalloc byte[Command.Size];
        command.WriteTo(raw);
        Assert.True(Memory.TryWrite(CmdqPa + index * (ulong)Command.Size, raw));
    }

    public QueuePointer CmdqCons => new(Read32(R.CmdqCons), CmdqProd.Log2Size);

    public uint ActiveGErrors => GError.Active(new GError(Read32(R.GError)), new GError(Read32(R.GErrorN)));

    public void WriteSte(uint sid, StreamTableEntry ste, ulong? tablePa = null)
    {
        Span<byte> raw = stackalloc byte[StreamTableEntry.Size];
        ste.WriteTo(raw);
        Assert.True(Memory.TryWrite((tablePa ?? StrtabPa) + sid * (ulong)StreamTableEntry.Size, raw));
    }

    public void WriteCd(uint index, ContextDescriptor cd, ulong? tablePa = null)
    {
        Span<byte> raw = stackalloc byte[ContextDescriptor.Size];
        cd.WriteTo(raw);
        Assert.True(Memory.TryWrite((tablePa ?? CdTablePa) + index * (ulong)ContextDescriptor.Size, raw));
    }

    /// <summary>The usual SVA stream: linear table of 2^<see cref="CdMaxLog2"/> CDs, ATS enabled.</summary>
    public static StreamTableEntry SvaSte(ulong cdTablePa, int cdMax = CdMaxLog2, CdTableFormat fmt = CdTableFormat.Linear, AtsMode eats = AtsMode.Translate) =>
        StreamTableEntry.S1Translate(cdTablePa, cdMax, fmt, DefaultSubstream.Substream0, eats);

    /// <summary>A process with <paramref name="pages"/> touched rw pages, bound as <paramref name="pasid"/> on <see cref="Sid"/>.</summary>
    public (AddressSpace Mm, ulong Va) BindProcess(uint pasid, int pages = 4)
    {
        Assert.Equal(Errno.Ok, Machine.CreateAddressSpace(out var mm));
        ulong va = Support.TestMachines.MapTouched(mm!, pages);
        WriteSte(Sid, SvaSte(CdTablePa));
        WriteCd(pasid, ContextDescriptor.Sva(Asid, mm!.RootPa, 16));
        return (mm, va);
    }

    /// <summary>Event records between the driver's EVENTQ_CONS and EVENTQ_PROD; consumes them.</summary>
    public List<EventRecord> DrainEvents()
    {
        var events = new List<EventRecord>();
        Span<byte> raw = stackalloc byte[EventRecord.Size];
        var prod = new QueuePointer(Read32(R.EventqProd), EventqCons.Log2Size);
        var cons = EventqCons;
        while (!QueuePointer.IsEmpty(prod, cons))
        {
            Assert.True(Memory.TryRead(EventqPa + cons.Index * (ulong)EventRecord.Size, raw));
            events.Add(EventRecord.ReadFrom(raw));
            cons = cons.Advance();
        }
        EventqCons = cons;
        Write32(R.EventqCons, cons.Raw);
        return events;
    }

    /// <summary>The pa the CPU tables give <paramref name="va"/> (an inspection walk).</summary>
    public ulong CpuPa(AddressSpace mm, ulong va)
    {
        var walk = Core.Paging.PageWalker.Walk(Memory, mm.RootPa, Core.Paging.PagingMode.FourLevel, va,
            Core.Paging.AccessType.User, Core.Paging.WalkOptions.Default, setAccessedDirty: false);
        Assert.True(walk.IsOk);
        return walk.Translation.PhysicalAddress;
    }

    public AtsCompletion Translate(uint pasid, ulong va, AtsPermissions requested = AtsPermissions.Read, uint sid = Sid) =>
        Smmu.Translate(sid, pasid, va, requested);
}

using Emulator.Core;
using Emulator.Core.Backends;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Oracle;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using Emulator.Tests.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Pcie;

/// <summary>
/// A machine with an SMMU wired to the <c>sim</c> ATC backend, one <see cref="DmaDevice"/> at
/// <see cref="SmmuRig.Sid"/>, a coherence oracle, and the minimal driver steps of <see cref="SmmuRig"/>.
/// </summary>
/// <remarks><see cref="SmmuRig"/> builds its SMMU over a recording backend; ATC invalidations here must reach
/// the device, so this rig builds the SMMU over <see cref="SimAtcBackend"/> and repeats the few driver steps
/// it needs (queues, stream table, submit, PRIQ service), reusing <see cref="SmmuRig"/>'s constants and
/// STE/CD helpers.</remarks>
internal sealed class DmaRig
{
    public const uint Sid = SmmuRig.Sid;
    public const ushort Asid = SmmuRig.Asid;

    private QueuePointer _cmdqProd = new(0, SmmuRig.CmdqLog2);

    public DmaRig(DmaDeviceOptions? options = null)
    {
        Machine = new Machine(new MachineOptions { RamSize = 64UL << 20 });
        Backend = new SimAtcBackend();
        Smmu = new SmmuDevice(Machine.Memory, Machine.Frames, Backend, new SmmuOptions());
        Oracle = new CoherenceOracle(Machine.Frames);
        Device = new DmaDevice(Sid, Machine.Memory, Smmu, Oracle, options);
        Backend.Attach(Device);
        CmdqPa = AllocFrame();
        PriqPa = AllocFrame();
        StrtabPa = AllocFrame();
        CdTablePa = AllocFrame();
        ulong eventqPa = AllocFrame();
        Write32(R.Cr0, 0);
        Write64(R.CmdqBase, QueueBase.Create(CmdqPa, SmmuRig.CmdqLog2).Raw);
        Write64(R.EventqBase, QueueBase.Create(eventqPa, SmmuRig.EventqLog2).Raw);
        Write64(R.PriqBase, QueueBase.Create(PriqPa, SmmuRig.PriqLog2).Raw);
        Write64(R.StrtabBase, StrtabBase.Create(StrtabPa).Raw);
        Write32(R.StrtabBaseCfg, StrtabBaseCfg.Create(StreamTableFormat.Linear, 0, SmmuRig.StrtabLog2).Raw);
        Write32(R.IrqCtrl, R.IrqCtrlGErrorIrqEn | R.IrqCtrlEventqIrqEn | R.IrqCtrlPriqIrqEn);
        Write32(R.Cr0, Cr0.SmmuEnBit | Cr0.CmdqEnBit | Cr0.EventqEnBit | Cr0.PriqEnBit);
    }

    public Machine Machine { get; }
    public PhysicalMemory Memory => Machine.Memory;
    public FrameAllocator Frames => Machine.Frames;
    public SimAtcBackend Backend { get; }
    public SmmuDevice Smmu { get; }
    public CoherenceOracle Oracle { get; }
    public DmaDevice Device { get; }
    public ulong CmdqPa { get; }
    public ulong PriqPa { get; }
    public ulong StrtabPa { get; }
    public ulong CdTablePa { get; }

    /// <summary>Page requests the PRIQ handler has seen.</summary>
    public List<PriRequest> PageRequests { get; } = [];

    public ulong AllocFrame()
    {
        Assert.True(Frames.TryAllocate(out ulong pfn));
        return pfn << Page.Shift;
    }

    public uint Read32(int offset)
    {
        Assert.True(Memory.TryReadU32(Smmu.Options.MmioBase + (ulong)offset, out uint v));
        return v;
    }

    public void Write32(int offset, uint value) => Assert.True(Memory.TryWriteU32(Smmu.Options.MmioBase + (ulong)offset, value));

    public void Write64(int offset, ulong value) => Assert.True(Memory.TryWriteU64(Smmu.Options.MmioBase + (ulong)offset, value));

    public QueuePointer CmdqCons => new(Read32(R.CmdqCons), SmmuRig.CmdqLog2);

    /// <summary>Writes commands at PROD and rings the doorbell once (the SMMU consumes them before this returns).</summary>
    public void Submit(params Command[] commands)
    {
        Span<byte> raw = stackalloc byte[Command.Size];
        foreach (var c in commands)
        {
            c.WriteTo(raw);
            Assert.True(Memory.TryWrite(CmdqPa + _cmdqProd.Index * (ulong)Command.Size, raw));
            _cmdqProd = _cmdqProd.Advance();
        }
        Write32(R.CmdqProd, _cmdqProd.Raw);
    }

    /// <summary>A process bound as <paramref name="pasid"/> on <see cref="Sid"/>: STE (ATS allowed) and CD
    /// whose TTB0 is the mm's x86 root.</summary>
    public AddressSpace BindProcess(uint pasid)
    {
        Assert.Equal(Errno.Ok, Machine.CreateAddressSpace(out var mm));
        Span<byte> raw = stackalloc byte[StreamTableEntry.Size];
        SmmuRig.SvaSte(CdTablePa).WriteTo(raw);
        Assert.True(Memory.TryWrite(StrtabPa + Sid * (ulong)StreamTableEntry.Size, raw));
        raw = stackalloc byte[ContextDescriptor.Size];
        ContextDescriptor.Sva(Asid, mm!.RootPa, 16).WriteTo(raw);
        Assert.True(Memory.TryWrite(CdTablePa + pasid * (ulong)ContextDescriptor.Size, raw));
        return mm;
    }

    /// <summary>Installs a PRIQ handler like Linux's: read each entry, free it, answer with what
    /// <paramref name="answer"/> says (null: no answer).</summary>
    public void ServePri(Func<PriRequest, PriResponse?> answer)
    {
        Smmu.PriInterrupt = () =>
        {
            Span<byte> raw = stackalloc byte[PriRequest.Size];
            var prod = new QueuePointer(Read32(R.PriqProd), SmmuRig.PriqLog2);
            var cons = new QueuePointer(Read32(R.PriqCons), SmmuRig.PriqLog2);
            while (!QueuePointer.IsEmpty(prod, cons))
            {
                Assert.True(Memory.TryRead(PriqPa + cons.Index * (ulong)PriRequest.Size, raw));
                var request = PriRequest.ReadFrom(raw);
                PageRequests.Add(request);
                cons = cons.Advance();
                Write32(R.PriqCons, cons.Raw);
                if (answer(request) is PriResponse r)
                {
                    Submit(Command.PriResp(request.StreamId, request.SubstreamId, request.SubstreamValid, request.GroupIndex, r),
                        Command.Sync(SyncCs.None, 0, 0));
                }
            }
        };
    }

    /// <summary>The iommu-sva fault handler: fault the page in on the mm (handle_mm_fault), answer Success
    /// when it resolved, Invalid Request otherwise.</summary>
    public void ServePriWithFaults(AddressSpace mm) =>
        ServePri(r => mm.HandleFault(r.Address, r.Write) == FaultResult.Resolved ? PriResponse.Success : PriResponse.InvalidRequest);

    /// <summary>What a correct driver sends after unmapping [va, va + size): IOTLB and ATC invalidation, then
    /// CMD_SYNC.</summary>
    public void InvalidateRange(uint pasid, ulong va, ulong size) =>
        Submit(Command.TlbiNhAsid(Asid), Command.AtcInvRange(Sid, pasid, true, va, va + size), Command.Sync(SyncCs.None, 0, 0));
}

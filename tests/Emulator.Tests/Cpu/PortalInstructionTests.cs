using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu;

/// <summary>MOVDIR64B and ENQCMD (SDM Vol. 2B): a 64-byte source stored whole to the address in a
/// register; to a registered portal it is a submission, ENQCMD with the PASID put in and ZF for retry.</summary>
public sealed class PortalInstructionTests
{
    private sealed class Recorder(bool accept) : IPortal
    {
        public readonly List<byte[]> Received = [];

        public bool Submit(ulong offset, ReadOnlySpan<byte> data, bool enqueue)
        {
            Received.Add(data.ToArray());
            return accept;
        }
    }

    private static (CpuRig Rig, ulong Src, ulong Dst) Setup()
    {
        var rig = new CpuRig();
        ulong src = CpuRig.DataVa, dst = CpuRig.DataVa + 0x1000;
        MmKitMap(rig, src, 2);
        var bytes = new byte[64];
        for (int i = 0; i < 64; i++)
        {
            bytes[i] = (byte)(i + 1);
        }
        Assert.Equal(Core.Errno.Ok, rig.Mm.WriteUser(src, bytes, out _));
        Assert.Equal(Core.Errno.Ok, rig.Mm.WriteUser(dst, new byte[64], out _)); // present, so its frame is known
        return (rig, src, dst);
    }

    private static void MmKitMap(CpuRig rig, ulong va, int pages) => Mm.MmKit.MapAt(rig.Mm, va, pages);

    private static ulong FrameOf(CpuRig rig, ulong va) => rig.Mm.LeafEntry(va).Pfn;

    [Fact]
    public void Movdir64b_to_memory_stores_the_64_bytes()
    {
        var (rig, src, dst) = Setup();
        rig.Load(a => { a.mov(rax, dst); a.mov(rsi, src); a.movdir64b(rax, __zmmword_ptr[rsi]); a.int3(); });

        Assert.Equal(CpuExitKind.Breakpoint, rig.Cpu.Run(10).Kind);

        var back = new byte[64];
        Assert.Equal(Core.Errno.Ok, rig.Mm.ReadUser(dst, back, out _));
        Assert.Equal(Enumerable.Range(1, 64).Select(i => (byte)i), back);
    }

    [Fact]
    public void A_misaligned_destination_is_gp_and_nothing_is_stored()
    {
        var (rig, src, dst) = Setup();
        rig.Load(a => { a.mov(rax, dst + 8); a.mov(rsi, src); a.movdir64b(rax, __zmmword_ptr[rsi]); a.int3(); });

        Assert.Equal(CpuExitKind.GeneralProtection, rig.Cpu.Run(10).Kind);
    }

    [Fact]
    public void Enqcmd_needs_a_valid_ia32_pasid()
    {
        var (rig, src, dst) = Setup();
        rig.Load(a => { a.mov(rax, dst); a.mov(rsi, src); a.enqcmd(rax, __zmmword_ptr[rsi]); a.int3(); });

        Assert.Equal(CpuExitKind.GeneralProtection, rig.Cpu.Run(10).Kind); // no PASID: #GP, as Linux's fixup would see
    }

    [Theory]
    [InlineData(true, 0UL)]
    [InlineData(false, (ulong)RFlags.ZF)]
    public void Enqcmd_to_a_portal_puts_the_pasid_in_and_sets_zf_on_retry(bool accept, ulong zf)
    {
        var (rig, src, dst) = Setup();
        var portal = new Recorder(accept);
        rig.Machine.Memory.RegisterPortal(FrameOf(rig, dst), portal);
        rig.S.Ia32Pasid = Core.Cpu.Cpu.PasidValid | 0x12345;
        rig.Load(a => { a.mov(rax, dst); a.mov(rsi, src); a.enqcmd(rax, __zmmword_ptr[rsi]); a.int3(); });

        var exit = rig.Cpu.Run(10);
        Assert.Equal(CpuExitKind.BudgetExhausted, exit.Kind);                // a submission ends the run: an interleaving point
        Assert.Equal(3, rig.Cpu.InstructionsRetired);
        Assert.Equal(CpuExitKind.Breakpoint, rig.Cpu.Run(10).Kind);          // and the program goes on from the next instruction

        var sent = Assert.Single(portal.Received);
        Assert.Equal(0x12345u, BitConverter.ToUInt32(sent, 0));             // bits 19:0 = PASID, bit 31 (privilege) 0
        Assert.Equal(Enumerable.Range(5, 60).Select(i => (byte)i), sent[4..]); // the rest as in memory
        Assert.Equal(zf, (ulong)rig.S.Rflags & (ulong)RFlags.Status);       // ZF alone says retry
        var untouched = new byte[64];
        Assert.Equal(Core.Errno.Ok, rig.Mm.ReadUser(dst, untouched, out _));
        Assert.All(untouched, b => Assert.Equal(0, b));                     // the portal took it, not RAM
    }
}

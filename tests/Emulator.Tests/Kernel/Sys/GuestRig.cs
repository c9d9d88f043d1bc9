using System.Text;
using Emulator.Core;
using Emulator.Core.Kernel;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Kernel.Elf;
using Iced.Intel;

namespace Emulator.Tests.Kernel.Sys;

/// <summary>A machine with /dev/sva0 (an ATS+PRI endpoint), a <see cref="GuestKernel"/> whose console
/// goes to memory, and ways to make guests: Iced-assembled code in a hand-built ELF, or C compiled by gcc.</summary>
internal sealed class GuestRig
{
    public const uint Sid = 0x10;
    public const ulong TextVa = 0x40_1000;
    public const ulong DataVa = 0x60_0000;

    public GuestRig(GuestKernelOptions? options = null, bool device = true, ulong ram = 128UL << 20,
        Core.Iommu.FaultInjection inject = Core.Iommu.FaultInjection.None)
    {
        Machine = new Machine(new MachineOptions { RamSize = ram, Inject = inject });
        var devices = new List<SvaCharDevice>();
        if (device)
        {
            Assert.Equal(Errno.Ok, Machine.AddDevice(Sid, ats: true, pri: true, pasidBits: 20, out var dma));
            devices.Add(new SvaCharDevice(0, Machine.Sva!, dma!));
        }
        Kernel = new GuestKernel(Machine, (options ?? new GuestKernelOptions()) with { Stdout = Stdout, Stderr = Stderr }, devices);
    }

    public Machine Machine { get; }
    public GuestKernel Kernel { get; }
    public MemoryStream Stdout { get; } = new();
    public MemoryStream Stderr { get; } = new();
    public string Out => Encoding.UTF8.GetString(Stdout.ToArray());
    public string Err => Encoding.UTF8.GetString(Stderr.ToArray());

    /// <summary>Spawns <paramref name="elf"/> with <paramref name="argv"/> and <paramref name="envp"/> and runs
    /// every process to the end.</summary>
    public KernelRunResult Run(byte[] elf, IReadOnlyList<string> argv, IReadOnlyList<string> envp)
    {
        Assert.True(Kernel.TrySpawn(elf, argv, envp, out _, out string? error), error);
        return Kernel.Run();
    }

    /// <summary>Spawns <paramref name="elf"/> and runs every process to the end.</summary>
    public KernelRunResult Run(byte[] elf, params string[] argv)
    {
        Assert.True(Kernel.TrySpawn(elf, argv.Length == 0 ? ["guest"] : argv, ["HOME=/"], out _, out string? error), error);
        return Kernel.Run();
    }

    /// <summary>The coherence oracle saw no DMA through a stale translation and no ATC entry that
    /// outlived the CPU mapping it came from.</summary>
    public void AssertCoherent()
    {
        Assert.True(Machine.Oracle.Stale == 0, $"stale DMA: {string.Join("; ", Machine.Oracle.StaleAccesses)}");
        Assert.True(Machine.Oracle.Violations == 0, $"ATC violations: {string.Join("; ", Machine.Oracle.AtcViolations)}");
    }

    /// <summary>
    /// A static executable of Iced-assembled code: text R+X at <see cref="TextVa"/> (the entry), and
    /// <paramref name="dataPages"/> zeroed RW pages at <see cref="DataVa"/>.
    /// </summary>
    public static byte[] Asm(Action<Assembler> build, int dataPages = 1)
    {
        var a = new Assembler(64);
        build(a);
        var ms = new MemoryStream();
        a.Assemble(new StreamCodeWriter(ms), TextVa);
        byte[] code = ms.ToArray();
        const int codeOffset = 0x1000;
        var phdrs = new[]
        {
            new ProgramHeader { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Execute, Offset = codeOffset, Vaddr = TextVa, Paddr = TextVa, FileSize = (ulong)code.Length, MemSize = (ulong)code.Length, Align = 0x1000 },
            new ProgramHeader { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Write, Offset = 0, Vaddr = DataVa, Paddr = DataVa, FileSize = 0, MemSize = (ulong)dataPages * 0x1000, Align = 0x1000 },
        };
        return ElfBuilder.Exec(TextVa, phdrs, codeOffset, code);
    }
}

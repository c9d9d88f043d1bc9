using Emulator.Core;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Kernel.Exec;
using Emulator.Core.Mm;

namespace Emulator.Fuzz.Targets;

/// <summary>The ELF loader: parsing, and loading what parses into a fresh address space with its
/// start-up stack. Every input is an image or an <see cref="ElfError"/>; loading answers an errno.</summary>
public sealed class ElfTarget : IFuzzTarget
{
    private readonly Machine _machine = new(new MachineOptions { RamSize = 256UL << 20 });

    public ElfTarget()
    {
        var seeds = new List<byte[]>();
        byte[] code = [0x48, 0x31, 0xFF, 0xB8, 0x3C, 0x00, 0x00, 0x00, 0x0F, 0x05]; // xor edi,edi; mov eax,60; syscall
        seeds.Add(ElfBuilder.Exec(0x401000, [Segment(0x401000, 0x1000, code.Length, code.Length, SegmentFlags.Read | SegmentFlags.Execute)], 0x1000, code));
        seeds.Add(ElfBuilder.Exec(0x401000,
        [
            Segment(0x401000, 0x1000, code.Length, code.Length, SegmentFlags.Read | SegmentFlags.Execute),
            Segment(0x402000, 0x1000 + (ulong)code.Length, 0, 0x3000, SegmentFlags.Read | SegmentFlags.Write),
        ], 0x1000, code));
        Seeds = seeds;
    }

    private static ProgramHeader Segment(ulong va, ulong offset, int fileSize, int memSize, SegmentFlags flags) => new()
    {
        Type = SegmentType.Load,
        Flags = flags,
        Offset = offset,
        Vaddr = va,
        Paddr = va,
        FileSize = (ulong)fileSize,
        MemSize = (ulong)memSize,
        Align = 0x1000,
    };

    public string Name => "elf";

    public IReadOnlyList<byte[]> Seeds { get; }

    public IReadOnlyList<byte[]> Dictionary { get; } = [[0x7F, (byte)'E', (byte)'L', (byte)'F'], [2, 1, 1, 0], [0x3E, 0], [2, 0], [3, 0], [1, 0, 0, 0], [0x51, 0xE5, 0x74, 0x64], [4, 0, 0, 0]];

    public bool IsText => false;

    public int MaxInputLength => 1 << 14;

    public string Run(byte[] input)
    {
        if (!ElfImage.TryParse(input, out ElfImage? elf, out ElfError error))
        {
            return "E:" + error.Kind;
        }
        if (!AddressSpace.TryCreate(_machine.Frames, ProcessImage.OptionsFor(elf!, new AddressSpaceOptions()), out AddressSpace? mm))
        {
            return "nomem";
        }
        try
        {
            Errno err = ProcessImage.Load(mm!, elf!, input, ["fuzz"], ["A=1"], out _);
            return "L:" + err;
        }
        finally
        {
            mm!.Exit();
        }
    }
}

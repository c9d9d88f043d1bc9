using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core;

/// <summary>
/// The composition root of an emulated machine: RAM, its frame allocator and the address spaces
/// of the emulated kernel. Later layers (CPU, SVA, SMMU, devices) are wired here too; no layer
/// below knows about the others.
/// </summary>
public sealed class Machine
{
    public Machine(MachineOptions? options = null)
    {
        Options = options ?? new MachineOptions();
        Memory = new PhysicalMemory(Options.RamSize);
        Frames = new FrameAllocator(Memory);
    }

    public MachineOptions Options { get; }
    public PhysicalMemory Memory { get; }
    public FrameAllocator Frames { get; }

    /// <summary>Creates an empty process address space.</summary>
    /// <returns>ENOMEM when no frame is left for its top-level page table.</returns>
    public Errno CreateAddressSpace(out AddressSpace? mm) =>
        AddressSpace.TryCreate(Frames, new AddressSpaceOptions { Mode = Options.Paging }, out mm) ? Errno.Ok : Errno.ENOMEM;
}

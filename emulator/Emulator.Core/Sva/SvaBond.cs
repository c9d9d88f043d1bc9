using Emulator.Core.Mm;

namespace Emulator.Core.Sva;

/// <summary>
/// One device bound to one address space (Linux <c>struct iommu_sva</c> / <c>iommu_bond</c>).
/// Binding the same pair again returns the same bond with its reference count raised.
/// </summary>
public sealed class SvaBond
{
    internal SvaBond(SvaDevice device, SvaContext context)
    {
        Device = device;
        Context = context;
    }

    public SvaDevice Device { get; }
    public AddressSpace Mm => Context.Mm;
    /// <summary>The PASID the device tags its DMA with; shared by every device bound to the mm.</summary>
    public uint Pasid => Context.Pasid;

    internal SvaContext Context { get; }

    /// <summary>Bind references. Guarded by the SVA manager's lock.</summary>
    internal int Refs = 1;

    /// <summary>The mm-exit handler is running for this bond. Guarded by the SVA manager's lock.</summary>
    internal bool MmExitActive;

    /// <summary>The mm exited and its PASID entry was made quiet for this bond. Guarded by the SVA manager's lock.</summary>
    internal bool MmExited;

    /// <summary>Unbound: no longer on the context's list. Guarded by the SVA manager's lock.</summary>
    internal bool Removed;

    public override string ToString() => $"bond(sid {Device.Sid:x}, {Mm}, pasid {Pasid:x})";
}

using Emulator.Core.Pcie;
using Emulator.Core.Sva;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// The character device <c>/dev/svaN</c> of one emulated SVA-capable PCIe device: its descriptor
/// engine and its driver's side of SVA. <see cref="Open"/> gives the open file the syscall layer's
/// <c>ioctl</c> routes to.
/// </summary>
public sealed class SvaCharDevice : ISvaDeviceDriver
{
    /// <summary>Creates <c>/dev/sva{<paramref name="index"/>}</c> over <paramref name="dma"/>.</summary>
    /// <param name="index">N in /dev/svaN.</param>
    /// <param name="sva">The machine's SVA layer (<c>Machine.Sva</c>, non-null once a device was added).</param>
    /// <param name="dma">The endpoint (from <c>Machine.AddDevice</c>) that performs the DMA.</param>
    /// <exception cref="ArgumentOutOfRangeException">The device has no PASID capability (SVA needs one).</exception>
    /// <param name="engine">The asynchronous engine's sizes (null for the defaults).</param>
    public SvaCharDevice(int index, SvaManager sva, DmaDevice dma, SvaWorkEngineOptions? engine = null)
    {
        ArgumentNullException.ThrowIfNull(sva);
        ArgumentNullException.ThrowIfNull(dma);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (dma.Options.PasidBits < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dma), "an SVA device needs a PASID capability (PasidBits >= 1)");
        }
        Index = index;
        Sva = sva;
        Engine = new SvaDescriptorEngine(dma);
        Async = new SvaWorkEngine(dma, engine);
        SvaDevice = new SvaDevice(dma.Sid, dma.Options.PasidBits, this);
    }

    /// <summary>N in /dev/svaN.</summary>
    public int Index { get; }

    /// <summary>The node's path, <c>/dev/svaN</c>.</summary>
    public string Path => SvaAbi.DevicePath(Index);

    public SvaManager Sva { get; }

    /// <summary>The device as SVA binds it (this object is its driver).</summary>
    public SvaDevice SvaDevice { get; }

    /// <summary>The synchronous engine behind SVA_SUBMIT.</summary>
    public SvaDescriptorEngine Engine { get; }

    /// <summary>The asynchronous engine behind the portals (MOVDIR64B, ENQCMD).</summary>
    public SvaWorkEngine Async { get; }

    /// <summary>The shared work queue's portal (ENQCMD), made on its first mmap; null until then.</summary>
    internal SvaPortal? SharedPortal { get; set; }

    /// <summary>open(2): a new open file description, bound to no process yet.</summary>
    public SvaDeviceFile Open() => new(this);

    /// <summary>A bound process is exiting: wait for the descriptor in progress, if any; none can start for
    /// it afterwards (its threads are gone, and the SVA layer has made its PASID entry quiet).</summary>
    void ISvaDeviceDriver.MmExit(SvaBond bond)
    {
        Engine.Quiesce();
        Async.DrainPasid(bond.Pasid);
    }

    public override string ToString() => Path;
}

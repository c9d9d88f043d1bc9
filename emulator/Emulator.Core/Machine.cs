using System.Numerics;
using Emulator.Core.Backends;
using Emulator.Core.Iommu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Oracle;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using Emulator.Core.Sva;
using Emulator.Core.Threading;

namespace Emulator.Core;

/// <summary>
/// The composition root of an emulated machine: RAM and its frame allocator, the emulated kernel's
/// address spaces, and — built on the first <see cref="AddDevice"/> — the IOMMU path: the SMMUv3
/// model with its kernel driver, the SVA layer, the sim ATC backend and the coherence oracle. No
/// layer below knows about the others; this is the only place that wires them.
/// </summary>
public sealed class Machine
{
    /// <summary>Guards the lazy construction of the IOMMU path and <see cref="_devices"/>.</summary>
    private readonly OrderedLock _lock = new(LockRank.DriverConfig, "machine");
    private readonly Dictionary<uint, DmaDevice> _devices = [];
    private IommuStack? _iommu;

    public Machine(MachineOptions? options = null)
    {
        Options = options ?? new MachineOptions();
        Memory = new PhysicalMemory(Options.RamSize);
        Frames = new FrameAllocator(Memory);
        Oracle = new CoherenceOracle(Frames);
    }

    public MachineOptions Options { get; }
    public PhysicalMemory Memory { get; }
    public FrameAllocator Frames { get; }

    /// <summary>Watches every DMA for accesses through translations to freed or reused frames.</summary>
    public CoherenceOracle Oracle { get; }

    /// <summary>Creates an empty process address space.</summary>
    /// <returns>ENOMEM when no frame is left for its top-level page table.</returns>
    public Errno CreateAddressSpace(out AddressSpace? mm) =>
        AddressSpace.TryCreate(Frames, new AddressSpaceOptions { Mode = Options.Paging }, out mm) ? Errno.Ok : Errno.ENOMEM;

    /// <summary>The SMMU model (null until the first device is added).</summary>
    public SmmuDevice? Smmu => _iommu?.Smmu;

    /// <summary>The kernel's SMMU driver (null until the first device is added).</summary>
    public SmmuDriver? SmmuDriver => _iommu?.Driver;

    /// <summary>The SVA layer (null until the first device is added).</summary>
    public SvaManager? Sva => _iommu?.Sva;

    /// <summary>The ATC backend devices are reached through (sim).</summary>
    public SimAtcBackend? Backend => _iommu?.Backend;

    /// <summary>
    /// Adds a PCIe endpoint behind the SMMU with StreamID <paramref name="sid"/>.
    /// </summary>
    /// <returns>EEXIST (SID in use), EINVAL (SID or PASID width out of range), ENOMEM (no frames for
    /// the SMMU's tables), or the driver's error attaching the stream.</returns>
    public Errno AddDevice(uint sid, bool ats, bool pri, int pasidBits, out DmaDevice? device)
    {
        device = null;
        if (pasidBits is < 1 or > PasidAllocator.Bits)
        {
            return Errno.EINVAL;
        }
        using (_lock.Enter())
        {
            if (_devices.ContainsKey(sid))
            {
                return Errno.EEXIST;
            }
            var err = EnsureIommuLocked(out var stack);
            if (err != Errno.Ok)
            {
                return err;
            }
            err = stack!.Driver.AttachDevice(sid, pasidBits, ats, pri);
            if (err != Errno.Ok)
            {
                return err;
            }
            var geometry = new AtcGeometry(Options.AtcEntries, Options.AtcWays);
            device = new DmaDevice(sid, Memory, stack.Smmu, Oracle, new DmaDeviceOptions
            {
                AtsEnabled = ats,
                PriEnabled = pri,
                PasidBits = pasidBits,
                AtcGeometry = geometry,
            });
            stack.Backend.Attach(device);
            _devices[sid] = device;
            return Errno.Ok;
        }
    }

    /// <summary>The device with <paramref name="sid"/>, if added.</summary>
    public DmaDevice? Device(uint sid)
    {
        using (_lock.Enter())
        {
            return _devices.GetValueOrDefault(sid);
        }
    }

    private Errno EnsureIommuLocked(out IommuStack? stack)
    {
        if (_iommu is not null)
        {
            stack = _iommu;
            return Errno.Ok;
        }
        stack = null;
        var backend = new SimAtcBackend();
        var smmu = new SmmuDevice(Memory, Frames, backend, new SmmuOptions
        {
            IotlbEntries = Options.IotlbEntries,
            SvaPaging = Options.Paging,
        });
        var driver = new SmmuDriver(Memory, Frames, smmu, new SmmuDriverOptions
        {
            CmdqLog2Size = BitOperations.Log2((uint)Math.Max(Options.CmdqEntries, 2)),
        });
        var err = driver.Init();
        if (err != Errno.Ok)
        {
            return err;
        }
        driver.Faults = Options.Inject;
        Oracle.History = () => driver.RecentCommands(16);
        stack = new IommuStack(smmu, driver, backend, new SvaManager(driver, new PasidAllocator()));
        _iommu = stack;
        return Errno.Ok;
    }

    private sealed record IommuStack(SmmuDevice Smmu, SmmuDriver Driver, SimAtcBackend Backend, SvaManager Sva);
}

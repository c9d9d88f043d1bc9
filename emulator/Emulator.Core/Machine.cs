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
    /// <summary>Guards the lazy construction of the IOMMU path and replacement of <see cref="_devices"/>.</summary>
    private readonly OrderedLock _lock = new(LockRank.DriverConfig, "machine");

    /// <summary>Copy-on-write: read without the lock (the oracle's check runs under an mmap lock,
    /// which is ranked after <see cref="_lock"/>), replaced under it.</summary>
    private Dictionary<uint, DmaDevice> _devices = [];
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

    /// <summary>The sim backend that reaches the in-process endpoints (null until the first device is added).</summary>
    public SimAtcBackend? Backend => _iommu?.Backend;

    /// <summary>The backend the SMMU sends ATC invalidations to: <see cref="Backend"/>, or what
    /// <see cref="MachineOptions.Backend"/> built around it (the board).</summary>
    public IAtcBackend? AtcBackend => _iommu?.AtcBackend;

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
                CompleteBeforeDrain = (Options.Inject & FaultInjection.CompleteBeforeDrain) != 0,
            });
            device.FillObserver = stack.AtcBackend as IAtcFillObserver;
            stack.Backend.Attach(device);
            Volatile.Write(ref _devices, new Dictionary<uint, DmaDevice>(_devices) { [sid] = device });
            return Errno.Ok;
        }
    }

    /// <summary>The device with <paramref name="sid"/>, if added.</summary>
    public DmaDevice? Device(uint sid) => Volatile.Read(ref _devices).GetValueOrDefault(sid);

    private Errno EnsureIommuLocked(out IommuStack? stack)
    {
        if (_iommu is not null)
        {
            stack = _iommu;
            return Errno.Ok;
        }
        stack = null;
        var backend = new SimAtcBackend();
        var atcBackend = Options.Backend?.Invoke(backend) ?? backend;
        var smmu = new SmmuDevice(Memory, Frames, atcBackend, new SmmuOptions
        {
            IotlbEntries = Options.IotlbEntries,
            SvaPaging = Options.Paging,
        });
        int cmdqLog2 = BitOperations.Log2((uint)Math.Max(Options.CmdqEntries, 2));
        var driver = new SmmuDriver(Memory, Frames, smmu, new SmmuDriverOptions
        {
            CmdqLog2Size = cmdqLog2,
            // A batch leaves room for its CMD_SYNC, so a small queue (cmdq-entries=2) batches less.
            BatchSize = Math.Min(new SmmuDriverOptions().BatchSize, (1 << cmdqLog2) - 1),
        });
        var err = driver.Init();
        if (err != Errno.Ok)
        {
            return err;
        }
        driver.Faults = Options.Inject;
        Oracle.History = () => driver.RecentCommands(16);
        var sva = new SvaManager(driver, new PasidAllocator()) { AfterInvalidate = CheckAtcAgainstPageTables };
        stack = new IommuStack(smmu, driver, backend, atcBackend, sva);
        _iommu = stack;
        return Errno.Ok;
    }

    /// <summary>Most pages of one ranged ATC entry the post-operation check compares (a 1 GiB entry
    /// has 262,144; the mm maps 4 KiB pages, so ranged entries only come from hand-built tables).</summary>
    private const int MaxPagesCheckedPerEntry = 512;

    [ThreadStatic] private static List<AtcEntry>? t_dump;

    /// <summary>
    /// The oracle's post-operation check: no ATC entry of <paramref name="context"/>'s PASID, in any
    /// bound device, grants an access its mm's CPU page table does not (not mapped, another frame,
    /// or write to a read-only page). Violations are recorded in <see cref="Oracle"/>. Only entries
    /// overlapping [<paramref name="start"/>, <paramref name="end"/>) are compared: an operation
    /// changes no translation outside the range it announced, so the check stays proportional to the
    /// change (pass 0 and <see cref="ulong.MaxValue"/> to check everything).
    /// </summary>
    public void CheckAtcAgainstPageTables(SvaContext context, ulong start = 0, ulong end = ulong.MaxValue)
    {
        var entries = t_dump ??= [];
        foreach (var (sid, _) in Volatile.Read(ref context.Targets))
        {
            var device = Device(sid);
            if (device is null)
            {
                continue;
            }
            entries.Clear();
            device.Atc.DumpOverlapping(entries, context.Pasid, start, end);
            foreach (var e in entries)
            {
                ulong pages = Math.Min(e.Size >> Page.Shift, MaxPagesCheckedPerEntry);
                for (ulong i = 0; i < pages; i++)
                {
                    ulong va = e.Va + (i << Page.Shift);
                    ulong pa = e.Pa + (i << Page.Shift);
                    var pte = context.Mm.LeafEntry(va);
                    string? reason = !pte.Present ? "not mapped by the CPU page table"
                        : pte.Pfn != pa >> Page.Shift ? $"the CPU maps frame {pte.Pfn:x}"
                        : (e.Permissions & AtsPermissions.Write) != 0 && !pte.Writable ? "read-only in the CPU page table"
                        : null;
                    if (reason is not null)
                    {
                        Oracle.RecordViolation(sid, context.Pasid, va, pa, reason);
                    }
                }
            }
        }
    }

    private sealed record IommuStack(SmmuDevice Smmu, SmmuDriver Driver, SimAtcBackend Backend, IAtcBackend AtcBackend, SvaManager Sva);
}

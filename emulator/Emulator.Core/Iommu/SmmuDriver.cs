using System.Diagnostics;
using System.Numerics;
using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using NLog;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Core.Iommu;

/// <summary>
/// The kernel side of an Arm SMMUv3: the part Linux has in <c>drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c</c>
/// (+ <c>-sva.c</c>). It owns the stream table, CD tables and the three queues in emulated RAM, programs
/// the SMMU only through its MMIO registers, writes STEs and CDs, issues commands in batches, waits on
/// CMD_SYNC, recovers from command-queue errors and services the PRI and event queues.
/// </summary>
/// <remarks>
/// <para>Layering: SVA (above) calls this driver; it calls the SMMU device model (below) through
/// <see cref="PhysicalMemory"/> MMIO and the device's interrupt hooks (<see cref="SmmuDevice.PriInterrupt"/>,
/// <see cref="SmmuDevice.GErrorInterrupt"/>), which it installs in <see cref="Init"/>. It never references Sva.</para>
/// <para>Split by concern: <c>SmmuDriver.Init.cs</c> (probe and <c>arm_smmu_device_reset</c>),
/// <c>.Cmdq.cs</c> (batches, CMD_SYNC wait, <c>arm_smmu_cmdq_skip_err</c>), <c>.Tables.cs</c> (STE, CD,
/// <see cref="AttachDevice"/>, <see cref="SetPasid"/>), <c>.Invalidate.cs</c>, <c>.Asid.cs</c>,
/// <c>.Priq.cs</c>, <c>.Eventq.cs</c>.</para>
/// <para><b>Locks</b>, in acquisition order <see cref="_priqLock"/> → <see cref="_lock"/> →
/// <see cref="_cmdqLock"/>; <see cref="_eventqLock"/> is a leaf. Never take <see cref="_lock"/> while holding
/// <see cref="_cmdqLock"/> (invalidation reads what it needs from the tables first). <see cref="_cmdqLock"/>
/// is re-entered by the same thread from the GERROR hook, which the SMMU runs synchronously inside this
/// driver's CMDQ_PROD or GERRORN write. <see cref="_priqLock"/> is held while <see cref="PageRequestHandler"/>
/// runs, which may fault pages into an mm and so issue invalidations.</para>
/// <para><b>Fault injection</b> (<see cref="Faults"/>): each switch removes exactly the step it names. The
/// SMMU model consumes the command queue synchronously on the CMDQ_PROD write, so "not waiting for
/// the CMD_SYNC" would change nothing observable; <see cref="FaultInjection.SkipSyncWait"/> therefore
/// writes the commands into the queue and advances the driver's producer index but holds back the
/// CMDQ_PROD doorbell until the next submission (or <see cref="FlushDeferred"/>, or a full queue): the
/// invalidation really lands late, after the caller has gone on (for instance to free the page), as
/// it would on hardware with an asynchronous consumer. Page-request responses are never deferred: the
/// SMMU model needs them before its PRIQ interrupt returns.</para>
/// </remarks>
public sealed partial class SmmuDriver
{
    private static readonly Logger s_log = Log.For("smmu-driver");

    private readonly PhysicalMemory _memory;
    private readonly FrameAllocator _frames;
    private readonly SmmuDevice _device;
    private readonly SmmuDriverOptions _options;
    private readonly ulong _base;

    /// <summary>Guards the tables and their bookkeeping (<see cref="_masters"/>, <see cref="_strtabL2"/>,
    /// <see cref="_asidMap"/>) and <see cref="_initialized"/>. Never held while <see cref="_cmdqLock"/> is taken.</summary>
    private readonly Lock _lock = new();

    /// <summary>Serialises the command-queue producer: guards <see cref="_cmdqProd"/>, the batch, the
    /// command history, <see cref="_doorbellDeferred"/> and the error-retry budget. Re-entrant from the
    /// GERROR hook on the same thread.</summary>
    private readonly Lock _cmdqLock = new();

    /// <summary>Serialises PRI queue consumption (Linux's single PRIQ thread): guards <see cref="_priqCons"/>
    /// and <see cref="_priGroups"/>.</summary>
    private readonly Lock _priqLock = new();

    /// <summary>Serialises event queue consumption: guards <see cref="_eventqCons"/>.</summary>
    private readonly Lock _eventqLock = new();

    private readonly SmmuDriverStats _stats = new();

    /// <summary>Set once <see cref="Init"/> succeeded. Written under <see cref="_lock"/>.</summary>
    private volatile bool _initialized;

    private int _faults;

    /// <summary>Creates the driver for <paramref name="device"/>; nothing is programmed until <see cref="Init"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside what the SMMU architecture or this driver's layout allows.</exception>
    public SmmuDriver(PhysicalMemory memory, FrameAllocator frames, SmmuDevice device, SmmuDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(device);
        options ??= new SmmuDriverOptions();
        CheckRange(options.CmdqLog2Size, 1, SmmuDriverOptions.MaxQueueLog2Size, nameof(options.CmdqLog2Size));
        CheckRange(options.EventqLog2Size, 1, SmmuDriverOptions.MaxQueueLog2Size, nameof(options.EventqLog2Size));
        CheckRange(options.PriqLog2Size, 1, SmmuDriverOptions.MaxQueueLog2Size, nameof(options.PriqLog2Size));
        if (options.StrtabSplit != 6)
        {
            // 8 and 10 are legal SPLITs (16 or 64 KiB level-2 arrays); 6 keeps each array one frame, and
            // the L1 table grows instead (StrtabL1Log2Entries), so SID coverage does not depend on SPLIT.
            throw new ArgumentOutOfRangeException(nameof(options), options.StrtabSplit, "StrtabSplit must be 6 (one frame per level-2 array)");
        }
        CheckRange(options.StrtabL1Log2Entries, 0, SmmuDriverOptions.MaxStrtabL1Log2Entries, nameof(options.StrtabL1Log2Entries));
        CheckRange(options.BatchSize, 1, (1 << options.CmdqLog2Size) - 1, nameof(options.BatchSize)); // room for the CMD_SYNC
        CheckRange(options.MaxTlbiOps, 1, int.MaxValue, nameof(options.MaxTlbiOps));
        CheckRange(options.CommandHistory, 1, 1 << 16, nameof(options.CommandHistory));
        _memory = memory;
        _frames = frames;
        _device = device;
        _options = options;
        _base = device.Options.MmioBase;
        _batch = new Command[options.BatchSize];
        _history = new Command[options.CommandHistory];
    }

    /// <summary>The options the driver was built with.</summary>
    public SmmuDriverOptions Options => _options;

    /// <summary>Counters: commands per opcode, batches, syncs, errors, PRI, events.</summary>
    public SmmuDriverStats Stats => _stats;

    /// <summary>True once <see cref="Init"/> has enabled the SMMU.</summary>
    public bool IsInitialized => _initialized;

    /// <summary>The deliberate bugs in effect (see the class remarks). May be changed at any time; a
    /// change applies to the next command submitted.</summary>
    public FaultInjection Faults
    {
        get => (FaultInjection)Volatile.Read(ref _faults);
        set => Volatile.Write(ref _faults, (int)value);
    }

    /// <summary>
    /// Resolves a page request read from the PRI queue: SVA faults the page into the mm bound to
    /// (<c>sid</c>, <c>pasid</c>) — a write request breaks COW — and says how it went.
    /// </summary>
    /// <remarks>Called with the PRIQ lock held, on the thread of the endpoint whose request raised the
    /// PRIQ interrupt; it may block and may issue invalidations. Null: every request gets Response Failure
    /// (Linux answers <c>PRI_RESP_DENY</c> when nothing handles I/O page faults).
    /// Parameters: sid, pasid, page va, write, exec.</remarks>
    public Func<uint, uint, ulong, bool, bool, PriResult>? PageRequestHandler { get; set; }

    private bool Has(FaultInjection fault) => (Faults & fault) != 0;

    private static void CheckRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be {min}..{max}");
        }
    }

    // Register access. The window is registered by the device; an access that fails is an emulator bug.

    private uint Read32(int offset)
    {
        if (!_memory.TryReadU32(_base + (ulong)offset, out uint value))
        {
            throw new InvalidOperationException($"SMMU register read at {_base + (ulong)offset:x} failed");
        }
        return value;
    }

    private ulong Read64(int offset)
    {
        if (!_memory.TryReadU64(_base + (ulong)offset, out ulong value))
        {
            throw new InvalidOperationException($"SMMU register read at {_base + (ulong)offset:x} failed");
        }
        return value;
    }

    private void Write32(int offset, uint value)
    {
        if (!_memory.TryWriteU32(_base + (ulong)offset, value))
        {
            throw new InvalidOperationException($"SMMU register write at {_base + (ulong)offset:x} failed");
        }
    }

    private void Write64(int offset, ulong value)
    {
        if (!_memory.TryWriteU64(_base + (ulong)offset, value))
        {
            throw new InvalidOperationException($"SMMU register write at {_base + (ulong)offset:x} failed");
        }
    }

    /// <summary>Writes a register and polls its acknowledgement register until it reads back the same
    /// value (Linux <c>arm_smmu_write_reg_sync</c>, used for CR0/CR0ACK and IRQ_CTRL/IRQ_CTRLACK).</summary>
    private Errno WriteRegSync(int offset, int ackOffset, uint value)
    {
        Write32(offset, value);
        var deadline = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (Read32(ackOffset) != value)
        {
            if (deadline.Elapsed > _options.SyncTimeout)
            {
                s_log.Error("register {0:x} not acknowledged (wanted {1:x})", offset, value);
                return Errno.ETIMEDOUT;
            }
            spin.SpinOnce();
        }
        return Errno.Ok;
    }

    /// <summary>Allocates a zeroed queue or table of <paramref name="bytes"/> (a power of two), physically
    /// contiguous and aligned to its size rounded up to whole frames, as the SMMU requires of queue bases,
    /// STRTAB_BASE, S1ContextPtr and level-2 tables (Linux <c>dmam_alloc_coherent</c>).</summary>
    private bool TryAllocateTable(ulong bytes, out ulong pa)
    {
        int frames = TableFrames(bytes);
        if (_frames.TryAllocateContiguous(frames, frames, out ulong pfn))
        {
            pa = pfn << Page.Shift;
            return true;
        }
        pa = 0;
        return false;
    }

    /// <summary>Frees a table from <see cref="TryAllocateTable"/> frame by frame; nothing for 0.</summary>
    private void FreeTable(ulong pa, ulong bytes)
    {
        if (pa == 0)
        {
            return;
        }
        int frames = TableFrames(bytes);
        for (int i = 0; i < frames; i++)
        {
            _frames.Put((pa >> Page.Shift) + (ulong)i);
        }
    }

    private static int TableFrames(ulong bytes)
    {
        Debug.Assert(BitOperations.IsPow2(bytes), "tables and queues are powers of two");
        return (int)Math.Max(1, bytes >> Page.Shift);
    }

    private void WriteRamU64(ulong pa, ulong value)
    {
        if (!_memory.TryWriteU64(pa, value))
        {
            throw new InvalidOperationException($"driver-owned RAM at {pa:x} not writable");
        }
    }

    private ulong ReadRamU64(ulong pa)
    {
        if (!_memory.TryReadU64(pa, out ulong value))
        {
            throw new InvalidOperationException($"driver-owned RAM at {pa:x} not readable");
        }
        return value;
    }
}

using System.Diagnostics;
using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Pcie;
using NLog;

namespace Emulator.Core.Smmu;

/// <summary>
/// The Arm SMMUv3 device model: its register file in an MMIO window of <see cref="PhysicalMemory"/>,
/// the command, event and PRI queues and the stream and CD tables in emulated RAM, a configuration
/// cache, an IOTLB tagged by ASID, and the ATS/PRI side it offers PCIe endpoints
/// (<see cref="IAtsTranslationAgent"/>). ATC invalidations go to an <see cref="IAtcBackend"/>.
/// </summary>
/// <remarks>
/// <para>SMMUv3 (IHI 0070) §3 (operation), §4 (commands), §5 (STE/CD), §6 (registers), §7 (events),
/// §8 (PRI). The split follows QEMU <c>smmuv3.c</c>: registers (<c>SmmuDevice.Registers.cs</c>), command
/// queue (<c>.Cmdq.cs</c>), STE/CD decode (<c>.Config.cs</c>, <see cref="ConfigCache"/>), translation
/// (<c>.Translate.cs</c>, <see cref="Iotlb"/>), event queue (<c>.Eventq.cs</c>), PRI queue (<c>.Priq.cs</c>).</para>
/// <para><b>Model scope.</b> Stage 1 only (no S2P, no Hyp, no stalls: terminate model). Only ATS
/// Translation Requests and Page Requests reach the translation side; untranslated DMA is not
/// modelled. Deliberate deviation: the stage 1 walker is the CPU's x86-64 walker (see
/// <see cref="ContextDescriptor"/>).</para>
/// <para><b>Threading.</b> Command processing is synchronous: a write of CMDQ_PROD (or a CR0 or GERRORN
/// write that restarts the queue) consumes every command up to PROD on the writing thread before the
/// register write returns. Locks, in acquisition order:
/// <see cref="_cmdqLock"/> → (<see cref="_lock"/> | the <see cref="ConfigCache"/> lock | the
/// <see cref="Iotlb"/> lock). The last three are leaf locks: no call out of the device (backend, hooks)
/// is made while one is held. The backend is called with only <see cref="_cmdqLock"/> held, so a
/// backend's Sync may block while endpoints keep translating. Host interrupt hooks
/// (<see cref="PriInterrupt"/>, <see cref="EventInterrupt"/>, <see cref="GErrorInterrupt"/>) run
/// synchronously on the thread that raised them, with no device lock held, so they may access the
/// registers and issue commands.</para>
/// </remarks>
public sealed partial class SmmuDevice : IMmioHandler, IAtsTranslationAgent
{
    private static readonly Logger s_log = Log.For("smmu");

    private readonly PhysicalMemory _memory;
    private readonly FrameAllocator _frames;
    private readonly IAtcBackend _backend;
    private readonly SmmuOptions _options;
    private readonly Idr0 _idr0;
    private readonly Idr1 _idr1;
    private readonly Idr5 _idr5;
    private readonly ConfigCache _config;
    private readonly Iotlb _iotlb;

    /// <summary>
    /// Guards the register file (every <c>_r*</c> field), the event and PRI queue state and
    /// <see cref="_pendingPri"/>. Leaf lock: held only for register-sized work, never across a call
    /// to the backend or a hook.
    /// </summary>
    private readonly Lock _lock = new();

    /// <summary>
    /// Serialises the command-queue consumer (one command at a time, in queue order, as hardware
    /// does) and guards <see cref="_commandCounts"/> and <see cref="_atcInvPending"/>. Held while the
    /// backend is called. Taken before <see cref="_lock"/>, never after it.
    /// </summary>
    private readonly Lock _cmdqLock = new();

    /// <summary>Commands executed, by opcode. Written under <see cref="_cmdqLock"/>.</summary>
    private readonly long[] _commandCounts = new long[256];

    private long _iotlbHits;
    private long _iotlbMisses;
    private long _eventsRecorded;
    private long _eventsDiscarded;

    /// <summary>Creates the device and maps its registers at <see cref="SmmuOptions.MmioBase"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside what the architecture allows.</exception>
    /// <exception cref="ArgumentException">The register window overlaps RAM or another window.</exception>
    public SmmuDevice(PhysicalMemory memory, FrameAllocator frames, IAtcBackend backend, SmmuOptions options)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SidBits is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SidBits, "SidBits must be 1..32");
        }
        if (options.IotlbEntries < 1 || options.ConfigCacheEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "cache sizes must be positive");
        }
        _memory = memory;
        _frames = frames;
        _backend = backend;
        _options = options;
        _idr0 = BuildIdr0(options);
        _idr1 = Idr1.Create(options.CmdqMaxLog2Size, options.EventqMaxLog2Size, options.PriqMaxLog2Size, options.SsidBits, options.SidBits);
        _idr5 = Idr5.Create(options.OasBits, Idr5.Gran4K);
        _config = new ConfigCache(options.ConfigCacheEntries);
        _iotlb = new Iotlb(options.IotlbEntries);
        Reset();
        memory.RegisterMmio(options.MmioBase, SmmuRegisters.WindowSize, this);
    }

    /// <summary>The options the device was built with.</summary>
    public SmmuOptions Options => _options;

    /// <summary>The value of SMMU_IDR0.</summary>
    public Idr0 Idr0 => _idr0;

    /// <summary>The value of SMMU_IDR1.</summary>
    public Idr1 Idr1 => _idr1;

    /// <summary>
    /// The host's PRI queue interrupt handler (the kernel driver's PRIQ thread), run synchronously
    /// by <see cref="RequestPage"/> after the page request is in the PRI queue and
    /// IRQ_CTRL.PRIQ_IRQEN is set. It is expected to consume the queue and answer with CMD_PRI_RESP.
    /// </summary>
    public Action? PriInterrupt { get; set; }

    /// <summary>The host's event queue interrupt handler, run synchronously after an event record is
    /// written while IRQ_CTRL.EVENTQ_IRQEN is set.</summary>
    public Action? EventInterrupt { get; set; }

    /// <summary>The host's global error interrupt handler, run synchronously after a GERROR bit becomes
    /// active while IRQ_CTRL.GERROR_IRQEN is set.</summary>
    public Action? GErrorInterrupt { get; set; }

    /// <summary>Commands of <paramref name="opcode"/> executed so far (for tests and benchmarks).</summary>
    public long CommandCount(CommandOpcode opcode) => Volatile.Read(ref _commandCounts[(byte)opcode]);

    /// <summary>Commands of every opcode executed so far.</summary>
    public long TotalCommandCount
    {
        get
        {
            long n = 0;
            for (int i = 0; i < _commandCounts.Length; i++)
            {
                n += Volatile.Read(ref _commandCounts[i]);
            }
            return n;
        }
    }

    /// <summary>ATS translations answered from the IOTLB.</summary>
    public long IotlbHits => Interlocked.Read(ref _iotlbHits);

    /// <summary>ATS translations that walked the page tables.</summary>
    public long IotlbMisses => Interlocked.Read(ref _iotlbMisses);

    /// <summary>STEs and CDs read from memory (configuration cache misses).</summary>
    public long ConfigFetches => _config.Fetches;

    /// <summary>Event records written to the event queue.</summary>
    public long EventsRecorded => Interlocked.Read(ref _eventsRecorded);

    /// <summary>Event records lost: event queue disabled, full, or its write aborted.</summary>
    public long EventsDiscarded => Interlocked.Read(ref _eventsDiscarded);

    private static Idr0 BuildIdr0(SmmuOptions options)
    {
        uint bits = Idr0.S1P | Idr0.CohAcc | Idr0.Asid16Bit | Idr0.MsiBit | Idr0.SevBit | Idr0.Cd2LBit
            | Idr0.TermModelBit | Idr0HttuAccessDirty;
        if (options.AtsSupported)
        {
            bits |= Idr0.AtsBit;
        }
        if (options.PriSupported)
        {
            bits |= Idr0.PriBit;
        }
        return new Idr0(0).With(bits)
            .WithTtf(Idr0.TtfAArch64)
            .WithTtEndian(Idr0.TtEndianLittle)
            .WithStallModel(Idr0.StallModelTerminateOnly)
            .WithStLevel(Idr0.StLevelTwoLevel);
    }

    /// <summary>Raises global errors <paramref name="errors"/> that are not already active.</summary>
    /// <returns>true when the GERROR interrupt should be signalled.</returns>
    private bool RaiseGErrorLocked(uint errors)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        uint fresh = errors & ~GError.Active(new GError(_rGError), new GError(_rGErrorN));
        if (fresh == 0)
        {
            return false;
        }
        _rGError = new GError(_rGError).Toggle(fresh).Raw;
        return (_rIrqCtrl & SmmuRegisters.IrqCtrlGErrorIrqEn) != 0;
    }

    private void SignalGError() => GErrorInterrupt?.Invoke();
}

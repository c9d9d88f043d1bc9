using Emulator.Core.Cpu;
using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Kernel.Exec;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

/// <summary>
/// The emulated kernel that runs static x86-64 Linux executables on a <see cref="Machine"/>: single-
/// threaded processes scheduled round-robin on one or more vCPUs, the Linux system calls of
/// docs/guest-abi.md, and the SVA devices as <c>/dev/svaN</c>.
/// </summary>
/// <remarks>
/// <para>Determinism: every vCPU is stepped in a fixed order on the thread that calls <see cref="Run"/>,
/// quantum lengths come from a generator seeded with <see cref="GuestKernelOptions.Seed"/>, and the
/// clock is virtual (instructions retired). The same seed, program and arguments give the same
/// interleaving, output and instruction counts.</para>
/// <para>Guest misbehaviour — a bad pointer, an unmapped access, an invalid instruction — is a return
/// value or a killed process with a report, never an exception. Exceptions are for bugs and host I/O.</para>
/// <para>Not thread-safe: one thread spawns and runs.</para>
/// </remarks>
public sealed partial class GuestKernel
{
    private static readonly NLog.Logger s_log = Log.For("kernel");

    private readonly Machine _machine;
    private readonly GuestKernelOptions _options;
    private readonly SvaCharDevice[] _devices;
    private readonly Vcpu[] _vcpus;

    /// <summary>The decoded-instruction cache all vCPUs share (they are stepped on one thread).</summary>
    private readonly Cpu.CodeCache _code;
    private readonly Queue<GuestProcess> _runQueue = new();
    private readonly List<GuestProcess> _processes = [];
    private readonly HashSet<ulong> _unknownSyscalls = [];
    private readonly byte[] _io = new byte[Memory.Page.Size];
    private SplitMix64 _rng;
    private int _nextPid = 1;
    private long _retired;
    private long _faults;
    private long _syscalls;
    private long _switches;

    /// <summary>A kernel over <paramref name="machine"/> with <paramref name="devices"/> as /dev/svaN.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than one vCPU, or a bad quantum range.</exception>
    public GuestKernel(Machine machine, GuestKernelOptions? options = null, IReadOnlyList<SvaCharDevice>? devices = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
        _options = options ?? new GuestKernelOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Vcpus, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MinQuantum, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxQuantum, _options.MinQuantum, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Tick, 1, nameof(options));
        _devices = devices?.ToArray() ?? [];
        _rng = new SplitMix64(_options.Seed);
        _vcpus = new Vcpu[_options.Vcpus];
        _code = new CodeCache(machine.Memory);
        for (int i = 0; i < _vcpus.Length; i++)
        {
            _vcpus[i] = new Vcpu(i, machine.Memory, machine.Options.Paging, machine.Frames, _code, _options.CpuLevel);
        }
    }

    public Machine Machine => _machine;

    /// <summary>Drops the decoded instructions of the frames behind [<paramref name="va"/>,
    /// <paramref name="va"/> + <paramref name="length"/>) of <paramref name="p"/>'s address space, after
    /// the kernel wrote there (a wait status, a timespec): those frames may hold code.</summary>
    private void KernelWrote(GuestProcess p, ulong va, ulong length)
    {
        if (va == 0 || length == 0)
        {
            return;
        }
        for (ulong page = va & ~Memory.Page.Mask; page < va + length && page >= (va & ~Memory.Page.Mask); page += Memory.Page.Size)
        {
            var pte = p.Mm.LeafEntry(page);
            if (pte.Present)
            {
                _code.Invalidate(pte.Address, Memory.Page.Size);
            }
        }
    }

    public GuestKernelOptions Options => _options;

    /// <summary>The /dev/svaN nodes.</summary>
    public IReadOnlyList<SvaCharDevice> Devices => _devices;

    /// <summary>Every process spawned or forked so far, in PID order.</summary>
    public IReadOnlyList<GuestProcess> Processes => _processes;

    /// <summary>Instructions retired by all processes so far.</summary>
    public long Instructions => _retired;

    /// <summary>
    /// Parses <paramref name="file"/> as a static ELF executable and spawns it (see
    /// <see cref="Spawn(ElfImage, ReadOnlySpan{byte}, IReadOnlyList{string}, IReadOnlyList{string}, out GuestProcess?)"/>).
    /// </summary>
    /// <param name="file">The executable's bytes.</param>
    /// <param name="argv">Its arguments; argv[0] names the process.</param>
    /// <param name="envp">Its environment.</param>
    /// <param name="process">The new process.</param>
    /// <param name="error">Why not: the loader's message (<c>malformed ELF: ...</c>) or the errno.</param>
    /// <returns>False for a malformed ELF or a load failure.</returns>
    public bool TrySpawn(ReadOnlySpan<byte> file, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        out GuestProcess? process, out string? error)
    {
        process = null;
        if (!ElfImage.TryParse(file, out var elf, out var elfError))
        {
            error = elfError.ToString();
            return false;
        }
        var err = Spawn(elf!, file, argv, envp, out process);
        error = err == Errno.Ok ? null : $"loading the executable failed: {err}";
        return err == Errno.Ok;
    }

    /// <summary>
    /// Creates a process running <paramref name="elf"/>: a new address space with the image and the
    /// start-up stack (docs/guest-abi.md), fds 0–2 on the console, runnable at the entry point.
    /// </summary>
    /// <returns>ENOMEM (no frames), E2BIG/EINVAL (argv/envp; see <see cref="ProcessImage.Load"/>).</returns>
    public Errno Spawn(ElfImage elf, ReadOnlySpan<byte> file, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        out GuestProcess? process)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(envp);
        process = null;
        var mmOptions = ProcessImage.OptionsFor(elf, new AddressSpaceOptions { Mode = _machine.Options.Paging });
        if (!AddressSpace.TryCreate(_machine.Frames, mmOptions, out var mm))
        {
            return Errno.ENOMEM;
        }
        var image = _options.Image with
        {
            ExecFn = _options.Image.ExecFn ?? (argv.Count > 0 ? argv[0] : null),
            Hwcap = Cpu.CpuFeatures.Hwcap(_options.CpuLevel),
            Hwcap2 = Cpu.CpuFeatures.Hwcap2(_options.CpuLevel),
        };
        var err = ProcessImage.Load(mm!, elf, file, argv, envp, out var loaded, image);
        if (err != Errno.Ok)
        {
            mm!.Exit();
            return err;
        }
        var regs = new CpuState { Rip = loaded!.Entry, Rsp = loaded.StackPointer };
        List<GuestFile?> files =
        [
            GuestFile.Console(GuestFileKind.Stdin),
            GuestFile.Console(GuestFileKind.Stdout),
            GuestFile.Console(GuestFileKind.Stderr),
        ];
        process = NewProcess(null, argv.Count > 0 ? argv[0] : "", mm!, regs, files);
        s_log.Debug("spawned {0}: entry {1:x}, rsp {2:x}", process, loaded.Entry, loaded.StackPointer);
        return Errno.Ok;
    }

    private GuestProcess NewProcess(GuestProcess? parent, string name, AddressSpace mm, CpuState regs, List<GuestFile?> files)
    {
        var p = new GuestProcess(_nextPid++, parent, name, mm, regs, files) { State = GuestProcessState.Runnable };
        parent?.Children.Add(p);
        _processes.Add(p);
        _runQueue.Enqueue(p);
        return p;
    }

    private KernelRunResult Result(TimeSpan elapsed)
    {
        var processes = new GuestProcessResult[_processes.Count];
        for (int i = 0; i < processes.Length; i++)
        {
            processes[i] = _processes[i].ToResult();
        }
        var unknown = _unknownSyscalls.ToArray();
        Array.Sort(unknown);
        return new KernelRunResult
        {
            Instructions = _retired,
            Elapsed = elapsed,
            PageFaults = _faults,
            Syscalls = _syscalls,
            ContextSwitches = _switches,
            Processes = processes,
            UnknownSyscalls = unknown,
        };
    }
}

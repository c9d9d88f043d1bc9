using Emulator.Core.Cpu;
using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Kernel.Exec;
using Emulator.Core.Kernel.Fs;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

/// <summary>
/// The emulated kernel that runs static x86-64 Linux executables on a <see cref="Machine"/>:
/// multi-threaded processes scheduled on one or more vCPUs, the Linux system calls of
/// docs/guest-abi.md (threads, futexes, signals, fork/clone/execve, files), and the SVA devices as
/// <c>/dev/svaN</c>.
/// </summary>
/// <remarks>
/// <para>Determinism: every vCPU is stepped in a fixed order on the thread that calls <see cref="Run"/>,
/// quantum lengths come from a generator seeded with <see cref="GuestKernelOptions.Seed"/>, wake-ups
/// are first in, first out, and the clock is virtual (instructions retired, plus the time skipped
/// while every thread sleeps). The same seed, program, arguments and input give the same
/// interleaving, output and instruction counts.</para>
/// <para>Guest misbehaviour — a bad pointer, an unmapped access, an invalid instruction — is a return
/// value or a signal, never an exception. Exceptions are for bugs and host I/O.</para>
/// <para>Not thread-safe: one thread spawns and runs.</para>
/// </remarks>
public sealed partial class GuestKernel
{
    private static readonly NLog.Logger s_log = Log.For("kernel");

    private readonly Machine _machine;
    private readonly GuestKernelOptions _options;
    private readonly SvaCharDevice[] _devices;
    private readonly Vcpu[] _vcpus;
    private readonly GuestFileSystem _fs;
    private readonly FileSyscalls _files;

    /// <summary>The decoded-instruction cache all vCPUs share (they are stepped on one thread).</summary>
    private readonly CodeCache _code;
    private readonly Queue<GuestThread> _runQueue = new();
    private readonly List<GuestProcess> _processes = [];
    private readonly Dictionary<int, GuestThread> _threads = [];
    private readonly HashSet<ulong> _unknownSyscalls = [];

    /// <summary>Processes using each address space (mm_users): a CLONE_VM child shares its parent's.</summary>
    private readonly Dictionary<AddressSpace, int> _mmUsers = [];

    private readonly byte[] _io = new byte[Memory.Page.Size];
    private SplitMix64 _rng;
    private SplitMix64 _random;
    private int _nextPid = 1;
    private long _retired;
    private long _idleNanoseconds;
    private long _faults;
    private long _syscalls;
    private long _switches;
    private long _signalsDelivered;

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
        _random = new SplitMix64(_options.Seed ^ 0x5EED_0F6E_74A4_D0F1UL);
        _fs = _options.FileSystem ?? new GuestFileSystem(new FsOptions
        {
            RandomSeed = _options.Seed,
            CpuLevel = _options.CpuLevel,
            Cpus = _options.Vcpus,
            MemoryBytes = machine.Memory.RamSize,
        });
        _files = new FileSyscalls(_fs);
        _vcpus = new Vcpu[_options.Vcpus];
        _code = new CodeCache(machine.Memory);
        foreach (var d in _devices)
        {
            _fs.RegisterDevice(d.Path, new SvaCharacterDevice(d));
            // The device's DMA writes may land on code: drop the decoded instructions of the frame.
            d.Async.Wrote = pa => _code.Invalidate(pa & ~Memory.Page.Mask, Memory.Page.Size);
        }
        for (int i = 0; i < _vcpus.Length; i++)
        {
            _vcpus[i] = new Vcpu(i, machine.Memory, machine.Options.Paging, machine.Frames, _code, _options.CpuLevel);
        }
    }

    public Machine Machine => _machine;

    /// <summary>The guest's file system.</summary>
    public GuestFileSystem FileSystem => _fs;

    public GuestKernelOptions Options => _options;

    /// <summary>The /dev/svaN nodes.</summary>
    public IReadOnlyList<SvaCharDevice> Devices => _devices;

    /// <summary>Every process spawned, forked or cloned so far, in PID order.</summary>
    public IReadOnlyList<GuestProcess> Processes => _processes;

    /// <summary>Instructions retired by all threads so far.</summary>
    public long Instructions => _retired;

    /// <summary>The virtual clock in nanoseconds: <see cref="GuestKernelOptions.NanosecondsPerInstruction"/>
    /// per instruction retired, plus the time skipped while every thread slept.</summary>
    public long Now => _retired * _options.NanosecondsPerInstruction + _idleNanoseconds;

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
    /// start-up stack (docs/guest-abi.md), fds 0–2 on the console, one thread runnable at the entry point.
    /// </summary>
    /// <returns>ENOMEM (no frames), E2BIG/EINVAL (argv/envp; see <see cref="ProcessImage.Load"/>).</returns>
    public Errno Spawn(ElfImage elf, ReadOnlySpan<byte> file, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        out GuestProcess? process)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(envp);
        process = null;
        string exe = _options.Image.ExecFn ?? (argv.Count > 0 ? argv[0] : "");
        var err = LoadImage(elf, file, argv, envp, exe, out var mm, out var loaded);
        if (err != Errno.Ok)
        {
            return err;
        }
        var regs = new CpuState { Rip = loaded!.Entry, Rsp = loaded.StackPointer };
        var files = new FdTable();
        files.Install(new ConsoleFile(_options.Stdin, null, _options.StdinHostFd, FsAbi.ORdOnly, ConsolePath(_options.StdinHostFd)), closeOnExec: false);
        files.Install(new ConsoleFile(null, _options.Stdout, _options.StdoutHostFd, FsAbi.OWrOnly, ConsolePath(_options.StdoutHostFd)), closeOnExec: false);
        files.Install(new ConsoleFile(null, _options.Stderr, _options.StderrHostFd, FsAbi.OWrOnly, ConsolePath(_options.StderrHostFd)), closeOnExec: false);
        var fsContext = new FsContext(_options.WorkingDirectory ?? _fs.InitialWorkingDirectory(), 0x12);
        process = NewProcess(null, argv.Count > 0 ? argv[0] : "", mm!, files, fsContext, new SignalActions());
        SetExecIdentity(process, exe, argv, envp);
        SetImageLayout(process, elf, loaded);
        process.ExeImage = file.ToArray();
        NewThread(process, _nextPid - 1, regs);
        s_log.Debug("spawned {0}: entry {1:x}, rsp {2:x}", process, loaded.Entry, loaded.StackPointer);
        return Errno.Ok;
    }

    /// <summary>A fresh address space holding <paramref name="elf"/> and its start-up stack.</summary>
    private Errno LoadImage(ElfImage elf, ReadOnlySpan<byte> file, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        string execFn, out AddressSpace? mm, out LoadedProcess? loaded)
    {
        loaded = null;
        var mmOptions = ProcessImage.OptionsFor(elf, new AddressSpaceOptions { Mode = _machine.Options.Paging });
        if (!AddressSpace.TryCreate(_machine.Frames, mmOptions, out mm))
        {
            return Errno.ENOMEM;
        }
        var image = _options.Image with
        {
            ExecFn = execFn,
            Hwcap = CpuFeatures.Hwcap(_options.CpuLevel),
            Hwcap2 = CpuFeatures.Hwcap2(_options.CpuLevel),
            RandomSeed = _random.Next(),
        };
        var err = ProcessImage.Load(mm!, elf, file, argv, envp, out loaded, image);
        if (err != Errno.Ok)
        {
            mm!.Exit();
            mm = null;
        }
        return err;
    }

    /// <summary>What readlink of /proc/self/fd/0..2 shows: the host's name for the descriptor, else a pipe.</summary>
    private static string ConsolePath(int hostFd)
    {
        if (hostFd >= 0)
        {
            try
            {
                var target = new FileInfo($"/proc/self/fd/{hostFd}").LinkTarget;
                if (target is not null)
                {
                    return target;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return "pipe:[1]";
    }

    /// <summary>Records where the image, the heap and the stack are, for /proc/self/maps.</summary>
    private static void SetImageLayout(GuestProcess p, ElfImage elf, LoadedProcess loaded)
    {
        var ranges = new List<(ulong, ulong, ulong)>();
        foreach (var seg in elf.LoadSegments)
        {
            ulong start = Memory.Page.AlignDown(seg.Vaddr);
            Memory.Page.TryAlignUp(seg.Vaddr + seg.FileSize, out ulong end);
            if (end > start)
            {
                ranges.Add((start, end, Memory.Page.AlignDown(seg.Offset)));
            }
        }
        p.ImageRanges = ranges;
        p.HeapStart = loaded.Brk;
        p.StackStart = loaded.StackPointer;
        p.StackEnd = loaded.StackTop;
    }

    private static void SetExecIdentity(GuestProcess p, string exe, IReadOnlyList<string> argv, IReadOnlyList<string> envp)
    {
        p.ExePath = exe;
        p.Cmdline = NulJoined(argv);
        p.Environ = NulJoined(envp);
    }

    private static byte[] NulJoined(IReadOnlyList<string> strings)
    {
        var ms = new MemoryStream();
        foreach (string s in strings)
        {
            byte[] b = System.Text.Encoding.UTF8.GetBytes(s);
            ms.Write(b);
            ms.WriteByte(0);
        }
        return ms.ToArray();
    }

    private GuestProcess NewProcess(GuestProcess? parent, string name, AddressSpace mm, FdTable files, FsContext fs, SignalActions actions)
    {
        var p = new GuestProcess(_nextPid++, parent, name, mm, files, fs, actions) { State = GuestProcessState.Live };
        parent?.Children.Add(p);
        _processes.Add(p);
        _mmUsers[mm] = _mmUsers.GetValueOrDefault(mm) + 1;
        return p;
    }

    /// <summary>A runnable thread of <paramref name="p"/> with ID <paramref name="tid"/>.</summary>
    private GuestThread NewThread(GuestProcess p, int tid, CpuState regs)
    {
        var t = new GuestThread(tid, p, regs) { State = GuestThreadState.Runnable, Comm = Basename(p.ExePath) };
        p.Threads.Add(t);
        _threads[tid] = t;
        _runQueue.Enqueue(t);
        return t;
    }

    /// <summary>Drops the decoded instructions of the frames behind [<paramref name="va"/>,
    /// <paramref name="va"/> + <paramref name="length"/>) of <paramref name="mm"/>, after the kernel
    /// wrote there (a wait status, a signal frame): those frames may hold code.</summary>
    private void KernelWrote(AddressSpace mm, ulong va, ulong length)
    {
        if (va == 0 || length == 0)
        {
            return;
        }
        for (ulong page = va & ~Memory.Page.Mask; page < va + length && page >= (va & ~Memory.Page.Mask); page += Memory.Page.Size)
        {
            var pte = mm.LeafEntry(page);
            if (pte.Present)
            {
                _code.Invalidate(pte.Address, Memory.Page.Size);
            }
        }
    }

    /// <summary>Copies <paramref name="source"/> to the user address <paramref name="va"/> of
    /// <paramref name="mm"/> as the kernel's copy_to_user does, and drops decoded code behind it.</summary>
    private Errno CopyToUser(AddressSpace mm, ulong va, ReadOnlySpan<byte> source)
    {
        var err = mm.WriteUser(va, source, out _);
        KernelWrote(mm, va, (ulong)source.Length);
        return err;
    }

    private static Errno CopyFromUser(AddressSpace mm, ulong va, Span<byte> destination) => mm.ReadUser(va, destination, out _);

    private Errno PutU32(AddressSpace mm, ulong va, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return CopyToUser(mm, va, b);
    }

    private Errno PutU64(AddressSpace mm, ulong va, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return CopyToUser(mm, va, b);
    }

    private static Errno GetU32(AddressSpace mm, ulong va, out uint value)
    {
        Span<byte> b = stackalloc byte[4];
        var err = mm.ReadUser(va, b, out _);
        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);
        return err;
    }

    private static Errno GetU64(AddressSpace mm, ulong va, out ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        var err = mm.ReadUser(va, b, out _);
        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b);
        return err;
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
            SignalsDelivered = _signalsDelivered,
            VirtualNanoseconds = Now,
            Processes = processes,
            UnknownSyscalls = unknown,
        };
    }
}

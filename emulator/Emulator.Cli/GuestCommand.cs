using Emulator.Core;
using Emulator.Core.Kernel;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Text;
using Emulator.Cli.Shell;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator boot --guest FILE [-- ARGS...]</c>: runs a static x86-64 executable on the machine
/// with one SVA device (<c>/dev/sva0</c>), the guest's stdout/stderr on the host's, then a summary.
/// </summary>
internal static class GuestCommand
{
    /// <summary>The device's StreamID.</summary>
    public const uint Sid = 0x10;

    /// <summary>PASID width of the device.</summary>
    public const int PasidBits = 20;

    /// <summary>
    /// Loads <paramref name="path"/>, runs it (and whatever it forks) to completion, and writes the
    /// summary to <paramref name="report"/>.
    /// </summary>
    /// <param name="path">The executable; also argv[0].</param>
    /// <param name="args">argv[1..].</param>
    /// <param name="options">The machine.</param>
    /// <param name="report">Summary and crash reports (after the guest's output).</param>
    /// <param name="stdout">The guest's fd 1.</param>
    /// <param name="stderr">The guest's fd 2.</param>
    /// <param name="kernel">Scheduler options (seed, vCPUs); the console streams are replaced.</param>
    /// <param name="devices">SVA devices to add (/dev/sva0, ...).</param>
    /// <returns>The guest's exit status (128 + signal when killed), or
    /// <see cref="ExitCodes.DefaultGuestErrorExitCode"/> when the coherence oracle fired; 3 when the
    /// file cannot be read, 2 when it is not a valid static ELF executable or the machine cannot be built.</returns>
    public static int Run(string path, IReadOnlyList<string> args, MachineOptions options, TextWriter report,
        Stream stdout, Stream stderr, GuestKernelOptions? kernel = null, int devices = 1)
    {
        if (!TryReadExecutable(path, out byte[]? file, out string? error, out int code))
        {
            report.WriteLine($"emulator boot: --guest {path}: {error}");
            return code;
        }
        return Run(file!, [path, .. args], options, report, stdout, stderr, kernel, devices);
    }

    /// <summary>Reads at most <see cref="GuestKernel.MaxExecutableBytes"/> of <paramref name="path"/>: a
    /// larger file, a directory or an endless device (/dev/zero) is refused with a message, never read whole.</summary>
    /// <param name="path">The file.</param>
    /// <param name="file">Its bytes.</param>
    /// <param name="error">Why it was refused.</param>
    /// <param name="exitCode">2 when it is not a loadable file (a directory, too large), 3 when it cannot be read.</param>
    internal static bool TryReadExecutable(string path, out byte[]? file, out string? error, out int exitCode)
    {
        file = null;
        error = null;
        exitCode = ExitCodes.Usage;
        try
        {
            if (Directory.Exists(path))
            {
                error = "is a directory, not an executable";
                return false;
            }
            // Devices and sockets are refused by their type before a byte is read (/dev/zero is not
            // an executable however long it is read); the size is checked as the file is read.
            using Stream? stream = InputFile.TryOpen(path, new InputLimits(InputKind.Executable, long.MaxValue, int.MaxValue), out error);
            if (stream is null)
            {
                return false;
            }
            var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > GuestKernel.MaxExecutableBytes)
                {
                    error = $"larger than {GuestKernel.MaxExecutableBytes >> 20} MiB: not an executable this emulator loads";
                    return false;
                }
                buffer.Write(chunk, 0, n);
            }
            file = buffer.ToArray();
            return true;
        }
        catch (Exception e) when (HostErrors.IsIo(e))
        {
            error = HostErrors.Describe(e, path);
            exitCode = HostErrors.ExitCode(e, path);
            return false;
        }
    }

    /// <summary>As <see cref="Run(string, IReadOnlyList{string}, MachineOptions, TextWriter, Stream, Stream, GuestKernelOptions?, int)"/>
    /// for an executable already in memory; <paramref name="argv"/>[0] names it.</summary>
    public static int Run(byte[] file, IReadOnlyList<string> argv, MachineOptions options, TextWriter report,
        Stream stdout, Stream stderr, GuestKernelOptions? kernel = null, int devices = 1)
    {
        var outcome = Execute(file, argv, options, report, stdout, stderr, kernel, devices: devices);
        if (outcome.Summary is not { } summary)
        {
            return outcome.StartFailure;
        }
        summary.WriteText(report);
        return summary.Coherent ? summary.GuestStatus : ExitCodes.DefaultGuestErrorExitCode;
    }

    /// <summary>What <see cref="Execute"/> did: a summary of the run, or why it could not start.</summary>
    /// <param name="Summary">The finished run; null when it did not start.</param>
    /// <param name="StartFailure">The exit code when it did not start (2: malformed ELF or machine options).</param>
    /// <param name="Machine">The machine it ran on (null when it could not be built).</param>
    internal readonly record struct GuestOutcome(GuestSummary? Summary, int StartFailure, Machine? Machine);

    /// <summary>Builds the machine, spawns the guest and runs it; the summary is returned, not printed.</summary>
    /// <param name="file">The executable.</param>
    /// <param name="argv">Its arguments; argv[0] names it.</param>
    /// <param name="options">The machine.</param>
    /// <param name="diagnostics">Where start-up failures and notes go.</param>
    /// <param name="stdout">The guest's fd 1.</param>
    /// <param name="stderr">The guest's fd 2.</param>
    /// <param name="kernel">Scheduler and file-system options.</param>
    /// <param name="verbose">Every oracle finding in full.</param>
    /// <param name="onMachine">Called once the machine exists, before the guest runs (tracing, statistics).</param>
    /// <param name="devices">SVA devices to add (/dev/sva0, ...).</param>
    /// <param name="onKernel">Called once the guest is loaded, before it runs (the console's Ctrl-C).</param>
    internal static GuestOutcome Execute(byte[] file, IReadOnlyList<string> argv, MachineOptions options, TextWriter diagnostics,
        Stream stdout, Stream stderr, GuestKernelOptions? kernel = null, bool verbose = false, Action<Machine>? onMachine = null, int devices = 1,
        Action<GuestKernel>? onKernel = null)
    {
        string name = argv.Count > 0 ? argv[0] : "guest";
        Machine machine;
        try
        {
            machine = new Machine(options);
        }
        catch (ArgumentException e)
        {
            diagnostics.WriteLine($"emulator boot: {e.Message}");
            return new GuestOutcome(null, ExitCodes.Usage, null);
        }
        if (!TryAddDevices(machine, devices, out var nodes, out string? deviceError))
        {
            diagnostics.WriteLine($"emulator boot: {deviceError}");
            return new GuestOutcome(null, ExitCodes.Usage, machine);
        }
        onMachine?.Invoke(machine);
        var k = new GuestKernel(machine, (kernel ?? new GuestKernelOptions()) with { Stdout = stdout, Stderr = stderr }, nodes);
        if (k.FileSystem.Options.Overlay)
        {
            diagnostics.WriteLine("emulator: --overlay: the host file system is read-only for this run; the guest's writes are in memory and discarded at exit");
        }
        if (!k.TrySpawn(file, argv, GuestEnvironment(), out _, out string? error))
        {
            diagnostics.WriteLine($"emulator boot: --guest {name}: {error}");
            return new GuestOutcome(null, ExitCodes.Usage, machine);
        }
        onKernel?.Invoke(k);
        var result = k.Run();
        return new GuestOutcome(GuestSummary.From(machine, k, result, verbose), 0, machine);
    }

    /// <summary>Adds <paramref name="count"/> SVA devices (StreamIDs 0x10, 0x11, ...) as /dev/sva0, /dev/sva1, ...</summary>
    internal static bool TryAddDevices(Machine machine, int count, out SvaCharDevice[] nodes, out string? error)
    {
        nodes = new SvaCharDevice[count];
        error = null;
        for (int i = 0; i < count; i++)
        {
            var err = machine.AddDevice(Sid + (uint)i, ats: true, pri: true, PasidBits, out var dma);
            if (err != Errno.Ok)
            {
                error = $"adding SVA device {i} failed: {err}";
                return false;
            }
            nodes[i] = new SvaCharDevice(i, machine.Sva!, dma!);
        }
        return true;
    }

    /// <summary>The guest's environment: the emulator's own, as qemu-user passes it, in a stable order.</summary>
    internal static IReadOnlyList<string> GuestEnvironment()
    {
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env.Add($"{e.Key}={e.Value}");
        }
        env.Sort(StringComparer.Ordinal);
        return env;
    }
}

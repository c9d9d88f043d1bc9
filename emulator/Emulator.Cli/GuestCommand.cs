using Emulator.Core;
using Emulator.Core.Kernel;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Mm;
using Emulator.Core.Smmu;

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
    /// <returns>The guest's exit status (128 + signal when killed), or 1 when it exited 0 but the
    /// coherence oracle saw a stale access; 2 when the file cannot be read,
    /// is not a valid static ELF executable, or the machine cannot be built.</returns>
    public static int Run(string path, IReadOnlyList<string> args, MachineOptions options, TextWriter report,
        Stream stdout, Stream stderr, GuestKernelOptions? kernel = null, int devices = 1)
    {
        if (!TryReadExecutable(path, out byte[]? file, out string? error))
        {
            report.WriteLine($"emulator boot: --guest {path}: {error}");
            return 2;
        }
        return Run(file!, [path, .. args], options, report, stdout, stderr, kernel, devices);
    }

    /// <summary>Reads at most <see cref="GuestKernel.MaxExecutableBytes"/> of <paramref name="path"/>: a
    /// larger file, a directory or an endless device (/dev/zero) is refused with a message, never read whole.</summary>
    internal static bool TryReadExecutable(string path, out byte[]? file, out string? error)
    {
        file = null;
        error = null;
        try
        {
            if (Directory.Exists(path))
            {
                error = "is a directory, not an executable";
                return false;
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e is UnauthorizedAccessException ? "permission denied" : e.Message;
            return false;
        }
    }

    /// <summary>As <see cref="Run(string, IReadOnlyList{string}, MachineOptions, TextWriter, Stream, Stream, GuestKernelOptions?, int)"/>
    /// for an executable already in memory; <paramref name="argv"/>[0] names it.</summary>
    public static int Run(byte[] file, IReadOnlyList<string> argv, MachineOptions options, TextWriter report,
        Stream stdout, Stream stderr, GuestKernelOptions? kernel = null, int devices = 1)
    {
        string name = argv.Count > 0 ? argv[0] : "guest";
        Machine machine;
        try
        {
            machine = new Machine(options);
        }
        catch (ArgumentException e)
        {
            report.WriteLine($"emulator boot: {e.Message}");
            return 2;
        }
        if (!TryAddDevices(machine, devices, out var nodes, out string? deviceError))
        {
            report.WriteLine($"emulator boot: {deviceError}");
            return 2;
        }
        var k = new GuestKernel(machine, (kernel ?? new GuestKernelOptions()) with { Stdout = stdout, Stderr = stderr }, nodes);
        if (k.FileSystem.Options.Overlay)
        {
            report.WriteLine("emulator: --overlay: the host file system is read-only for this run; the guest's writes are in memory and discarded at exit");
        }
        if (!k.TrySpawn(file, argv, GuestEnvironment(), out _, out string? error))
        {
            report.WriteLine($"emulator boot: --guest {name}: {error}");
            return 2;
        }
        var result = k.Run();
        Summarize(machine, k, result, report);
        int status = result.Init!.ShellStatus;
        // boot succeeds only when the guest did and the oracle saw nothing stale.
        return status == 0 && (machine.Oracle.Stale > 0 || machine.Oracle.Violations > 0) ? 1 : status;
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

    private static void Summarize(Machine machine, GuestKernel kernel, KernelRunResult result, TextWriter report)
    {
        long notifierInvalidations = 0, secondaryTlb = 0, cowBreaks = 0;
        foreach (var p in kernel.Processes)
        {
            MmStats s = p.Mm.Stats;
            notifierInvalidations += s.RangeInvalidations;
            secondaryTlb += s.SecondaryTlbInvalidations;
            cowBreaks += s.CowBreaks;
        }
        var driver = machine.SmmuDriver?.Stats;
        report.WriteLine($"guest: {result.Instructions} instructions in {result.Elapsed.TotalMilliseconds:F0} ms ({result.Mips:F1} MIPS), " +
            $"{result.PageFaults} page faults, {result.Syscalls} syscalls, {result.ContextSwitches} context switches");
        report.WriteLine($"mm: {notifierInvalidations} notifier invalidations, {secondaryTlb} secondary-TLB invalidations, {cowBreaks} COW breaks");
        report.WriteLine($"iommu: {driver?.Commands(CommandOpcode.AtcInv) ?? 0} ATC invalidations, {driver?.PageRequests ?? 0} page requests, " +
            $"{driver?.CommandErrors ?? 0} command errors");
        foreach (var d in kernel.Devices)
        {
            var dma = d.Engine.Device;
            if (d.Async.Submitted > 0)
            {
                report.WriteLine($"{d.Path}: {d.Async.Submitted} portal descriptors ({d.Async.Retries} ENQCMD retries), " +
                    $"{dma.DrainingInvalidations} invalidations drained {dma.DrainedAccesses} DMAs in flight" +
                    (dma.EarlyCompletions > 0 ? $", {dma.EarlyCompletions} answered before draining" : ""));
            }
        }
        foreach (var p in result.Processes)
        {
            report.WriteLine(p.ToString());
        }
        if (result.UnknownSyscalls.Count > 0)
        {
            report.WriteLine($"unimplemented syscalls (-ENOSYS): {string.Join(", ", result.UnknownSyscalls)}");
        }
        long stale = machine.Oracle.Stale, violations = machine.Oracle.Violations;
        report.WriteLine(stale == 0 && violations == 0
            ? $"oracle: coherent ({machine.Oracle.Checked} DMA accesses checked, 0 stale)"
            : $"oracle: {stale} stale DMA accesses, {violations} ATC entries outliving their mapping");
        foreach (var s in machine.Oracle.StaleAccesses)
        {
            report.WriteLine($"  stale: {s}");
        }
    }
}

using System.Diagnostics;
using System.Text;
using Emulator.Core;
using Emulator.Core.Kernel;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>busybox-vs-qemu</c>: Debian's busybox-static doing CPU-heavy work on a few MiB in a scratch
/// directory under /tmp (<c>sha256sum</c> of the file, <c>sort | md5sum</c> of its lines), run on the
/// emulator (in process, one vCPU) and by <c>qemu-x86_64</c> (Debian <c>qemu-user</c>); the figure is
/// our wall time as a multiple of QEMU's speed, like <c>guest-vs-qemu</c> (x, informational until
/// block translation lands). Both runs must print the same thing. QEMU's start-up is subtracted.
/// </summary>
internal sealed class BusyboxVsQemuBenchmark : Benchmark
{
    private const string Script = "sha256sum data.txt; sort data.txt | md5sum";

    public override string Name => "busybox-vs-qemu";
    public override string Unit => "x";
    public override double Target => 0;
    public override bool HigherIsBetter => true;
    public override string Description => "busybox sha256sum and sort of a few MiB: our speed as a multiple of qemu-x86_64's (informational)";

    public override BenchResult Run(bool quick)
    {
        string? busybox = FindOnPath("busybox");
        string? qemu = FindOnPath("qemu-x86_64");
        if (busybox is null)
        {
            return Result(0, "skipped: busybox not installed (apt install busybox-static)");
        }
        if (qemu is null)
        {
            return Result(0, "skipped: qemu-x86_64 not installed (apt install qemu-user)");
        }
        string dir = Directory.CreateTempSubdirectory("busybox-vs-qemu-").FullName;
        try
        {
            WriteData(Path.Combine(dir, "data.txt"), quick ? 256 << 10 : 2 << 20);
            string[] argv = [busybox, "sh", "-c", Script];
            string[] env = ["PATH=/usr/bin:/bin", "LC_ALL=C"];
            var (ours, oursOutput, instructions) = RunOurs(busybox, argv, env, dir);
            double startup = double.MaxValue, total = double.MaxValue;
            string qemuOutput = "";
            for (int i = 0; i < (quick ? 1 : 3); i++)
            {
                startup = Math.Min(startup, TimeQemu(qemu, [busybox, "true"], dir, out _));
                total = Math.Min(total, TimeQemu(qemu, argv, dir, out qemuOutput));
            }
            if (qemuOutput != oursOutput)
            {
                throw new InvalidOperationException($"busybox-vs-qemu: the outputs differ\nemulator:\n{oursOutput}\nqemu-x86_64:\n{qemuOutput}");
            }
            double qemuSeconds = Math.Max(total - startup, 1e-6);
            return Result(qemuSeconds / ours,
                $"{instructions} guest instructions: ours {ours * 1e3:0} ms ({instructions / ours / 1e6:0} MIPS), qemu-x86_64 {qemuSeconds * 1e3:0} ms after {startup * 1e3:0} ms start-up; {Script}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Lines of pseudo-random words, <paramref name="bytes"/> in all (fixed seed).</summary>
    private static void WriteData(string path, int bytes)
    {
        var sb = new StringBuilder(bytes + 64);
        ulong x = 0x9E3779B97F4A7C15UL;
        while (sb.Length < bytes)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            sb.Append("line ").Append(x % 1_000_003).Append(' ').Append((x >> 20) % 97).Append('\n');
        }
        File.WriteAllText(path, sb.ToString());
    }

    private static (double Seconds, string Output, long Instructions) RunOurs(string busybox, string[] argv, string[] env, string dir)
    {
        var machine = new Machine(new MachineOptions { RamSize = 1UL << 30 });
        var stdout = new MemoryStream();
        var kernel = new GuestKernel(machine, new GuestKernelOptions { Stdout = stdout, Stderr = Stream.Null, WorkingDirectory = dir });
        byte[] file = File.ReadAllBytes(busybox);
        if (!kernel.TrySpawn(file, argv, env, out _, out string? error))
        {
            throw new InvalidOperationException($"busybox-vs-qemu: {error}");
        }
        var sw = Stopwatch.StartNew();
        var r = kernel.Run();
        double seconds = sw.Elapsed.TotalSeconds;
        if (r.Init!.ShellStatus != 0)
        {
            throw new InvalidOperationException($"busybox-vs-qemu: the emulated run ended with {r.Init}");
        }
        return (seconds, Encoding.UTF8.GetString(stdout.ToArray()), r.Instructions);
    }

    private static double TimeQemu(string qemu, string[] argv, string dir, out string output)
    {
        var psi = new ProcessStartInfo(qemu) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (string a in argv)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/bin:/bin";
        psi.Environment["LC_ALL"] = "C";
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("busybox-vs-qemu: could not start qemu-x86_64");
        output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double seconds = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"busybox-vs-qemu: qemu-x86_64 exited {p.ExitCode}: {p.StandardError.ReadToEnd()}");
        }
        return seconds;
    }

    private static string? FindOnPath(string name)
    {
        foreach (string d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(d, name);
            if (d.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

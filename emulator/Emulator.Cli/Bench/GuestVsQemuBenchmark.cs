using System.Diagnostics;
using Emulator.Core.Kernel.Elf;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>guest-vs-qemu</c>: the <c>guest-mips</c> workload, made a larger static ELF executable, run by
/// our CPU and by <c>qemu-x86_64</c> (Debian <c>qemu-user</c>) when it is installed; the figure is our
/// speed as a multiple of QEMU's (x; target 0.25 with the translator, issue 12's, none for the
/// interpreter alone). QEMU's start-up cost is measured with a trivial program and subtracted, so the
/// ratio compares execution speed. Without QEMU the value is 0 and the detail says why.
/// </summary>
internal sealed class GuestVsQemuBenchmark : Benchmark
{
    private static readonly GuestMipsBenchmark.WorkloadSize Size = new(16384, 384, 40);

    public override string Name => "guest-vs-qemu";
    public override string Unit => "x";
    public override double Target => Emulator.Core.Cpu.CpuOptions.DefaultMode == Emulator.Core.Cpu.CpuMode.Translate ? 0.25 : 0;
    public override bool HigherIsBetter => true;
    public override string Description => "the guest-mips workload as a static ELF: our speed as a multiple of qemu-x86_64's";

    public override BenchResult Run(bool quick)
    {
        string? qemu = OperatingSystem.IsWindows() ? null : FindOnPath("qemu-x86_64");
        if (qemu is null || OperatingSystem.IsWindows())
        {
            return Result(0, "skipped: qemu-x86_64 not installed (apt install qemu-user)");
        }
        var size = quick ? Size with { Rounds = 10 } : Size;
        var workload = new GuestMipsBenchmark.Workload(size);
        workload.Run(); // warm-up; also checks the result
        var sw = Stopwatch.StartNew();
        var ours = workload.Run();
        double oursSeconds = sw.Elapsed.TotalSeconds;

        string dir = Directory.CreateTempSubdirectory("guest-vs-qemu-").FullName;
        try
        {
            string program = Path.Combine(dir, "workload");
            string empty = Path.Combine(dir, "empty");
            File.WriteAllBytes(program, Elf(GuestMipsBenchmark.Workload.Assemble(size), withData: true));
            File.WriteAllBytes(empty, Elf([0xB8, 60, 0, 0, 0, 0x31, 0xFF, 0x0F, 0x05], withData: false)); // mov eax,60; xor edi,edi; syscall
            foreach (string f in (string[])[program, empty])
            {
                File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // qemu-user refuses a file it could not exec
            }
            double startup = double.MaxValue, total = double.MaxValue;
            for (int i = 0; i < (quick ? 2 : 3); i++)
            {
                startup = Math.Min(startup, TimeRun(qemu, empty));
                total = Math.Min(total, TimeRun(qemu, program));
            }
            double qemuSeconds = Math.Max(total - startup, 1e-6);
            return Result(qemuSeconds / oursSeconds,
                $"{ours.Instructions} instructions: ours {oursSeconds * 1e3:0} ms ({ours.Instructions / oursSeconds / 1e6:0} MIPS), qemu-x86_64 {qemuSeconds * 1e3:0} ms after {startup * 1e3:0} ms start-up ({ours.Instructions / qemuSeconds / 1e6:0} MIPS)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A static ET_EXEC: the code at the workload's code address, and (for the workload) its
    /// data as zero-filled memory at its data address, as the benchmark's own harness maps them.</summary>
    private static byte[] Elf(byte[] code, bool withData)
    {
        const int codeOffset = 0x1000;
        const ulong page = 0x1000;
        ulong codeVa = GuestMipsBenchmark.Workload.CodeVa;
        var phdrs = new List<ProgramHeader>
        {
            // The headers in a segment of their own, as gcc lays them out: qemu-user will not load an
            // executable whose program headers are not mapped.
            new() { Type = SegmentType.Load, Flags = SegmentFlags.Read, Offset = 0, Vaddr = codeVa - page, Paddr = codeVa - page, FileSize = page, MemSize = page, Align = page },
            new() { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Execute, Offset = codeOffset, Vaddr = codeVa, Paddr = codeVa, FileSize = (ulong)code.Length, MemSize = (ulong)code.Length, Align = page },
        };
        if (withData)
        {
            ulong dataVa = GuestMipsBenchmark.Workload.DataVa;
            ulong dataBytes = GuestMipsBenchmark.Workload.ResultVa - dataVa + page;
            phdrs.Add(new() { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Write, Offset = 0, Vaddr = dataVa, Paddr = dataVa, FileSize = 0, MemSize = dataBytes, Align = page });
        }
        return ElfBuilder.Exec(codeVa, phdrs, codeOffset, code);
    }

    private static double TimeRun(string qemu, string program)
    {
        var psi = new ProcessStartInfo(qemu, [program]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("guest-vs-qemu: could not start qemu-x86_64");
        p.WaitForExit();
        double seconds = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"guest-vs-qemu: qemu-x86_64 {program} exited {p.ExitCode}: {p.StandardError.ReadToEnd()}");
        }
        return seconds;
    }

    private static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

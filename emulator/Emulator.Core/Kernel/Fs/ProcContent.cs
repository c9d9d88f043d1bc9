using System.Globalization;
using System.Text;
using Emulator.Core.Cpu;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The text of the /proc files, in Linux's formats (fs/proc/*.c, arch/x86/kernel/cpu/proc.c): the
/// fields programs parse carry the emulator's real values (pid, parent, threads, memory, CPU flags);
/// counters the emulator does not keep are 0.
/// </summary>
internal static class ProcContent
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>/proc/cpuinfo: one block per processor; "flags" lists exactly the CPUID bits of the
    /// level (<see cref="CpuFeatures"/>), in the kernel's capability-word order.</summary>
    public static string CpuInfo(FsOptions options)
    {
        var level = options.CpuLevel;
        var (maxLeaf, _, _, _) = CpuFeatures.Cpuid(level, 0, 0, 0);
        var flags = string.Join(' ', CpuFlags(level));
        var sb = new StringBuilder();
        for (int i = 0; i < options.Cpus; i++)
        {
            sb.Append(s_inv, $"processor\t: {i}\n");
            sb.Append(s_inv, $"vendor_id\t: {CpuFeatures.Vendor}\n");
            sb.Append(s_inv, $"cpu family\t: {CpuFeatures.Family(CpuFeatures.DefaultSignature)}\nmodel\t\t: {CpuFeatures.Model(CpuFeatures.DefaultSignature)}\n");
            sb.Append(s_inv, $"model name\t: Emulator x86-64-v{(int)level}\n");
            sb.Append(s_inv, $"stepping\t: {CpuFeatures.DefaultSignature & 0xF}\ncpu MHz\t\t: 1000.000\ncache size\t: 0 KB\nphysical id\t: 0\n");
            sb.Append(s_inv, $"siblings\t: {options.Cpus}\ncore id\t\t: {i}\ncpu cores\t: {options.Cpus}\napicid\t\t: {i}\ninitial apicid\t: {i}\n");
            sb.Append("fpu\t\t: yes\nfpu_exception\t: yes\n");
            sb.Append(s_inv, $"cpuid level\t: {maxLeaf}\n");
            sb.Append("wp\t\t: yes\n");
            sb.Append("flags\t\t: ").Append(flags).Append('\n');
            sb.Append("bugs\t\t:\nbogomips\t: 2000.00\nclflush size\t: 64\ncache_alignment\t: 64\n");
            sb.Append("address sizes\t: 46 bits physical, 48 bits virtual\npower management:\n\n");
        }
        return sb.ToString();
    }

    /// <summary>The /proc/cpuinfo flag names of the level's CPUID bits (arch/x86/include/asm/cpufeatures.h).</summary>
    public static List<string> CpuFlags(CpuLevel level)
    {
        var (_, _, ecx1, edx1) = CpuFeatures.Cpuid(level, 0, 1, 0);
        var (_, ebx7, _, _) = CpuFeatures.Cpuid(level, 0, 7, 0);
        var (_, _, ecxE, edxE) = CpuFeatures.Cpuid(level, 0, 0x8000_0001, 0);
        var flags = new List<string>();
        void Add(uint reg, int bit, string name)
        {
            if ((reg & (1u << bit)) != 0)
            {
                flags.Add(name);
            }
        }
        // Word 0: CPUID.1:EDX.
        Add(edx1, 0, "fpu"); Add(edx1, 4, "tsc"); Add(edx1, 8, "cx8"); Add(edx1, 15, "cmov");
        Add(edx1, 23, "mmx"); Add(edx1, 24, "fxsr"); Add(edx1, 25, "sse"); Add(edx1, 26, "sse2");
        // Word 1: CPUID.80000001:EDX.
        Add(edxE, 11, "syscall"); Add(edxE, 20, "nx"); Add(edxE, 29, "lm");
        // Word 4: CPUID.1:ECX (OSXSAVE has no name in /proc/cpuinfo).
        Add(ecx1, 0, "pni"); Add(ecx1, 9, "ssse3"); Add(ecx1, 12, "fma"); Add(ecx1, 13, "cx16");
        Add(ecx1, 19, "sse4_1"); Add(ecx1, 20, "sse4_2"); Add(ecx1, 22, "movbe"); Add(ecx1, 23, "popcnt");
        Add(ecx1, 26, "xsave"); Add(ecx1, 28, "avx"); Add(ecx1, 29, "f16c");
        // Word 6: CPUID.80000001:ECX.
        Add(ecxE, 0, "lahf_lm"); Add(ecxE, 5, "abm");
        // Word 9: CPUID.7.0:EBX.
        Add(ebx7, 3, "bmi1"); Add(ebx7, 5, "avx2"); Add(ebx7, 8, "bmi2");
        return flags;
    }

    public static string MemInfo(FsOptions options, IFileSyscallContext ctx)
    {
        ulong total = options.MemoryBytes / 1024;
        ulong used = Math.Min(total, ctx.Process.ResidentBytes / 1024);
        var sb = new StringBuilder();
        void Line(string name, ulong kb) => sb.Append(s_inv, $"{name + ":",-16}{kb,8} kB\n");
        Line("MemTotal", total);
        Line("MemFree", total - used);
        Line("MemAvailable", total - used);
        foreach (string name in new[] { "Buffers", "Cached", "SwapCached", "Active", "Inactive", "SwapTotal", "SwapFree",
            "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem", "Slab", "PageTables", "CommitLimit", "Committed_AS" })
        {
            Line(name, name == "AnonPages" ? used : 0);
        }
        sb.Append("HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n");
        return sb.ToString();
    }

    /// <summary>/proc/stat: zero CPU counters per processor, the boot time from the virtual clock.</summary>
    public static string SystemStat(FsOptions options, IFileSyscallContext ctx)
    {
        var sb = new StringBuilder("cpu  0 0 0 0 0 0 0 0 0 0\n");
        for (int i = 0; i < options.Cpus; i++)
        {
            sb.Append(s_inv, $"cpu{i} 0 0 0 0 0 0 0 0 0 0\n");
        }
        long btime = (ctx.RealtimeNanoseconds - ctx.NowNanoseconds) / 1_000_000_000;
        sb.Append(s_inv, $"intr 0\nctxt 0\nbtime {btime}\nprocesses {ctx.Pid}\nprocs_running 1\nprocs_blocked 0\nsoftirq 0\n");
        return sb.ToString();
    }

    public static string Uptime(FsOptions options, IFileSyscallContext ctx)
    {
        double up = ctx.NowNanoseconds / 1e9;
        return string.Create(s_inv, $"{up:F2} {up * options.Cpus:F2}\n");
    }

    public static string LoadAverage(IFileSyscallContext ctx) =>
        string.Create(s_inv, $"0.00 0.00 0.00 1/{ctx.Process.Threads} {ctx.Pid}\n");

    /// <summary>/proc/&lt;pid&gt;/stat: the 52 fields of fs/proc/array.c do_task_stat.</summary>
    public static string ProcessStat(IFileSyscallContext ctx, int id)
    {
        var p = ctx.Process;
        ulong rssPages = p.ResidentBytes / 4096;
        return string.Create(s_inv,
            $"{id} ({p.Comm}) R {p.ParentPid} {p.Pid} {p.Pid} 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 {p.Threads} 0 0 " +
            $"{p.VirtualBytes} {rssPages} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
    }

    /// <summary>/proc/&lt;pid&gt;/statm: size resident shared text lib data dt, in pages.</summary>
    public static string ProcessStatm(IFileSyscallContext ctx)
    {
        var p = ctx.Process;
        return string.Create(s_inv, $"{p.VirtualBytes / 4096} {p.ResidentBytes / 4096} 0 0 0 {p.VirtualBytes / 4096} 0\n");
    }

    /// <summary>/proc/&lt;pid&gt;/status (fs/proc/array.c proc_pid_status), the lines tools read.</summary>
    public static string ProcessStatus(FsOptions options, IFileSyscallContext ctx, int id)
    {
        var p = ctx.Process;
        string caps = ctx.Uid == 0 ? "000001ffffffffff" : "0000000000000000";
        ulong cpuMask = options.Cpus >= 64 ? ulong.MaxValue : (1UL << options.Cpus) - 1;
        var sb = new StringBuilder();
        sb.Append(s_inv, $"Name:\t{p.Comm}\nUmask:\t{Convert.ToString(ctx.Fs.Umask, 8).PadLeft(4, '0')}\nState:\tR (running)\n");
        sb.Append(s_inv, $"Tgid:\t{p.Pid}\nNgid:\t0\nPid:\t{id}\nPPid:\t{p.ParentPid}\nTracerPid:\t0\n");
        sb.Append(s_inv, $"Uid:\t{ctx.Uid}\t{ctx.Uid}\t{ctx.Uid}\t{ctx.Uid}\nGid:\t{ctx.Gid}\t{ctx.Gid}\t{ctx.Gid}\t{ctx.Gid}\n");
        sb.Append(s_inv, $"FDSize:\t{ctx.Files.Capacity}\nGroups:\t\nNStgid:\t{p.Pid}\nNSpid:\t{id}\nNSpgid:\t{p.Pid}\nNSsid:\t{p.Pid}\n");
        sb.Append(s_inv, $"VmPeak:\t{p.VirtualBytes / 1024,8} kB\nVmSize:\t{p.VirtualBytes / 1024,8} kB\nVmLck:\t       0 kB\n");
        sb.Append(s_inv, $"VmHWM:\t{p.ResidentBytes / 1024,8} kB\nVmRSS:\t{p.ResidentBytes / 1024,8} kB\n");
        sb.Append(s_inv, $"Threads:\t{p.Threads}\nSigQ:\t0/63412\n");
        sb.Append("SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n");
        sb.Append("SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n");
        sb.Append(s_inv, $"CapInh:\t0000000000000000\nCapPrm:\t{caps}\nCapEff:\t{caps}\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n");
        sb.Append("NoNewPrivs:\t0\nSeccomp:\t0\n");
        sb.Append(s_inv, $"Cpus_allowed:\t{cpuMask:x}\nCpus_allowed_list:\t{(options.Cpus <= 1 ? "0" : $"0-{options.Cpus - 1}")}\n");
        sb.Append("Mems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
        return sb.ToString();
    }

    /// <summary>/proc/self/mounts: the guest's view (root, proc, dev, dev/shm, sys).</summary>
    public static string Mounts(FsOptions options) =>
        $"{(options.Overlay ? "overlay / overlay" : "rootfs / rootfs")} rw 0 0\n" +
        "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n" +
        "devtmpfs /dev devtmpfs rw,nosuid 0 0\n" +
        "tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n" +
        "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n";
}

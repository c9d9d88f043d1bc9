using System.Globalization;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class GuestFileSystem
{
    /// <summary>/proc: self and thread-self, the caller's /proc/&lt;pid&gt;, the system files libc and
    /// busybox read (cpuinfo, meminfo, stat, uptime, loadavg, version, mounts) and /proc/sys's few answers.</summary>
    private SyntheticDir BuildProc()
    {
        var proc = new ProcRootDir(this, ProcFs);
        proc.Add("self", new SyntheticLink(ProcFs, "/proc/self", static c => c.Pid.ToString(CultureInfo.InvariantCulture)));
        proc.Add("thread-self", new SyntheticLink(ProcFs, "/proc/thread-self",
            static c => string.Create(CultureInfo.InvariantCulture, $"{c.Pid}/task/{c.Tid}")));
        proc.Add("cpuinfo", Text(ProcFs, "/proc/cpuinfo", c => ProcContent.CpuInfo(Options)));
        proc.Add("meminfo", Text(ProcFs, "/proc/meminfo", c => ProcContent.MemInfo(Options, c)));
        proc.Add("stat", Text(ProcFs, "/proc/stat", c => ProcContent.SystemStat(Options, c)));
        proc.Add("uptime", Text(ProcFs, "/proc/uptime", c => ProcContent.Uptime(Options, c)));
        proc.Add("loadavg", Text(ProcFs, "/proc/loadavg", static c => ProcContent.LoadAverage(c)));
        proc.Add("version", Text(ProcFs, "/proc/version", c => $"Linux version {Options.OsRelease} (emulator) #1 SMP\n"));
        proc.Add("mounts", new SyntheticLink(ProcFs, "/proc/mounts", static _ => "self/mounts"));
        proc.Add("filesystems", Text(ProcFs, "/proc/filesystems", static _ =>
            "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\nnodev\toverlay\n\text4\n"));

        var sys = new SyntheticDir(this, ProcFs, "/proc/sys");
        var kernel = new SyntheticDir(this, ProcFs, "/proc/sys/kernel");
        var vm = new SyntheticDir(this, ProcFs, "/proc/sys/vm");
        var fs = new SyntheticDir(this, ProcFs, "/proc/sys/fs");
        proc.Add("sys", sys);
        sys.Add("kernel", kernel);
        sys.Add("vm", vm);
        sys.Add("fs", fs);
        kernel.Add("osrelease", Text(ProcFs, "/proc/sys/kernel/osrelease", _ => Options.OsRelease + "\n"));
        kernel.Add("ostype", Text(ProcFs, "/proc/sys/kernel/ostype", static _ => "Linux\n"));
        kernel.Add("hostname", Text(ProcFs, "/proc/sys/kernel/hostname", _ => Options.Hostname + "\n"));
        kernel.Add("ngroups_max", Text(ProcFs, "/proc/sys/kernel/ngroups_max", static _ => "65536\n"));
        kernel.Add("pid_max", Text(ProcFs, "/proc/sys/kernel/pid_max", static _ => "4194304\n"));
        vm.Add("overcommit_memory", Text(ProcFs, "/proc/sys/vm/overcommit_memory", static _ => "0\n"));
        fs.Add("pipe-max-size", Text(ProcFs, "/proc/sys/fs/pipe-max-size", static _ => "1048576\n"));
        fs.Add("nr_open", Text(ProcFs, "/proc/sys/fs/nr_open", static _ => "1048576\n"));
        return proc;
    }

    /// <summary>A generated read-only text file.</summary>
    internal static GeneratedFile Text(SyntheticFs fs, string path, Func<IFileSyscallContext, string> text, bool ownedByCaller = false) =>
        new(fs, path, c => Latin1(text(c)), ownedByCaller: ownedByCaller);
}

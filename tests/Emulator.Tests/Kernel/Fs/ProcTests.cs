using System.Runtime.Versioning;
using System.Text;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>/proc, /sys and /dev as the emulator makes them up, and reading executables for execve.</summary>
[SupportedOSPlatform("linux")]
public sealed class ProcTests : IDisposable
{
    private readonly FsRig _rig = new(new FsOptions { Cpus = 4, CpuLevel = CpuLevel.V3, MemoryBytes = 512UL << 20 });

    public void Dispose() => _rig.Dispose();

    private string ReadAll(string path)
    {
        long fd = _rig.Open(path, ORdOnly);
        Assert.True(fd >= 0, $"open {path}: {fd}");
        var sb = new StringBuilder();
        while (_rig.Read((int)fd, 4096, out var data) > 0)
        {
            sb.Append(Encoding.Latin1.GetString(data));
        }
        _rig.Call(Close, (ulong)fd);
        return sb.ToString();
    }

    private string ReadLink(string path)
    {
        long n = _rig.Call(Readlink, _rig.Ctx.PutString(PathA, path), Data, 4096);
        Assert.True(n > 0, $"readlink {path}: {n}");
        return _rig.Ctx.GetString(Data, (int)n);
    }

    [Fact]
    public void Proc_self_names_the_caller_and_its_executable()
    {
        File.WriteAllText(_rig.HostPath("prog"), "ELF");
        _rig.Ctx.ExePath = _rig.HostPath("prog");
        Assert.Equal("100", ReadLink("/proc/self"));
        Assert.Equal("100/task/100", ReadLink("/proc/thread-self"));
        Assert.Equal(_rig.HostPath("prog"), ReadLink("/proc/self/exe"));
        Assert.Equal("ELF", ReadAll("/proc/self/exe")); // opening the link opens the executable
        Assert.Equal(_rig.Dir, ReadLink("/proc/100/cwd"));
        Assert.Equal("/", ReadLink("/proc/self/root"));
        Assert.Equal("prog\0arg1\0", ReadAll("/proc/self/cmdline"));
        Assert.Equal("HOME=/root\0PATH=/bin\0", ReadAll("/proc/self/environ"));
        Assert.Equal("prog\n", ReadAll("/proc/self/comm"));
        Assert.StartsWith("00400000-00401000 r-xp", ReadAll("/proc/self/maps"));
        Assert.Equal(Err(Errno.ENOENT), _rig.Stat("/proc/1/maps", out _)); // other processes are not visible
        Assert.Equal(0, _rig.Stat("/proc/self/maps", out var maps));
        Assert.Equal(_rig.Ctx.Uid, maps.Uid); // a process's own entries belong to it
    }

    [Fact]
    public void Proc_self_stat_and_status_carry_the_fields_tools_parse()
    {
        string stat = ReadAll("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.StartsWith("100 (prog) R", stat);
        Assert.Equal("1", fields[1]); // ppid, field 4
        Assert.Equal("1", fields[17]); // num_threads, field 20
        Assert.Equal((8UL << 20).ToString(), fields[20]); // vsize, field 23
        Assert.Equal(52, stat.TrimEnd('\n').Split(' ').Length); // do_task_stat's 52 fields (the comm has no space here)
        string status = ReadAll("/proc/self/status");
        Assert.Contains("Name:\tprog\n", status);
        Assert.Contains("Pid:\t100\n", status);
        Assert.Contains("PPid:\t1\n", status);
        Assert.Contains("Threads:\t1\n", status);
        Assert.Contains("Cpus_allowed_list:\t0-3\n", status);
        Assert.Contains("Umask:\t0022\n", status);
    }

    [Fact]
    public void Proc_self_fd_lists_descriptors_and_reopens_even_unlinked_files()
    {
        long memfd = _rig.Call(MemfdCreate, _rig.Ctx.PutString(PathA, "scratch"), 0);
        Assert.Equal(5, _rig.Write((int)memfd, "12345"u8.ToArray()));
        long file = _rig.Open(_rig.HostPath("f"), OCreat | OWrOnly);
        var names = _rig.List((int)_rig.Open("/proc/self/fd", ORdOnly | ODirectory)).Select(e => e.Name).ToList();
        Assert.Contains(memfd.ToString(), names);
        Assert.Contains(file.ToString(), names);
        Assert.Equal(_rig.HostPath("f"), ReadLink($"/proc/self/fd/{file}"));
        Assert.Equal("12345", ReadAll($"/proc/self/fd/{memfd}")); // the memfd has no path; the magic link reaches it
        Assert.Equal(0, _rig.Stat($"/dev/fd/{memfd}", out var st)); // /dev/fd is /proc/self/fd
        Assert.Equal(5, st.Size);
        Assert.Equal(Err(Errno.ENOENT), _rig.Stat("/proc/self/fd/77", out _));
    }

    [Fact]
    public void Cpuinfo_lists_exactly_the_level_s_features_for_each_processor()
    {
        string info = ReadAll("/proc/cpuinfo");
        Assert.Equal(4, info.Split('\n').Count(l => l.StartsWith("processor\t:", StringComparison.Ordinal)));
        string flags = info.Split('\n').First(l => l.StartsWith("flags", StringComparison.Ordinal));
        foreach (string f in new[] { "fpu", "sse2", "pni", "ssse3", "sse4_2", "popcnt", "avx", "avx2", "bmi2", "fma", "lm" })
        {
            Assert.Contains(" " + f, flags + " ");
        }
        using var v1 = new FsRig(new FsOptions { CpuLevel = CpuLevel.V1 });
        long fd = v1.Open("/proc/cpuinfo", ORdOnly);
        v1.Read((int)fd, 4096, out var data);
        string v1Flags = Encoding.ASCII.GetString(data).Split('\n').First(l => l.StartsWith("flags", StringComparison.Ordinal));
        Assert.Contains(" sse2", v1Flags);
        Assert.DoesNotContain(" pni", v1Flags); // SSE3 is not part of x86-64-v1, so not reported
        Assert.DoesNotContain(" avx", v1Flags);
        Assert.Equal(["fpu", "tsc", "cx8", "cmov", "mmx", "fxsr", "sse", "sse2", "syscall", "nx", "lm", "pni", "ssse3", "cx16", "sse4_1",
            "sse4_2", "popcnt", "lahf_lm"], ProcContent.CpuFlags(CpuLevel.V2)); // x86-64-v2 exactly, in the kernel's word order
    }

    [Fact]
    public void Meminfo_sys_cpu_files_and_proc_sys_answers()
    {
        Assert.StartsWith("MemTotal:         524288 kB\n", ReadAll("/proc/meminfo"));
        Assert.Equal("0-3\n", ReadAll("/sys/devices/system/cpu/online"));
        Assert.Equal("0-3\n", ReadAll("/sys/devices/system/cpu/possible"));
        var cpus = _rig.List((int)_rig.Open("/sys/devices/system/cpu", ORdOnly)).Select(e => e.Name).Where(n => n.StartsWith("cpu")).ToList();
        Assert.Equal(["cpu0", "cpu1", "cpu2", "cpu3"], cpus.Order());
        Assert.Equal("0\n", ReadAll("/proc/sys/vm/overcommit_memory"));
        Assert.Equal("6.1.0-emulator\n", ReadAll("/proc/sys/kernel/osrelease"));
        Assert.StartsWith("cpu  ", ReadAll("/proc/stat"));
        Assert.Equal(Err(Errno.EACCES), _rig.Open("/proc/meminfo", OWrOnly));
        Assert.Equal(Err(Errno.EACCES), _rig.Call(Mkdir, _rig.Ctx.PutString(PathA, "/proc/x"), 0x1ff));
        Assert.Equal(Err(Errno.EBUSY), _rig.Call(Rmdir, _rig.Ctx.PutString(PathA, "/proc"))); // a mount point
    }

    [Fact]
    public void The_root_shows_proc_dev_and_sys_over_whatever_the_host_has()
    {
        using var rig = new FsRig(rootIsTemp: true);
        Directory.CreateDirectory(rig.HostPath("proc"));
        File.WriteAllText(rig.HostPath("proc/fake"), "");
        File.WriteAllText(rig.HostPath("hostfile"), "");
        var names = rig.List((int)rig.Open("/", ORdOnly | ODirectory)).Select(e => e.Name).ToList();
        Assert.Single(names, "proc");
        Assert.Contains("dev", names);
        Assert.Contains("sys", names);
        Assert.Contains("hostfile", names);
        Assert.Equal(Err(Errno.ENOENT), rig.Stat("/proc/fake", out _)); // the mount hides the directory below it
        var dev = rig.List((int)rig.Open("/dev", ORdOnly)).Select(e => e.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "null", "zero", "full", "random", "urandom", "tty", "fd", "stdin", "stdout", "stderr", "shm" }, dev);
        Assert.Equal(Err(Errno.ENXIO), rig.Open("/dev/tty", ORdWr)); // no controlling terminal
        long fd = rig.Open("/dev/shm/seg", OCreat | ORdWr);
        Assert.Equal(3, rig.Write((int)fd, "shm"u8.ToArray()));
        Assert.Equal(Err(Errno.EXDEV), rig.Call(FsAbi.Rename, rig.Ctx.PutString(PathA, "/dev/shm/seg"), rig.Ctx.PutString(PathB, "/seg")));
    }

    [Fact]
    public void ReadExecutable_refuses_what_execve_refuses_and_bounds_the_size()
    {
        string prog = _rig.HostPath("prog");
        File.WriteAllBytes(prog, new byte[5000]);
        File.SetUnixFileMode(prog, (UnixFileMode)0x1ed);
        File.WriteAllBytes(_rig.HostPath("data"), new byte[10]);
        Assert.Equal(Errno.Ok, _rig.Fs.ReadExecutable(_rig.Ctx, "prog", 1 << 20, out var bytes, out var path));
        Assert.Equal(5000, bytes!.Length);
        Assert.Equal(prog, path);
        Assert.Equal(Errno.EACCES, _rig.Fs.ReadExecutable(_rig.Ctx, "data", 1 << 20, out _, out _)); // no x bit (even for root)
        Assert.Equal(Errno.EACCES, _rig.Fs.ReadExecutable(_rig.Ctx, ".", 1 << 20, out _, out _)); // a directory
        Assert.Equal(Errno.EACCES, _rig.Fs.ReadExecutable(_rig.Ctx, "/dev/zero", 1 << 20, out _, out _)); // not a regular file
        Assert.Equal(Errno.ENOMEM, _rig.Fs.ReadExecutable(_rig.Ctx, "prog", 4096, out _, out _)); // refused, not read
        Assert.Equal(Errno.ENOENT, _rig.Fs.ReadExecutable(_rig.Ctx, "missing", 1 << 20, out _, out _));
        _rig.Ctx.ExePath = prog;
        Assert.Equal(Errno.Ok, _rig.Fs.ReadExecutable(_rig.Ctx, "/proc/self/exe", 1 << 20, out _, out path)); // busybox re-executes itself so
        Assert.Equal(prog, path);
    }
}

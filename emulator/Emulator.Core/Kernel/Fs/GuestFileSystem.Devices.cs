namespace Emulator.Core.Kernel.Fs;

public sealed partial class GuestFileSystem
{
    /// <summary>/proc: (0, 21), PROC_SUPER_MAGIC.</summary>
    internal SyntheticFs ProcFs { get; } = new(21, FsAbi.ProcSuperMagic);

    /// <summary>/dev: a devtmpfs, (0, 5), TMPFS_MAGIC.</summary>
    internal SyntheticFs DevFs { get; } = new(CharacterDevice.DevFsMinor, FsAbi.TmpfsMagic);

    /// <summary>/sys: (0, 20), SYSFS_MAGIC.</summary>
    internal SyntheticFs SysFs { get; } = new(20, FsAbi.SysfsMagic);

    /// <summary>/dev: the memory devices, /dev/tty (ENXIO: the guest has no controlling terminal),
    /// stdin/stdout/stderr and fd as links into /proc/self/fd, an in-memory /dev/shm (mode 1777), and the
    /// devices the kernel registers.</summary>
    private SyntheticDir BuildDev()
    {
        var dev = new SyntheticDir(this, DevFs, "/dev", permissions: 0x1ed);
        foreach (var (name, kind) in new[]
        {
            ("null", SpecialDeviceKind.Null), ("zero", SpecialDeviceKind.Zero), ("full", SpecialDeviceKind.Full),
            ("random", SpecialDeviceKind.Random), ("urandom", SpecialDeviceKind.Urandom),
        })
        {
            dev.Add(name, new DeviceNode(DevFs, "/dev/" + name, new SpecialDevice(kind, Random)));
        }
        dev.Add("tty", new DeviceNode(DevFs, "/dev/tty", new NoTerminalDevice()));
        dev.Add("fd", new SyntheticLink(DevFs, "/dev/fd", static _ => "/proc/self/fd"));
        dev.Add("stdin", new SyntheticLink(DevFs, "/dev/stdin", static _ => "/proc/self/fd/0"));
        dev.Add("stdout", new SyntheticLink(DevFs, "/dev/stdout", static _ => "/proc/self/fd/1"));
        dev.Add("stderr", new SyntheticLink(DevFs, "/dev/stderr", static _ => "/proc/self/fd/2"));
        var shm = new MemDirectory(Memory, 0x3ff, 0, 0, 0); // drwxrwxrwt
        dev.Add("shm", new OverlayDir(this, null, "", shm, null));
        return dev;
    }

    /// <summary>/sys: what libc reads to count processors (devices/system/cpu/online, possible, present
    /// and the cpuN directories).</summary>
    private SyntheticDir BuildSys()
    {
        var sys = new SyntheticDir(this, SysFs, "/sys");
        var devices = new SyntheticDir(this, SysFs, "/sys/devices");
        var system = new SyntheticDir(this, SysFs, "/sys/devices/system");
        var cpu = new SyntheticDir(this, SysFs, "/sys/devices/system/cpu");
        sys.Add("devices", devices);
        devices.Add("system", system);
        system.Add("cpu", cpu);
        string list = Options.Cpus <= 1 ? "0\n" : $"0-{Options.Cpus - 1}\n";
        foreach (string name in new[] { "online", "possible", "present" })
        {
            cpu.Add(name, new GeneratedFile(SysFs, "/sys/devices/system/cpu/" + name, _ => Latin1(list)));
        }
        for (int i = 0; i < Options.Cpus; i++)
        {
            cpu.Add($"cpu{i}", new SyntheticDir(this, SysFs, $"/sys/devices/system/cpu/cpu{i}"));
        }
        return sys;
    }

    /// <summary>/dev/tty without a controlling terminal: open is ENXIO, as Linux answers a daemon.</summary>
    private sealed class NoTerminalDevice() : CharacterDevice(5, 0, 0x1b6)
    {
        public override Errno Open(IFileSyscallContext ctx, int flags, string path, out FileDescription? file)
        {
            file = null;
            return Errno.ENXIO;
        }
    }
}

using System.Buffers.Binary;
using System.Text;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Memory;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>What uname(2) reports: a Linux 6.1 x86-64 machine named "emulator".</summary>
    public const string UtsSysname = "Linux", UtsNodename = "emulator", UtsRelease = "6.1.0-emulator", UtsVersion = "#1 SMP PREEMPT_DYNAMIC",
        UtsMachine = "x86_64", UtsDomainname = "(none)";

    private const int RlimitCount = 16;
    private const int RlimitStack = 3, RlimitNofile = 7, RlimitAs = 9;
    private const ulong RlimInfinity = ulong.MaxValue;

    /// <summary>uname(2): six 65-byte NUL-padded fields.</summary>
    private long Uname(GuestProcess p, ulong buf)
    {
        Span<byte> b = stackalloc byte[6 * 65];
        b.Clear();
        string[] fields = [UtsSysname, UtsNodename, UtsRelease, UtsVersion, UtsMachine, UtsDomainname];
        for (int i = 0; i < fields.Length; i++)
        {
            Encoding.ASCII.GetBytes(fields[i], b.Slice(65 * i, 64));
        }
        return CopyToUser(p.Mm, buf, b) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>sysinfo(2): uptime from the virtual clock, RAM from the machine, free RAM from the frame
    /// allocator, the number of processes; mem_unit 1.</summary>
    private long Sysinfo(GuestProcess p, ulong info)
    {
        Span<byte> b = stackalloc byte[112];
        b.Clear();
        ulong ram = _machine.Memory.RamSize;
        ulong used = (ulong)_machine.Frames.AllocatedFrames * Page.Size;
        BinaryPrimitives.WriteInt64LittleEndian(b, Now / NsPerSecond);
        BinaryPrimitives.WriteUInt64LittleEndian(b[32..], ram);
        BinaryPrimitives.WriteUInt64LittleEndian(b[40..], used >= ram ? 0 : ram - used);
        int live = 0;
        foreach (var q in _processes)
        {
            live += q.HasExited ? 0 : q.Threads.Count;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(b[80..], (ushort)Math.Min(live, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(b[104..], 1);
        return CopyToUser(p.Mm, info, b) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>The soft and hard limit of <paramref name="resource"/> (Linux's defaults for a user process;
    /// RLIMIT_STACK follows the loader's stack size, RLIMIT_NOFILE the descriptor table's size).</summary>
    private (ulong Soft, ulong Hard) DefaultLimit(int resource) => resource switch
    {
        RlimitStack => (_options.Image.StackSize, RlimInfinity),
        4 => (0, RlimInfinity),                        // CORE
        6 => (63_459, 63_459),                         // NPROC
        RlimitNofile => (GuestProcess.MaxFiles, GuestProcess.MaxFiles),
        8 => (8UL << 20, 8UL << 20),                   // MEMLOCK
        11 => (63_459, 63_459),                        // SIGPENDING
        12 => (819_200, 819_200),                      // MSGQUEUE
        13 or 14 => (0, 0),                            // NICE, RTPRIO
        _ => (RlimInfinity, RlimInfinity),
    };

    /// <summary>prlimit64(2) (and getrlimit/setrlimit through it) on the caller or a live PID. Limits can
    /// be lowered within the hard limit; raising a hard limit is -EPERM; none is enforced beyond what
    /// the kernel's own tables impose (descriptors, stack).</summary>
    private long Prlimit(GuestProcess p, ulong pid, ulong resource, ulong newLimit, ulong oldLimit)
    {
        if (resource >= RlimitCount)
        {
            return Return(Errno.EINVAL);
        }
        var target = (int)pid == 0 ? p : ProcessOf((int)pid);
        if (target is null || target.HasExited)
        {
            return Return(Errno.ESRCH);
        }
        int r = (int)resource;
        target.Limits ??= new (ulong, ulong)[RlimitCount];
        var current = target.Limits[r] == default && !target.LimitSet[r] ? DefaultLimit(r) : target.Limits[r];
        Span<byte> b = stackalloc byte[16];
        if (newLimit != 0)
        {
            if (CopyFromUser(p.Mm, newLimit, b) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        if (oldLimit != 0)
        {
            Span<byte> o = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(o, current.Soft);
            BinaryPrimitives.WriteUInt64LittleEndian(o[8..], current.Hard);
            if (CopyToUser(p.Mm, oldLimit, o) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        if (newLimit != 0)
        {
            ulong soft = BinaryPrimitives.ReadUInt64LittleEndian(b), hard = BinaryPrimitives.ReadUInt64LittleEndian(b[8..]);
            if (soft > hard)
            {
                return Return(Errno.EINVAL);
            }
            if (hard > current.Hard)
            {
                return Return(Errno.EPERM);
            }
            if (r == RlimitNofile && hard > GuestProcess.MaxFiles)
            {
                return Return(Errno.EPERM);
            }
            target.Limits[r] = (soft, hard);
            target.LimitSet[r] = true;
        }
        return 0;
    }

    /// <summary>getrusage(2): RUSAGE_SELF (0), RUSAGE_CHILDREN (-1), RUSAGE_THREAD (1); user time from
    /// instructions retired, the rest zero.</summary>
    private long Getrusage(GuestThread t, ulong who, ulong usage)
    {
        long instructions = (long)who switch
        {
            0 => t.Process.Instructions,
            -1 => t.Process.ChildInstructions,
            1 => t.Instructions,
            _ => -1,
        };
        if (instructions < 0)
        {
            return Return(Errno.EINVAL);
        }
        return WriteRusage(t.Process.Mm, usage, instructions) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>times(2): clock ticks (100 Hz) of user time of the process and its reaped children; the
    /// return value is the monotonic clock in ticks.</summary>
    private long Times(GuestProcess p, ulong buf)
    {
        long tick = NsPerSecond / 100;
        if (buf != 0)
        {
            Span<byte> b = stackalloc byte[32];
            b.Clear();
            BinaryPrimitives.WriteInt64LittleEndian(b, p.Instructions * _options.NanosecondsPerInstruction / tick);
            BinaryPrimitives.WriteInt64LittleEndian(b[16..], p.ChildInstructions * _options.NanosecondsPerInstruction / tick);
            if (CopyToUser(p.Mm, buf, b) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        return Now / tick;
    }

    /// <summary>getrandom(2): bytes from the run's seeded generator (reproducible); flags GRND_NONBLOCK,
    /// GRND_RANDOM, GRND_INSECURE are accepted, anything else is -EINVAL. At most 32 MiB per call.</summary>
    private long Getrandom(GuestProcess p, ulong buf, ulong count, ulong flags)
    {
        if ((flags & ~7UL) != 0 || (flags & 6) == 6)
        {
            return Return(Errno.EINVAL);
        }
        count = Math.Min(count, 32UL << 20);
        ulong done = 0;
        while (done < count)
        {
            int n = (int)Math.Min(count - done, (ulong)_io.Length);
            FillRandom(_io.AsSpan(0, n));
            if (CopyToUser(p.Mm, buf + done, _io.AsSpan(0, n)) != Errno.Ok)
            {
                return done == 0 ? Return(Errno.EFAULT) : (long)done;
            }
            done += (ulong)n;
        }
        return (long)done;
    }

    /// <summary>Fills <paramref name="destination"/> from the run's seeded generator.</summary>
    internal void FillRandom(Span<byte> destination)
    {
        while (destination.Length >= 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, _random.Next());
            destination = destination[8..];
        }
        if (!destination.IsEmpty)
        {
            Span<byte> last = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(last, _random.Next());
            last[..destination.Length].CopyTo(destination);
        }
    }

    /// <summary>sched_getaffinity(2): one bit per vCPU; returns the bytes written (a multiple of 8).</summary>
    private long SchedGetAffinity(GuestProcess p, ulong pid, ulong size, ulong mask)
    {
        if (!LivePid(pid) && _threads.GetValueOrDefault((int)pid) is null)
        {
            return Return(Errno.ESRCH);
        }
        int bytes = (_vcpus.Length + 63) / 64 * 8;
        if (size < (ulong)bytes || (size & 7) != 0)
        {
            return Return(Errno.EINVAL);
        }
        Span<byte> b = stackalloc byte[bytes];
        b.Clear();
        for (int i = 0; i < _vcpus.Length; i++)
        {
            b[i / 8] |= (byte)(1 << (i % 8));
        }
        return CopyToUser(p.Mm, mask, b) == Errno.Ok ? bytes : Return(Errno.EFAULT);
    }

    /// <summary>sched_setaffinity(2): accepted when the mask names at least one vCPU (the scheduler runs
    /// every thread on any vCPU, so it changes nothing).</summary>
    private long SchedSetAffinity(GuestProcess p, ulong pid, ulong size, ulong mask)
    {
        if (!LivePid(pid) && _threads.GetValueOrDefault((int)pid) is null)
        {
            return Return(Errno.ESRCH);
        }
        int n = (int)Math.Min(size, 128UL);
        Span<byte> b = stackalloc byte[128];
        if (CopyFromUser(p.Mm, mask, b[..n]) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        for (int i = 0; i < _vcpus.Length && i / 8 < n; i++)
        {
            if ((b[i / 8] & (1 << (i % 8))) != 0)
            {
                return 0;
            }
        }
        return Return(Errno.EINVAL);
    }

    private long SchedGetParam(GuestProcess p, ulong pid, ulong param)
    {
        if (!LivePid(pid))
        {
            return Return(Errno.ESRCH);
        }
        return PutU32(p.Mm, param, 0) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>sched_rr_get_interval(2): SCHED_OTHER threads report 0 (no round-robin slice).</summary>
    private long SchedRrGetInterval(GuestProcess p, ulong pid, ulong ts)
    {
        if (!LivePid(pid))
        {
            return Return(Errno.ESRCH);
        }
        return WriteTimespec(p.Mm, ts, 0) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>getcpu(2): the vCPU the caller runs on; one NUMA node.</summary>
    private long Getcpu(Vcpu v, GuestProcess p, ulong cpu, ulong node)
    {
        if ((cpu != 0 && PutU32(p.Mm, cpu, (uint)v.Index) != Errno.Ok) || (node != 0 && PutU32(p.Mm, node, 0) != Errno.Ok))
        {
            return Return(Errno.EFAULT);
        }
        return 0;
    }

    /// <summary>prctl(2): PR_SET_NAME/PR_GET_NAME (the thread's 16-byte comm), PR_GET_DUMPABLE (1),
    /// PR_SET_DUMPABLE, PR_SET_PDEATHSIG/PR_GET_PDEATHSIG (kept, not acted on), PR_SET_NO_NEW_PRIVS,
    /// PR_GET_NO_NEW_PRIVS, PR_SET_VMA and PR_SET_THP_DISABLE (accepted); anything else -EINVAL.</summary>
    private long Prctl(GuestThread t, ulong option, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        var mm = t.Process.Mm;
        switch (option)
        {
            case 15: // PR_SET_NAME
            {
                Span<byte> b = stackalloc byte[16];
                if (CopyFromUser(mm, a2, b) != Errno.Ok)
                {
                    // A name that ends before an unmapped page is still fine: read byte by byte.
                    b.Clear();
                    for (int i = 0; i < 15; i++)
                    {
                        if (CopyFromUser(mm, a2 + (ulong)i, b.Slice(i, 1)) != Errno.Ok)
                        {
                            return Return(Errno.EFAULT);
                        }
                        if (b[i] == 0)
                        {
                            break;
                        }
                    }
                }
                b[15] = 0;
                int nul = b.IndexOf((byte)0);
                t.Comm = Encoding.UTF8.GetString(b[..nul]);
                return 0;
            }
            case 16: // PR_GET_NAME
            {
                Span<byte> b = stackalloc byte[16];
                b.Clear();
                Encoding.UTF8.GetBytes(t.Comm.AsSpan(0, Math.Min(t.Comm.Length, 15)), b);
                return CopyToUser(mm, a2, b) == Errno.Ok ? 0 : Return(Errno.EFAULT);
            }
            case 1: // PR_SET_PDEATHSIG
                if (a2 > 64)
                {
                    return Return(Errno.EINVAL);
                }
                t.Process.DeathSignal = (int)a2;
                return 0;
            case 2: // PR_GET_PDEATHSIG
                return PutU32(mm, a2, (uint)t.Process.DeathSignal) == Errno.Ok ? 0 : Return(Errno.EFAULT);
            case 3: // PR_GET_DUMPABLE
                return 1;
            case 4: // PR_SET_DUMPABLE
                return a2 <= 1 ? 0 : Return(Errno.EINVAL);
            case 38: // PR_SET_NO_NEW_PRIVS
                return a2 == 1 && a3 == 0 && a4 == 0 && a5 == 0 ? 0 : Return(Errno.EINVAL);
            case 39: // PR_GET_NO_NEW_PRIVS
                return 0;
            case 41: // PR_SET_THP_DISABLE
            case 0x53564d41: // PR_SET_VMA
                return 0;
            case 42: // PR_GET_THP_DISABLE
                return 0;
            default:
                return Return(Errno.EINVAL);
        }
    }

    /// <summary>getresuid/getresgid: the same ID three times.</summary>
    private long GetRes(GuestProcess p, ulong a, ulong b, ulong c, uint id)
    {
        if (PutU32(p.Mm, a, id) != Errno.Ok || PutU32(p.Mm, b, id) != Errno.Ok || PutU32(p.Mm, c, id) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        return 0;
    }

    /// <summary>setuid/setgid/setfsuid/setfsgid: an unprivileged process may only "change" to its own ID
    /// (setfs* return the previous ID).</summary>
    private long SetId(ulong nr, ulong id)
    {
        uint own = nr is Nr.Setuid or Nr.Setfsuid ? _options.Image.Uid : _options.Image.Gid;
        if (nr is Nr.Setfsuid or Nr.Setfsgid)
        {
            return own;
        }
        return (uint)id == own ? 0 : Return(Errno.EPERM);
    }

    /// <summary>setre*id/setres*id: each ID must be -1 (unchanged) or the process's own.</summary>
    private long SetIds(ulong nr, ulong a, ulong b, ulong c)
    {
        uint own = nr is Nr.Setreuid or Nr.Setresuid ? _options.Image.Uid : _options.Image.Gid;
        bool Ok(ulong x) => (uint)x == uint.MaxValue || (uint)x == own;
        return Ok(a) && Ok(b) && (nr is Nr.Setreuid or Nr.Setregid || Ok(c)) ? 0 : Return(Errno.EPERM);
    }

    /// <summary>getgroups(2): one supplementary group, the process's own.</summary>
    private long Getgroups(GuestProcess p, ulong size, ulong list)
    {
        if ((int)size == 0)
        {
            return 1;
        }
        if ((int)size < 1)
        {
            return Return(Errno.EINVAL);
        }
        return PutU32(p.Mm, list, _options.Image.Gid) == Errno.Ok ? 1 : Return(Errno.EFAULT);
    }

    /// <summary>capget(2): an unprivileged process has no capabilities (version 3 header, two data words).</summary>
    private long Capget(GuestProcess p, ulong header, ulong data)
    {
        const uint V3 = 0x2008_0522;
        if (GetU32(p.Mm, header, out uint version) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        if (version is not (V3 or 0x1998_0330 or 0x2007_1026))
        {
            PutU32(p.Mm, header, V3);
            return Return(Errno.EINVAL);
        }
        if (data != 0 && CopyToUser(p.Mm, data, new byte[version == 0x1998_0330 ? 12 : 24]) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        return 0;
    }

    private long Getpgid(GuestProcess p, ulong pid)
    {
        var target = (int)pid == 0 ? p : ProcessOf((int)pid);
        return target is null || target.HasExited ? Return(Errno.ESRCH) : target.Pgid;
    }

    private long Getsid(GuestProcess p, ulong pid)
    {
        var target = (int)pid == 0 ? p : ProcessOf((int)pid);
        return target is null || target.HasExited ? Return(Errno.ESRCH) : target.Sid;
    }

    /// <summary>setpgid(2): the caller or one of its children joins or creates a group in its session.</summary>
    private long Setpgid(GuestProcess p, ulong pid, ulong pgid)
    {
        if ((long)(int)pgid < 0)
        {
            return Return(Errno.EINVAL);
        }
        var target = (int)pid == 0 ? p : ProcessOf((int)pid);
        if (target is null || (target != p && target.Parent != p))
        {
            return Return(Errno.ESRCH);
        }
        if (target.Sid != p.Sid || target.Pid == target.Sid)
        {
            return Return(Errno.EPERM);
        }
        int group = (int)pgid == 0 ? target.Pid : (int)pgid;
        if (group != target.Pid)
        {
            bool exists = false;
            foreach (var q in _processes)
            {
                exists |= !q.HasExited && q.Pgid == group && q.Sid == p.Sid;
            }
            if (!exists)
            {
                return Return(Errno.EPERM);
            }
        }
        target.Pgid = group;
        return 0;
    }

    /// <summary>setsid(2): a new session and group led by the caller, unless it already leads a group.</summary>
    private long Setsid(GuestProcess p)
    {
        foreach (var q in _processes)
        {
            if (!q.HasExited && q.Pgid == p.Pid)
            {
                return Return(Errno.EPERM);
            }
        }
        p.Sid = p.Pid;
        p.Pgid = p.Pid;
        return p.Pid;
    }
}

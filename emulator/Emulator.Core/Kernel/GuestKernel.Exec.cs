using System.Text;
using Emulator.Core.Cpu;
using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>Longest argv + envp, strings and pointers (ARG_MAX as Linux derives it from an 8 MiB
    /// stack: a quarter of it).</summary>
    private const long ArgMax = 2L << 20;

    /// <summary>Longest executable execve reads (larger files are refused with -ENOMEM, never read whole).</summary>
    public const long MaxExecutableBytes = 256L << 20;

    /// <summary>Nested #! interpreters execve follows (Linux's BINPRM_MAX_RECURSION).</summary>
    private const int MaxInterpreterDepth = 4;

    /// <summary>
    /// execve(2) / execveat(2): reads the file through the guest's file system, follows <c>#!</c>
    /// lines, loads a static ELF into a fresh address space with the new argv and envp, and — past the
    /// point of no return — ends the other threads, replaces the mm (the old one is dropped: torn down
    /// with its SVA bonds unless a vfork parent still shares it), releases a vfork parent, closes
    /// close-on-exec descriptors, resets caught signals to SIG_DFL, the alternate stack, and the FP
    /// state, and starts at the entry point.
    /// </summary>
    /// <returns><see cref="Replaced"/>, or -errno with nothing changed: ENOENT, EACCES, ENOEXEC (neither
    /// ELF nor script), ELIBBAD (dynamically linked: only static executables run), E2BIG, EFAULT,
    /// ENAMETOOLONG, ELOOP, ENOMEM.</returns>
    private long Execve(Vcpu v, GuestThread t, ulong dirfd, ulong pathVa, ulong argvVa, ulong envpVa, ulong flags)
    {
        var p = t.Process;
        const ulong AtEmptyPath = 0x1000, AtSymlinkNofollow = 0x100;
        if ((flags & ~(AtEmptyPath | AtSymlinkNofollow)) != 0)
        {
            return Return(Errno.EINVAL);
        }
        long err = ReadPath(p, pathVa, out string? path, allowEmpty: (flags & AtEmptyPath) != 0);
        if (err != 0)
        {
            return err;
        }
        err = ReadStringArray(p.Mm, argvVa, out var argv, out long argBytes);
        if (err != 0)
        {
            return err;
        }
        err = ReadStringArray(p.Mm, envpVa, out var envp, out long envBytes);
        if (err != 0)
        {
            return err;
        }
        if (argBytes + envBytes > ArgMax)
        {
            return Return(Errno.E2BIG);
        }
        string target = path!;
        byte[]? file = null;
        string exePath = target;
        for (int depth = 0; ; depth++)
        {
            err = ReadExecutable(t, dirfd, target, (flags & AtSymlinkNofollow) != 0, out file, out exePath);
            if (err != 0)
            {
                return err;
            }
            if (file!.Length < 2 || file[0] != '#' || file[1] != '!')
            {
                break;
            }
            if (depth >= MaxInterpreterDepth)
            {
                return Return(Errno.ELOOP);
            }
            if (!TryParseShebang(file, out string? interpreter, out string? optional))
            {
                return Return(Errno.ENOEXEC);
            }
            // The interpreter gets: interpreter [optional-arg] path argv[1..] (fs/binfmt_script.c).
            var next = new List<string> { interpreter! };
            if (optional is not null)
            {
                next.Add(optional);
            }
            next.Add(target);
            for (int i = 1; i < argv.Count; i++)
            {
                next.Add(argv[i]);
            }
            argv = next;
            target = interpreter!;
            dirfd = LinuxAbi.AtFdcwd;
            flags = 0;
        }
        if (!ElfImage.TryParse(file, out var elf, out var elfError))
        {
            if (elfError.Kind is ElfErrorKind.Dynamic or ElfErrorKind.PositionIndependent)
            {
                // Not ENOEXEC: a shell would then run the binary as a script.
                Log.GuestError.Warn("{0}: execve {1}: {2}", t, target, elfError);
                return Return(Errno.ELIBBAD);
            }
            Log.GuestError.Debug("{0}: execve {1}: {2}", t, target, elfError);
            return Return(Errno.ENOEXEC);
        }
        var loadErr = LoadImage(elf!, file, argv, envp, exePath, out var mm, out var loaded);
        if (loadErr != Errno.Ok)
        {
            return Return(loadErr);
        }
        // The point of no return.
        foreach (var other in p.Threads.ToArray())
        {
            if (other != t)
            {
                ReleaseThread(other);
            }
        }
        if (t.Tid != p.Pid)
        {
            _threads.Remove(t.Tid);
            t.Tid = p.Pid;
            _threads[t.Tid] = t;
        }
        var old = p.Mm;
        old.DetachCpu(v.Mmu);
        p.Mm = mm!;
        _mmUsers[mm!] = 1;
        DropMm(old);
        mm!.AttachCpu(v.Mmu);
        v.Mmu.LoadCr3(mm.RootPa);
        v.Mmu.FlushAll();
        ReleaseVforkParent(p);
        if (SharesFiles(p))
        {
            p.Files = p.Files.Clone(); // unshare_files: execve gets a table of its own
        }
        CloseOnExec(p);
        p.Actions = p.Actions.Clone();
        p.Actions.ResetForExec();
        t.AltStackSp = 0;
        t.AltStackSize = 0;
        t.AltStackFlags = Signals.SignalAbi.SsDisable;
        t.ClearChildTid = 0;
        t.RobustListHead = 0;
        t.SavedSignalMask = null;
        p.Name = argv.Count > 0 ? argv[0] : exePath;
        t.Comm = Basename(exePath);
        SetExecIdentity(p, exePath, argv, envp);
        SetImageLayout(p, elf!, loaded!);
        p.ExeImage = file;
        var fresh = new CpuState { Rip = loaded!.Entry, Rsp = loaded.StackPointer };
        fresh.CopyTo(v.Cpu.State);
        s_log.Debug("{0} exec {1}: entry {2:x}", t, exePath, loaded.Entry);
        return Replaced;
    }

    private static string Basename(string path)
    {
        string name = path.TrimEnd('/');
        int slash = name.LastIndexOf('/');
        name = slash >= 0 ? name[(slash + 1)..] : name;
        return name.Length > 15 ? name[..15] : name;
    }

    /// <summary>Parses a <c>#!interpreter [arg]</c> line (at most 256 bytes, fs/binfmt_script.c): the
    /// interpreter and one optional argument (everything after the first blank, trimmed).</summary>
    private static bool TryParseShebang(byte[] file, out string? interpreter, out string? optional)
    {
        interpreter = optional = null;
        int end = Array.IndexOf(file, (byte)'\n', 0, Math.Min(file.Length, 256));
        if (end < 0)
        {
            end = Math.Min(file.Length, 256);
        }
        string line = Encoding.UTF8.GetString(file, 2, end - 2).Trim(' ', '\t', '\r');
        if (line.Length == 0)
        {
            return false;
        }
        int blank = line.IndexOfAny([' ', '\t']);
        if (blank < 0)
        {
            interpreter = line;
            return true;
        }
        interpreter = line[..blank];
        string rest = line[(blank + 1)..].Trim(' ', '\t');
        optional = rest.Length == 0 ? null : rest;
        return true;
    }

    /// <summary>Reads a NULL-terminated array of string pointers (argv, envp); a NULL array is empty.
    /// -EFAULT for a bad pointer, -E2BIG past <see cref="ArgMax"/>.</summary>
    private long ReadStringArray(AddressSpace mm, ulong va, out List<string> strings, out long bytes)
    {
        strings = [];
        bytes = 0;
        if (va == 0)
        {
            return 0;
        }
        for (ulong i = 0; ; i++)
        {
            if (GetU64(mm, va + 8 * i, out ulong ptr) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            if (ptr == 0)
            {
                return 0;
            }
            long err = ReadUserString(mm, ptr, Exec.ProcessImage.MaxArgStrlen, out string? s, out int length);
            if (err != 0)
            {
                return err == Return(Errno.ENAMETOOLONG) ? Return(Errno.E2BIG) : err;
            }
            bytes += length + 1 + 8;
            if (bytes > ArgMax)
            {
                return Return(Errno.E2BIG);
            }
            strings.Add(s!);
        }
    }

    /// <summary>Reads a NUL-terminated string of at most <paramref name="max"/> bytes (terminator
    /// included): 0, -EFAULT or -ENAMETOOLONG.</summary>
    private long ReadUserString(AddressSpace mm, ulong va, int max, out string? value, out int length)
    {
        value = null;
        length = 0;
        var bytes = new List<byte>();
        while (bytes.Count < max)
        {
            ulong at = va + (ulong)bytes.Count;
            int chunk = (int)Math.Min((ulong)(max - bytes.Count), Memory.Page.Size - (at & (Memory.Page.Size - 1)));
            if (at < va || mm.ReadUser(at, _io.AsSpan(0, chunk), out _) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            int nul = Array.IndexOf(_io, (byte)0, 0, chunk);
            if (nul >= 0)
            {
                bytes.AddRange(_io.AsSpan(0, nul));
                value = Encoding.UTF8.GetString(bytes.ToArray());
                length = bytes.Count;
                return 0;
            }
            bytes.AddRange(_io.AsSpan(0, chunk));
        }
        return Return(Errno.ENAMETOOLONG);
    }
}

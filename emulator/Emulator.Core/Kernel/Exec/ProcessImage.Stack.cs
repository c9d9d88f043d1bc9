using System.Buffers.Binary;
using System.Text;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel.Exec;

public static partial class ProcessImage
{
    /// <summary>The argv/envp/execfn/platform strings, encoded (UTF-8, NUL-terminated).</summary>
    private sealed record EncodedStrings(byte[][] Argv, byte[][] Envp, byte[] ExecFn, byte[] Platform);

    /// <summary>Linux's <c>bprm_stack_limits</c> (a quarter of the stack, at most 6 MiB, less the
    /// pointers) and MAX_ARG_STRLEN per string.</summary>
    private static Errno CheckStrings(IReadOnlyList<string> argv, IReadOnlyList<string> envp, ProcessImageOptions options, out EncodedStrings strings)
    {
        strings = null!;
        ulong limit = Math.Min(6UL << 20, options.StackSize / 4);
        ulong pointers = (ulong)(Math.Max(argv.Count, 1) + envp.Count) * sizeof(ulong);
        if (limit <= pointers)
        {
            return Errno.E2BIG;
        }
        limit -= pointers;
        ulong total = 0;
        var a = new byte[argv.Count][];
        var e = new byte[envp.Count][];
        Errno err = Encode(argv, a, ref total) ?? Encode(envp, e, ref total) ?? Errno.Ok;
        if (err != Errno.Ok)
        {
            return err;
        }
        string execFnText = options.ExecFn ?? (argv.Count > 0 ? argv[0] : "");
        byte[] execFn = Terminated(execFnText);
        if (execFnText.Contains('\0') || options.Platform.Contains('\0'))
        {
            return Errno.EINVAL;
        }
        if (total + (ulong)execFn.Length > limit || execFn.Length > MaxArgStrlen)
        {
            return Errno.E2BIG;
        }
        strings = new EncodedStrings(a, e, execFn, Terminated(options.Platform));
        return Errno.Ok;
    }

    private static Errno? Encode(IReadOnlyList<string> source, byte[][] into, ref ulong total)
    {
        for (int i = 0; i < source.Count; i++)
        {
            string s = source[i] ?? throw new ArgumentException($"string {i} is null", nameof(source));
            if (s.Contains('\0'))
            {
                return Errno.EINVAL; // a C string cannot hold it; execve could never have been given it
            }
            into[i] = Terminated(s);
            if (into[i].Length > MaxArgStrlen)
            {
                return Errno.E2BIG;
            }
            total += (ulong)into[i].Length;
        }
        return null;
    }

    private static byte[] Terminated(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    /// <summary>
    /// Maps the stack below the top of user space and writes what Linux's exec puts there, top down:
    /// 8 zero bytes; the execfn, envp and argv strings (argv[0] lowest); alignment to 16; the platform
    /// string; 16 AT_RANDOM bytes; then, from a 16-byte-aligned RSP upwards, argc, argv[], NULL,
    /// envp[], NULL and the auxiliary vector ending in AT_NULL.
    /// </summary>
    /// <remarks>fs/exec.c (<c>__bprm_mm_init</c>: <c>p = vm_end - sizeof(void *)</c>; <c>copy_strings</c>)
    /// and fs/binfmt_elf.c <c>create_elf_tables</c> (<c>arch_align_stack</c> without randomisation is
    /// <c>p &amp; ~0xf</c>; <c>STACK_ROUND</c>). x86-64 psABI §3.4.1, Figure 3.9.</remarks>
    private static Errno BuildStack(AddressSpace mm, ElfImage elf, EncodedStrings s, ProcessImageOptions options, out LoadedProcess? process)
    {
        process = null;
        ulong top = mm.Options.UserEnd;
        if (!Page.IsAligned(options.StackSize) || options.StackSize == 0 || options.StackSize > top / 2)
        {
            throw new ArgumentException($"stack size 0x{options.StackSize:x} is not a page multiple in (0, 0x{top / 2:x}]", nameof(options));
        }
        ulong stackBase = top - options.StackSize;
        var prot = Protection.ReadWrite | (elf.ExecutableStack ? Protection.Exec : Protection.None);
        var err = mm.Mmap(stackBase, options.StackSize, prot, MapFlags.Private | MapFlags.Anonymous | MapFlags.FixedNoReplace | MapFlags.GrowsDown, out _);
        if (err != Errno.Ok)
        {
            return err;
        }

        ulong p = top - sizeof(ulong);
        p -= (ulong)s.ExecFn.Length;
        ulong execFnAt = p;
        var envAt = new ulong[s.Envp.Length];
        for (int i = s.Envp.Length - 1; i >= 0; i--)
        {
            p -= (ulong)s.Envp[i].Length;
            envAt[i] = p;
        }
        var argAt = new ulong[s.Argv.Length];
        for (int i = s.Argv.Length - 1; i >= 0; i--)
        {
            p -= (ulong)s.Argv[i].Length;
            argAt[i] = p;
        }
        ulong stringsAt = p;
        p &= ~0xFUL;
        p -= (ulong)s.Platform.Length;
        ulong platformAt = p;
        p -= 16;
        ulong randomAt = p;

        AuxvEntry[] auxv =
        [
            new(AuxvType.Hwcap, options.Hwcap),
            new(AuxvType.Pagesz, Page.Size),
            new(AuxvType.Clktck, 100), // CLOCKS_PER_SEC as user space sees it (USER_HZ)
            new(AuxvType.Phdr, elf.PhdrAddress),
            new(AuxvType.Phent, ProgramHeader.Size),
            new(AuxvType.Phnum, elf.Header.PhNum),
            new(AuxvType.Base, 0), // no interpreter
            new(AuxvType.Flags, 0),
            new(AuxvType.Entry, elf.Entry),
            new(AuxvType.Uid, options.Uid),
            new(AuxvType.Euid, options.Euid),
            new(AuxvType.Gid, options.Gid),
            new(AuxvType.Egid, options.Egid),
            new(AuxvType.Secure, options.Uid != options.Euid || options.Gid != options.Egid ? 1UL : 0UL),
            new(AuxvType.Random, randomAt),
            new(AuxvType.Hwcap2, options.Hwcap2),
            new(AuxvType.Execfn, execFnAt),
            new(AuxvType.Platform, platformAt),
            new(AuxvType.Null, 0),
        ];
        ulong items = (ulong)(s.Argv.Length + 1 + s.Envp.Length + 1 + 1);
        ulong sp = (p - (ulong)auxv.Length * 16 - items * sizeof(ulong)) & ~0xFUL;

        var image = new byte[top - sp];
        var w = new Writer(image, sp);
        ulong at = sp;
        w.U64(ref at, (ulong)s.Argv.Length);
        ulong argvAt = at;
        foreach (ulong a in argAt)
        {
            w.U64(ref at, a);
        }
        w.U64(ref at, 0);
        ulong envpAt = at;
        foreach (ulong e in envAt)
        {
            w.U64(ref at, e);
        }
        w.U64(ref at, 0);
        ulong auxvAt = at;
        foreach (var e in auxv)
        {
            w.U64(ref at, (ulong)e.Type);
            w.U64(ref at, e.Value);
        }
        at = stringsAt;
        foreach (var a in s.Argv)
        {
            w.Bytes(ref at, a);
        }
        foreach (var e in s.Envp)
        {
            w.Bytes(ref at, e);
        }
        w.Bytes(ref at, s.ExecFn);
        at = platformAt;
        w.Bytes(ref at, s.Platform);
        Span<byte> random = stackalloc byte[16];
        RandomBytes(options.RandomSeed, random);
        at = randomAt;
        w.Bytes(ref at, random);

        if (mm.WriteUser(sp, image, out _) != Errno.Ok)
        {
            return Errno.ENOMEM; // a fresh RW mapping only fails a store when frames run out
        }
        process = new LoadedProcess
        {
            Entry = elf.Entry,
            StackPointer = sp,
            StackTop = top,
            StackBase = stackBase,
            Brk = mm.CurrentBrk,
            ArgvAddress = argvAt,
            EnvpAddress = envpAt,
            AuxvAddress = auxvAt,
            ArgAddresses = argAt,
            EnvAddresses = envAt,
            Auxv = auxv,
        };
        return Errno.Ok;
    }

    /// <summary>The AT_RANDOM bytes: two SplitMix64 outputs of the seed, little-endian.</summary>
    public static void RandomBytes(ulong seed, Span<byte> into16)
    {
        ulong x = seed;
        BinaryPrimitives.WriteUInt64LittleEndian(into16, SplitMix64(ref x));
        BinaryPrimitives.WriteUInt64LittleEndian(into16[8..], SplitMix64(ref x));
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Stores into the host copy of [<c>sp</c>, top) by guest address.</summary>
    private readonly ref struct Writer(Span<byte> image, ulong sp)
    {
        private readonly Span<byte> _image = image;

        public void U64(ref ulong at, ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_image[(int)(at - sp)..], value);
            at += sizeof(ulong);
        }

        public void Bytes(ref ulong at, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_image[(int)(at - sp)..]);
            at += (ulong)bytes.Length;
        }
    }
}

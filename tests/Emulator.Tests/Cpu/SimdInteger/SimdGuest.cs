using System.Collections.Concurrent;
using System.Reflection;
using Emulator.Tests.Kernel.Sys;
using Iced.Intel;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// <c>Guests/simd-loops.c</c> built by gcc <c>-O3</c> with a vector extension (<c>-msse4.1</c>,
/// <c>-mavx2</c>), static and libc-free with tests/guests/crt (whose memcpy/memset gcc vectorises
/// too); and what its code needs that this build of the CPU does not execute.
/// </summary>
internal static class SimdGuest
{
    public const string BaseFlags = "-static -nostdlib -fno-pic -no-pie -O3 -fno-stack-protector -fcf-protection=none -fno-builtin";

    private static readonly ConcurrentDictionary<string, Lazy<(byte[] Elf, string Exe)>> s_builds = new();

    public static string Source => Path.Combine(Trace.CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Cpu", "SimdInteger", "Guests", "simd-loops.c");

    /// <summary>The executable for <paramref name="extension"/> (e.g. <c>-mavx2</c>), built once per test run.</summary>
    public static (byte[] Elf, string Exe) Build(string extension) => s_builds.GetOrAdd(extension, e => new Lazy<(byte[], string)>(() =>
    {
        string dir = Directory.CreateTempSubdirectory("simd-guest-").FullName;
        string exe = Path.Combine(dir, "simd-loops");
        string inc = Path.Combine(GuestGcc.GuestsDir, "include"), crt = Path.Combine(GuestGcc.GuestsDir, "crt");
        Kernel.Gcc.Run("gcc", $"{BaseFlags} {e} -I {inc} -I {crt} -o {exe} {Path.Combine(crt, "start.c")} {Source}");
        return (File.ReadAllBytes(exe), exe);
    })).Value;

    /// <summary>Every mnemonic in the executable's .text.</summary>
    public static HashSet<Mnemonic> Mnemonics(byte[] elf)
    {
        // ELF64 section headers: find .text through the section-name string table.
        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C), shstrndx = BitConverter.ToUInt16(elf, 0x3E);
        int Section(int k) => (int)shoff + k * shentsize;
        ulong names = BitConverter.ToUInt64(elf, Section(shstrndx) + 0x18);
        var found = new HashSet<Mnemonic>();
        for (int k = 0; k < shnum; k++)
        {
            int s = Section(k);
            int nameAt = (int)names + BitConverter.ToInt32(elf, s);
            if (System.Text.Encoding.ASCII.GetString(elf, nameAt, 6) != ".text\0")
            {
                continue;
            }
            ulong addr = BitConverter.ToUInt64(elf, s + 0x10);
            int offset = (int)BitConverter.ToUInt64(elf, s + 0x18), size = (int)BitConverter.ToUInt64(elf, s + 0x20);
            var decoder = Decoder.Create(64, new ByteArrayCodeReader(elf, offset, size));
            decoder.IP = addr;
            while (decoder.IP < addr + (ulong)size)
            {
                found.Add(decoder.Decode().Mnemonic);
            }
        }
        return found;
    }

    /// <summary>The mnemonics in <paramref name="elf"/> that no CPU unit of this build lists
    /// (<c>Cpu.ImplementedMnemonics</c> and every unit's <c>Cpu.*Mnemonics</c> array); UD2 is meant to trap.</summary>
    public static List<Mnemonic> Unimplemented(byte[] elf)
    {
        var implemented = new HashSet<Mnemonic>(Core.Cpu.Cpu.ImplementedMnemonics) { Mnemonic.Ud2 };
        foreach (FieldInfo f in typeof(Core.Cpu.Cpu).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (f.FieldType == typeof(Mnemonic[]))
            {
                implemented.UnionWith((Mnemonic[])f.GetValue(null)!);
            }
        }
        return [.. Mnemonics(elf).Where(m => !implemented.Contains(m) && m != Mnemonic.INVALID).Order()];
    }
}

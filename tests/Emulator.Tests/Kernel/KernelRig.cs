using System.Buffers.Binary;
using Emulator.Core;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Kernel.Exec;
using Emulator.Core.Mm;

namespace Emulator.Tests.Kernel;

/// <summary>Helpers for loading images into a real machine's address spaces and reading them back.</summary>
internal static class KernelRig
{
    public static Machine NewMachine() => new(new MachineOptions { RamSize = 256UL << 20 });

    public static ElfImage Parse(byte[] file)
    {
        Assert.True(ElfImage.TryParse(file, out var elf, out var error), error.ToString());
        return elf!;
    }

    /// <summary>A fresh mm for <paramref name="elf"/> (its break after the image), as exec creates one.</summary>
    public static AddressSpace NewMm(Machine machine, ElfImage elf)
    {
        var options = ProcessImage.OptionsFor(elf, new AddressSpaceOptions { Mode = machine.Options.Paging });
        Assert.True(AddressSpace.TryCreate(machine.Frames, options, out var mm));
        return mm!;
    }

    public static LoadedProcess Load(AddressSpace mm, ElfImage elf, byte[] file, string[] argv, string[] envp, ProcessImageOptions? options = null)
    {
        Assert.Equal(Errno.Ok, ProcessImage.Load(mm, elf, file, argv, envp, out var process, options));
        return process!;
    }

    public static byte[] Read(AddressSpace mm, ulong va, int length)
    {
        var b = new byte[length];
        Assert.Equal(Errno.Ok, mm.ReadUser(va, b, out ulong fault));
        return b;
    }

    public static ulong U64(AddressSpace mm, ulong va) => BinaryPrimitives.ReadUInt64LittleEndian(Read(mm, va, 8));

    public static string CString(AddressSpace mm, ulong va)
    {
        var bytes = new List<byte>();
        for (; ; va++)
        {
            byte b = Read(mm, va, 1)[0];
            if (b == 0)
            {
                return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
            }
            bytes.Add(b);
        }
    }
}

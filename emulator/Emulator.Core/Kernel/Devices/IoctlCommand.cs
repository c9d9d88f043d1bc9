namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// Linux ioctl command numbers (<c>include/uapi/asm-generic/ioctl.h</c>, which x86 uses): bits 0-7
/// the number, 8-15 the type (a driver's letter), 16-29 the argument size, 30-31 the direction.
/// </summary>
public static class IoctlCommand
{
    public const int NrBits = 8;
    public const int TypeBits = 8;
    public const int SizeBits = 14;
    public const int NrShift = 0;
    public const int TypeShift = NrShift + NrBits;
    public const int SizeShift = TypeShift + TypeBits;
    public const int DirShift = SizeShift + SizeBits;

    /// <summary><c>_IOC_NONE</c>: no argument data.</summary>
    public const uint DirNone = 0;
    /// <summary><c>_IOC_WRITE</c>: user space writes the argument (the kernel reads it).</summary>
    public const uint DirWrite = 1;
    /// <summary><c>_IOC_READ</c>: the kernel writes the argument back.</summary>
    public const uint DirRead = 2;

    /// <summary><c>_IOC(dir, type, nr, size)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> does not fit 14 bits or <paramref name="dir"/> 2 bits.</exception>
    public static uint Encode(uint dir, char type, uint nr, uint size)
    {
        if (dir > 3 || size >= 1u << SizeBits || type > 0xFF || nr > 0xFF)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"_IOC({dir}, {(int)type}, {nr}, {size}) does not fit the encoding");
        }
        return dir << DirShift | size << SizeShift | (uint)type << TypeShift | nr << NrShift;
    }

    /// <summary><c>_IO(type, nr)</c>.</summary>
    public static uint Io(char type, uint nr) => Encode(DirNone, type, nr, 0);

    /// <summary><c>_IOR(type, nr, T)</c> with sizeof(T) = <paramref name="size"/>.</summary>
    public static uint Ior(char type, uint nr, uint size) => Encode(DirRead, type, nr, size);

    /// <summary><c>_IOW(type, nr, T)</c>.</summary>
    public static uint Iow(char type, uint nr, uint size) => Encode(DirWrite, type, nr, size);

    /// <summary><c>_IOWR(type, nr, T)</c>.</summary>
    public static uint Iowr(char type, uint nr, uint size) => Encode(DirRead | DirWrite, type, nr, size);

    /// <summary><c>_IOC_DIR(cmd)</c>.</summary>
    public static uint Dir(uint cmd) => cmd >> DirShift;

    /// <summary><c>_IOC_TYPE(cmd)</c>.</summary>
    public static uint Type(uint cmd) => (cmd >> TypeShift) & 0xFF;

    /// <summary><c>_IOC_NR(cmd)</c>.</summary>
    public static uint Nr(uint cmd) => (cmd >> NrShift) & 0xFF;

    /// <summary><c>_IOC_SIZE(cmd)</c>.</summary>
    public static uint Size(uint cmd) => (cmd >> SizeShift) & ((1u << SizeBits) - 1);
}

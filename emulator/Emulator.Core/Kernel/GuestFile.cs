using Emulator.Core.Kernel.Devices;

namespace Emulator.Core.Kernel;

/// <summary>
/// An open file description: what a file descriptor refers to. fork copies the descriptor table and
/// each copied descriptor takes a reference; the last close releases the description (for an SVA
/// device, <see cref="SvaDeviceFile.Release"/> unbinds every process bound through it).
/// </summary>
/// <remarks>Touched only from the kernel's scheduler thread, so the count needs no lock.</remarks>
public sealed class GuestFile
{
    private GuestFile(GuestFileKind kind, SvaDeviceFile? device)
    {
        Kind = kind;
        Device = device;
    }

    public GuestFileKind Kind { get; }

    /// <summary>The device file for <see cref="GuestFileKind.SvaDevice"/>, else null.</summary>
    public SvaDeviceFile? Device { get; }

    /// <summary>Descriptors (in all processes) that refer to this description.</summary>
    public int References { get; private set; } = 1;

    /// <summary>The console: stdin, stdout or stderr.</summary>
    public static GuestFile Console(GuestFileKind kind) => new(kind, null);

    /// <summary>An open <c>/dev/svaN</c>.</summary>
    public static GuestFile Sva(SvaDeviceFile device) => new(GuestFileKind.SvaDevice, device);

    /// <summary>Another descriptor refers to this description (fork, dup).</summary>
    public GuestFile AddReference()
    {
        References++;
        return this;
    }

    /// <summary>A descriptor was closed; the last one releases the description.</summary>
    public void Close()
    {
        if (--References == 0)
        {
            Device?.Release();
        }
    }

    public override string ToString() => Device?.Device.Path ?? Kind.ToString();
}

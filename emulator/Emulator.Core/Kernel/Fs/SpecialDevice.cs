namespace Emulator.Core.Kernel.Fs;

/// <summary>The memory character devices (drivers/char/mem.c, random.c): /dev/null (1,3), /dev/zero
/// (1,5), /dev/full (1,7), /dev/random (1,8), /dev/urandom (1,9), all crw-rw-rw-.</summary>
internal sealed class SpecialDevice : CharacterDevice
{
    private readonly GuestRandom? _random;

    public SpecialDevice(SpecialDeviceKind kind, GuestRandom? random) : base(1, (uint)kind, 0x1b6)
    {
        Kind = kind;
        _random = random;
    }

    public SpecialDeviceKind Kind { get; }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, out FileDescription? file)
    {
        file = new SpecialDeviceFile(this, _random, flags, path);
        return Errno.Ok;
    }
}

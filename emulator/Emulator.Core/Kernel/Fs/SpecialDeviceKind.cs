namespace Emulator.Core.Kernel.Fs;

/// <summary>The memory devices, valued as their minor numbers (major 1).</summary>
internal enum SpecialDeviceKind : byte
{
    Null = 3,
    Zero = 5,
    Full = 7,
    Random = 8,
    Urandom = 9,
}

namespace Emulator.Core.Kernel.Signals;

/// <summary>One signal's disposition: <c>struct kernel_sigaction</c> {handler, flags, restorer, mask}
/// (arch/x86/include/uapi/asm/signal.h, 32 bytes with an 8-byte mask).</summary>
internal readonly record struct SignalAction(ulong Handler, ulong Flags, ulong Restorer, ulong Mask)
{
    public const int Size = 32;
    public const ulong SigDfl = 0, SigIgn = 1;

    public bool IsDefault => Handler == SigDfl;
    public bool IsIgnore => Handler == SigIgn;
}

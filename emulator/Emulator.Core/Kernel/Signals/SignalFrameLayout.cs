namespace Emulator.Core.Kernel.Signals;

/// <summary>
/// The x86-64 <c>struct rt_sigframe</c> a signal handler runs on (arch/x86/include/asm/sigframe.h,
/// arch/x86/include/uapi/asm/sigcontext.h): the return address (sa_restorer) at its start, then a
/// <c>ucontext</c> (flags, link, the alternate stack, the <c>sigcontext</c> with every register and a
/// pointer to the FP state, the mask to restore), then the <c>siginfo</c>. The FP state (FXSAVE or
/// XSAVE format with the software-reserved bytes and the trailing magic) lies above it, 64-byte aligned.
/// </summary>
internal static class SignalFrameLayout
{
    public const int Size = 440;

    public const int Pretcode = 0;
    public const int UcFlags = 8;
    public const int UcLink = 16;
    public const int UcStackSp = 24;
    public const int UcStackFlags = 32;
    public const int UcStackSize = 40;
    public const int Mcontext = 48;
    public const int UcSigmask = 304;
    public const int Info = 312;

    /// <summary>uc_flags: the FP state is in XSAVE format; the sigcontext's SS is meaningful and is restored.</summary>
    public const ulong UcFpXstate = 1, UcSigcontextSs = 2, UcStrictRestoreSs = 4;

    // struct sigcontext, offsets from Mcontext.
    public const int R8 = 0, R9 = 8, R10 = 16, R11 = 24, R12 = 32, R13 = 40, R14 = 48, R15 = 56, Rdi = 64, Rsi = 72,
        Rbp = 80, Rbx = 88, Rdx = 96, Rax = 104, Rcx = 112, Rsp = 120, Rip = 128, Eflags = 136, Cs = 144, Gs = 146,
        Fs = 148, Ss = 150, Err = 152, Trapno = 160, Oldmask = 168, Cr2 = 176, Fpstate = 184;

    /// <summary>User code and stack selectors of x86-64 Linux (__USER_CS, __USER_DS).</summary>
    public const ushort UserCs = 0x33, UserSs = 0x2b;

    /// <summary>struct _fpx_sw_bytes in the FXSAVE image's software-reserved area (bytes 464–511).</summary>
    public const int SwBytes = 464;
    public const uint FpXstateMagic1 = 0x4650_5853, FpXstateMagic2 = 0x4650_5845;

    /// <summary>The x86-64 red zone below RSP a frame must not overwrite.</summary>
    public const ulong RedZone = 128;
}

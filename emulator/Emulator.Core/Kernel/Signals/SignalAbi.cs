namespace Emulator.Core.Kernel.Signals;

/// <summary>Linux x86-64 signal numbers, flags, codes and default actions (include/uapi/asm-generic/signal.h,
/// include/uapi/asm-generic/siginfo.h, kernel/signal.c).</summary>
internal static class SignalAbi
{
    public const int SigHup = 1, SigInt = 2, SigQuit = 3, SigIll = 4, SigTrap = 5, SigAbrt = 6, SigBus = 7,
        SigFpe = 8, SigKill = 9, SigUsr1 = 10, SigSegv = 11, SigUsr2 = 12, SigPipe = 13, SigAlrm = 14,
        SigTerm = 15, SigStkflt = 16, SigChld = 17, SigCont = 18, SigStop = 19, SigTstp = 20, SigTtin = 21,
        SigTtou = 22, SigUrg = 23, SigXcpu = 24, SigXfsz = 25, SigVtalrm = 26, SigProf = 27, SigWinch = 28,
        SigIo = 29, SigPwr = 30, SigSys = 31, SigRtMin = 32;

    /// <summary>Highest signal number (_NSIG).</summary>
    public const int MaxSignal = 64;

    /// <summary>sigset_t as the kernel sees it: 8 bytes.</summary>
    public const int SigsetSize = 8;

    // sa_flags
    public const ulong SaNoCldStop = 1, SaNoCldWait = 2, SaSigInfo = 4, SaOnStack = 0x0800_0000,
        SaRestart = 0x1000_0000, SaNoDefer = 0x4000_0000, SaResetHand = 0x8000_0000, SaRestorer = 0x0400_0000;

    // sigaltstack
    public const int SsOnStack = 1, SsDisable = 2;
    public const ulong SsAutoDisarm = 1UL << 31;
    public const ulong MinSigStkSz = 2048;

    // rt_sigprocmask how
    public const int SigBlock = 0, SigUnblock = 1, SigSetMask = 2;

    // si_code
    public const int SiUser = 0, SiKernel = 0x80, SiQueue = -1, SiTimer = -2, SiTkill = -6;
    public const int SegvMapErr = 1, SegvAccErr = 2;
    public const int BusAdrAln = 1, BusAdrErr = 2;
    public const int IllIllOpc = 1, IllPrvOpc = 5;
    public const int FpeIntDiv = 1, FpeIntOvf = 2, FpeFltDiv = 3, FpeFltOvf = 4, FpeFltUnd = 5, FpeFltRes = 6,
        FpeFltInv = 7, FpeFltSub = 8;
    public const int TrapBrkpt = 1;
    public const int CldExited = 1, CldKilled = 2, CldDumped = 3, CldStopped = 5, CldContinued = 6;

    /// <summary>The bit of <paramref name="signal"/> in a sigset.</summary>
    public static ulong Bit(int signal) => 1UL << (signal - 1);

    /// <summary>Signals that can be neither caught, blocked nor ignored.</summary>
    public static readonly ulong Unblockable = Bit(SigKill) | Bit(SigStop);

    /// <summary>What the default disposition of <paramref name="signal"/> does.</summary>
    public static DefaultAction Default(int signal) => signal switch
    {
        SigChld or SigUrg or SigWinch or SigCont => DefaultAction.Ignore,
        SigStop or SigTstp or SigTtin or SigTtou => DefaultAction.Stop,
        SigQuit or SigIll or SigTrap or SigAbrt or SigBus or SigFpe or SigSegv or SigXcpu or SigXfsz or SigSys => DefaultAction.CoreDump,
        _ when signal >= SigRtMin => DefaultAction.Terminate,
        _ => DefaultAction.Terminate,
    };

    /// <summary>The signal's name, e.g. SIGSEGV; SIGRTMIN+n for real-time signals.</summary>
    public static string Name(int signal) => signal switch
    {
        SigHup => "SIGHUP", SigInt => "SIGINT", SigQuit => "SIGQUIT", SigIll => "SIGILL", SigTrap => "SIGTRAP",
        SigAbrt => "SIGABRT", SigBus => "SIGBUS", SigFpe => "SIGFPE", SigKill => "SIGKILL", SigUsr1 => "SIGUSR1",
        SigSegv => "SIGSEGV", SigUsr2 => "SIGUSR2", SigPipe => "SIGPIPE", SigAlrm => "SIGALRM", SigTerm => "SIGTERM",
        SigStkflt => "SIGSTKFLT", SigChld => "SIGCHLD", SigCont => "SIGCONT", SigStop => "SIGSTOP", SigTstp => "SIGTSTP",
        SigTtin => "SIGTTIN", SigTtou => "SIGTTOU", SigUrg => "SIGURG", SigXcpu => "SIGXCPU", SigXfsz => "SIGXFSZ",
        SigVtalrm => "SIGVTALRM", SigProf => "SIGPROF", SigWinch => "SIGWINCH", SigIo => "SIGIO", SigPwr => "SIGPWR",
        SigSys => "SIGSYS",
        >= SigRtMin and <= MaxSignal => $"SIGRTMIN+{signal - SigRtMin}",
        _ => $"signal {signal}",
    };
}

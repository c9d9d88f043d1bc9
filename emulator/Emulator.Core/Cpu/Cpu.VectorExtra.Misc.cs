using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// LFENCE, MFENCE, SFENCE, the prefetch hints, CLFLUSH/CLFLUSHOPT and MOVNTI (SDM Vol. 2).
    /// </summary>
    /// <remarks>
    /// <para>Fences: each is a full host memory barrier, the strongest of the three, so a guest that
    /// orders stores against other vCPUs' loads with any fence gets at least what it asked for (the
    /// emulator has no store buffer or write-combining of its own to drain).</para>
    /// <para>Prefetches (PREFETCHT0/T1/T2/NTA, PREFETCHW, PREFETCHWT1, the AMD PREFETCH and the reserved
    /// 0F 0D forms, PREFETCHIT0/IT1) are hints that never fault (SDM Vol. 2B PREFETCHh: "does not
    /// cause a fault"): the address is not even computed.</para>
    /// <para>CLFLUSH and CLFLUSHOPT are checked like a byte load (SDM Vol. 2A CLFLUSH: "subject to all
    /// permission checking and faults associated with a byte load"): an unmapped or inaccessible line
    /// raises #PF, otherwise nothing happens, there being no cache. CLFLUSHOPT is 66 + CLFLUSH, which
    /// hardware without it runs as CLFLUSH, so it executes whatever CPUID says.</para>
    /// <para>MOVNTI m32/m64, r32/r64 is an ordinary store (the non-temporal hint has nothing to bypass).</para>
    /// </remarks>
    private bool ExecMisc(in Instruction i)
    {
        switch (i.Mnemonic)
        {
            case Mnemonic.Lfence:
            case Mnemonic.Mfence:
            case Mnemonic.Sfence:
                Interlocked.MemoryBarrier();
                return true;
            case Mnemonic.Clflush:
            case Mnemonic.Clflushopt:
                return Translate(Ea(i), write: false, out _);
            case Mnemonic.Movnti:
            {
                int size = RegSize(i.Op1Register);
                return Write(Ea(i), size, GetReg(i.Op1Register));
            }
            default: // the prefetches
                return true;
        }
    }
}

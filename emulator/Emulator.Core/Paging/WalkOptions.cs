using System.Numerics;

namespace Emulator.Core.Paging;

/// <summary>
/// The control-register bits that change the outcome of a linear-address translation, plus the
/// processor's physical-address width.
/// </summary>
/// <remarks>
/// <para>SDM Vol. 3A §2.5 (CR0.WP, CR4.SMEP/SMAP/PGE), §4.1.4 (EFER.NXE), §4.6 (access rights),
/// §4.5 Tables 4-15 to 4-20 (bits 51:MAXPHYADDR are reserved in every entry).</para>
/// <para><see cref="Default"/> is what Linux runs a user process with: WP, NXE and PGE set, SMEP and
/// SMAP clear, MAXPHYADDR 46. <c>default(WalkOptions)</c> is a different, still legal machine: every
/// control bit clear and MAXPHYADDR 52 (no reserved address bits).</para>
/// <para>Not modelled: protection keys (CR4.PKE/PKS), CET shadow stacks, LAM, HLAT. 1 GiB pages are
/// always supported (CPUID.80000001H:EDX.Page1GB = 1).</para>
/// </remarks>
public readonly record struct WalkOptions
{
    /// <summary>Largest MAXPHYADDR the architecture allows (SDM Vol. 3A §4.1.4).</summary>
    public const int ArchitecturalMaxPhysAddrBits = 52;

    /// <summary>Bits 51:MAXPHYADDR, set: the address bits that are reserved in every entry.</summary>
    private readonly ulong _reservedAddressMask;

    /// <summary>Linux's user-process configuration: WP, NXE, PGE; MAXPHYADDR 46.</summary>
    public static WalkOptions Default { get; } = new()
    {
        WriteProtect = true,
        NoExecuteEnable = true,
        GlobalPages = true,
        MaxPhysAddrBits = 46,
    };

    /// <summary>CR0.WP: supervisor writes honour R/W = 0 (SDM Vol. 3A §4.6.1).</summary>
    public bool WriteProtect { get; init; }

    /// <summary>IA32_EFER.NXE: bit 63 (XD) forbids instruction fetches; when clear, XD is a reserved bit.</summary>
    public bool NoExecuteEnable { get; init; }

    /// <summary>CR4.SMEP: supervisor instruction fetches from user-mode pages fault.</summary>
    public bool Smep { get; init; }

    /// <summary>CR4.SMAP: supervisor data accesses to user-mode pages fault unless explicit with
    /// EFLAGS.AC = 1 (<see cref="AccessType.EflagsAc"/>).</summary>
    public bool Smap { get; init; }

    /// <summary>CR4.PGE: translations from leaves with G = 1 are global (survive CR3 loads).</summary>
    public bool GlobalPages { get; init; }

    /// <summary>MAXPHYADDR, 32 to 52: entry bits 51:MAXPHYADDR are reserved.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 32..52 (a configuration bug).</exception>
    public int MaxPhysAddrBits
    {
        get => ArchitecturalMaxPhysAddrBits - BitOperations.PopCount(_reservedAddressMask);
        init
        {
            if (value < 32 || value > ArchitecturalMaxPhysAddrBits)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MAXPHYADDR must be between 32 and 52");
            }
            _reservedAddressMask = ((1UL << ArchitecturalMaxPhysAddrBits) - 1) & ~((1UL << value) - 1);
        }
    }

    /// <summary>Bits 51:MAXPHYADDR of an entry (or of CR3), the reserved physical-address bits.</summary>
    public ulong ReservedAddressMask => _reservedAddressMask;
}

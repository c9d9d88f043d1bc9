using Emulator.Core.Memory;

namespace Emulator.Core.Paging;

/// <summary>
/// One vCPU's translation unit: CR3 and the paging control bits, a <see cref="Tlb"/>, and the
/// <see cref="PageWalker"/> behind it.
/// </summary>
/// <remarks>
/// <para>SDM Vol. 3A §4.10 (TLBs, PCIDs, invalidation). The MMU knows nothing of processes: a
/// <see cref="WalkStatus.PageFault"/> goes back to the caller, which delivers #PF to the emulated
/// kernel, and the mm keeps CPU TLBs coherent with its tables through <see cref="ShootdownRange"/>.
/// Like hardware, a translation stays cached after its entry changes in memory until an
/// invalidation removes it.</para>
/// <para><b>Threads.</b> Everything except <see cref="ShootdownRange"/> is called by the owning vCPU
/// thread (it is the vCPU executing MOV CR3, INVLPG, ...). <see cref="ShootdownRange"/> may be called
/// from any thread at any time; see <see cref="Tlb"/> for the guarantee it gives.</para>
/// </remarks>
public sealed class Mmu
{
    private const ulong Cr3NoFlush = 1UL << 63;
    private const ulong PcidMask = 0xFFF;

    private readonly PhysicalMemory _memory;
    private readonly Tlb _tlb;
    private WalkOptions _options;
    private ulong _cr3;
    private bool _pcide;

    /// <summary>Creates an MMU with CR3 = 0, CR4.PCIDE = 0 and an empty TLB.</summary>
    /// <param name="memory">RAM holding the page tables.</param>
    /// <param name="mode">CR4.LA57: fixed while paging is on (changing it is #GP in 64-bit mode).</param>
    /// <param name="options">CR0.WP, EFER.NXE, CR4.SMEP/SMAP/PGE and MAXPHYADDR.</param>
    /// <param name="tlb">The TLB to use (a default 64×4 + 16 one when null).</param>
    public Mmu(PhysicalMemory memory, PagingMode mode, WalkOptions options, Tlb? tlb = null)
    {
        _memory = memory;
        Mode = mode;
        _tlb = tlb ?? new Tlb();
        _options = options;
        _tlb.Options = options;
    }

    public PhysicalMemory Memory => _memory;
    public Tlb Tlb => _tlb;
    public PagingMode Mode { get; }

    /// <summary>
    /// The control bits. Setting them applies the architectural side effects: a change of CR4.PGE
    /// invalidates every entry, globals included (SDM Vol. 3A §4.10.4.1, MOV to CR4). A change of
    /// EFER.NXE or MAXPHYADDR also flushes, conservatively (a TLB may drop entries at any time);
    /// WP, SMEP and SMAP take effect on the next hit without a flush.
    /// </summary>
    public WalkOptions Options
    {
        get => _options;
        set
        {
            WalkOptions old = _options;
            _options = value;
            _tlb.Options = value;
            if (old.GlobalPages != value.GlobalPages || old.NoExecuteEnable != value.NoExecuteEnable ||
                old.MaxPhysAddrBits != value.MaxPhysAddrBits)
            {
                _tlb.FlushAll();
            }
        }
    }

    /// <summary>CR3 as last loaded (bit 63, the no-flush hint, is never stored).</summary>
    public ulong Cr3 => _cr3;

    /// <summary>CR4.PCIDE.</summary>
    public bool Pcide => _pcide;

    /// <summary>The current PCID: CR3 bits 11:0 when <see cref="Pcide"/>, else 0.</summary>
    public ushort Pcid => _pcide ? (ushort)(_cr3 & PcidMask) : (ushort)0;

    /// <summary>Physical address of the top-level table (CR3 bits 51:12).</summary>
    public ulong RootPa => _cr3 & Pte.AddressMask4K;

    /// <summary>MOV to CR3.</summary>
    /// <remarks>
    /// SDM Vol. 3A §4.10.4.1: with CR4.PCIDE = 0, every non-global entry (all are PCID 0) is
    /// invalidated. With PCIDE = 1, bit 63 = 0 invalidates the non-global entries of the new PCID
    /// (bits 11:0) and bit 63 = 1 invalidates nothing; bit 63 is not stored. Bits 62:MAXPHYADDR are
    /// reserved (LAM is not modelled), as is bit 63 when PCIDE = 0 (KVM treats it so).
    /// </remarks>
    /// <returns>false, with nothing changed, when a reserved bit is set: the caller raises #GP(0).</returns>
    public bool LoadCr3(ulong value)
    {
        ulong reserved = _options.ReservedAddressMask | (0x7FFUL << 52) | (_pcide ? 0 : Cr3NoFlush);
        if ((value & reserved) != 0)
        {
            return false;
        }
        bool noFlush = (value & Cr3NoFlush) != 0;
        _cr3 = value & ~Cr3NoFlush;
        if (!noFlush)
        {
            _tlb.InvalidatePcid(Pcid, keepGlobal: true);
        }
        return true;
    }

    /// <summary>MOV to CR4 changing PCIDE.</summary>
    /// <remarks>SDM Vol. 3A §4.10.4.1 and MOV CR4: clearing PCIDE invalidates every entry, globals
    /// included; setting it while CR3[11:0] ≠ 0 is #GP.</remarks>
    /// <returns>false, with nothing changed, when the write is #GP(0).</returns>
    public bool SetPcide(bool enabled)
    {
        if (enabled == _pcide)
        {
            return true;
        }
        if (enabled && (_cr3 & PcidMask) != 0)
        {
            return false;
        }
        _pcide = enabled;
        if (!enabled)
        {
            _tlb.FlushAll();
        }
        return true;
    }

    /// <summary>INVLPG: drops the translations of the page containing <paramref name="va"/> in the
    /// current PCID, and global ones (a non-canonical address is a no-op, as on hardware).</summary>
    public void Invlpg(ulong va) => _tlb.InvalidatePage(va, Pcid);

    /// <summary>Invalidates every TLB entry, globals included (what toggling CR4.PGE does).</summary>
    public void FlushAll() => _tlb.FlushAll();

    /// <summary>
    /// TLB shootdown from the mm: drops every translation (any PCID, global or not) of any page in
    /// [<paramref name="start"/>, <paramref name="end"/>). Callable from any thread; when it returns,
    /// no translation that starts afterwards uses an entry for the range cached before the call.
    /// </summary>
    public void ShootdownRange(ulong start, ulong end) => _tlb.InvalidateRange(start, end);

    /// <summary>Translates <paramref name="va"/> for <paramref name="access"/>: the TLB first, a walk
    /// (which sets Accessed/Dirty) on a miss, and a fill on success.</summary>
    public WalkResult Translate(ulong va, AccessType access)
    {
        ushort pcid = Pcid;
        if (_tlb.TryLookup(va, pcid, access, out Translation cached))
        {
            return WalkResult.Ok(cached);
        }
        uint token = _tlb.BeginFill();
        WalkResult r = PageWalker.Walk(_memory, _cr3, Mode, va, access, _options, setAccessedDirty: true);
        if (r.IsOk)
        {
            _tlb.TryInsert(r.Translation, va, pcid, token);
        }
        return r;
    }

    /// <summary>The fast path of <see cref="Translate"/>: the physical address only.</summary>
    /// <returns>true with <paramref name="pa"/> on success; false with the fault in <paramref name="fault"/>.</returns>
    public bool TryTranslate(ulong va, AccessType access, out ulong pa, out WalkResult fault)
    {
        ushort pcid = Pcid;
        if (_tlb.Lookup(va, pcid, access, out pa))
        {
            fault = default;
            return true;
        }
        uint token = _tlb.BeginFill();
        fault = PageWalker.Walk(_memory, _cr3, Mode, va, access, _options, setAccessedDirty: true);
        if (fault.IsOk)
        {
            pa = fault.Translation.PhysicalAddress;
            _tlb.TryInsert(fault.Translation, va, pcid, token);
            fault = default;
            return true;
        }
        return false;
    }
}

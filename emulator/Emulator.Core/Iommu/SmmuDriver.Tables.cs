using System.Diagnostics;
using Emulator.Core.Paging;
using Emulator.Core.Smmu;

namespace Emulator.Core.Iommu;

/// <summary>Stream table and CD tables: attaching a device, installing and clearing PASIDs.</summary>
/// <remarks>
/// <para>SMMUv3 §3.3–§3.4, §5.1–§5.4. Level-2 stream arrays are allocated on first use and filled with
/// abort STEs before their L1STD is published (Linux <c>arm_smmu_init_l2_strtab</c> +
/// <c>arm_smmu_init_initial_stes</c>); an invalid L1STD or L1CD cannot be cached, so publishing one needs
/// no CFGI. Entries are written the way a hitless update needs: a new entry's other words first and
/// the word holding V last; an entry being disabled gets its V (or EPD0) word first. Each STE or CD
/// write is followed by CMD_CFGI_STE / CMD_CFGI_CD (leaf) and a CMD_SYNC (Linux
/// <c>arm_smmu_sync_ste_for_sid</c>, <c>arm_smmu_sync_cd</c>) unless <see cref="FaultInjection.SkipCfgi"/>.</para>
/// <para>CD tables follow Linux <c>arm_smmu_alloc_cd_tables</c>: linear (S1Fmt 0) for up to
/// <c>CTXDESC_LINEAR_CDMAX</c> = 2^10 CDs, else 2-level with 64 KiB leaves of <c>CTXDESC_L2_ENTRIES</c> =
/// 1024 CDs (S1Fmt 64K_L2) under an L1 table of 2^(SSID bits − 10) L1CDs, so up to 20-bit PASIDs.
/// Every table is physically contiguous and aligned to its size
/// (<see cref="Memory.FrameAllocator.TryAllocateContiguous"/>); leaves are allocated on first use
/// (<c>arm_smmu_alloc_cd_ptr</c>).</para>
/// </remarks>
public sealed partial class SmmuDriver
{
    /// <summary>log2 of the CDs in a level-2 CD table: 1024 CDs, 64 KiB (Linux <c>CTXDESC_L2_ENTRIES</c>, S1Fmt 64K_L2).</summary>
    private const int CdLeafBits = 10;

    /// <summary>log2 of the largest linear CD table (Linux <c>CTXDESC_LINEAR_CDMAX</c>): 1024 CDs, 64 KiB.</summary>
    private const int CdLinearMaxBits = 10;

    /// <summary>One attached device (Linux <c>struct arm_smmu_master</c>). Guarded by <see cref="_lock"/>.</summary>
    private sealed class Master
    {
        public required uint Sid { get; init; }
        public required int SsidBits { get; init; }
        public required bool Ats { get; init; }
        public required bool Pri { get; init; }
        public required ulong CdTablePa { get; init; }
        public required CdTableFormat Format { get; init; }

        /// <summary>Level-2 CD tables by L1 index (2-level format only); 0 = not allocated.</summary>
        public ulong[]? CdLeaves { get; init; }
    }

    /// <summary>Attached devices by StreamID. Guarded by <see cref="_lock"/>.</summary>
    private readonly Dictionary<uint, Master> _masters = [];

    /// <summary>Level-2 stream arrays by L1 index; 0 = not allocated. Guarded by <see cref="_lock"/>.</summary>
    private ulong[] _strtabL2 = [];

    /// <summary>
    /// Attaches the device <paramref name="sid"/> for SVA: allocates its level-2 stream array if needed
    /// and a CD table for 2^<paramref name="ssidBits"/> PASIDs (linear up to 1024, else 2-level with 1024-CD
    /// leaves allocated on first use), writes a
    /// stage 1 STE (S1DSS terminate: traffic without a PASID aborts; EATS full when <paramref name="ats"/>)
    /// and issues CMD_CFGI_STE + CMD_SYNC.
    /// </summary>
    /// <param name="sid">The StreamID (PCIe requester ID).</param>
    /// <param name="ssidBits">PASID width the device supports, 1..20; capped to <see cref="MaxSsidBits"/>, which is
    /// the SMMU's IDR1.SSIDSIZE (Linux: <c>min(smmu->ssid_bits, fwspec->num_pasid_bits)</c>) — a wider STE would be
    /// ILLEGAL.</param>
    /// <param name="ats">Enable ATS (STE.EATS = translate); ATC invalidations are sent only for such devices.</param>
    /// <param name="pri">The device uses PRI (bookkeeping: the SMMU does not check the STE for page requests).</param>
    /// <returns><see cref="Errno.Ok"/>; <see cref="Errno.ENODEV"/> before <see cref="Init"/>;
    /// <see cref="Errno.EINVAL"/> for a StreamID outside the table or a bad <paramref name="ssidBits"/>;
    /// <see cref="Errno.EOPNOTSUPP"/> for ATS or PRI the SMMU lacks; <see cref="Errno.EBUSY"/> when already
    /// attached; <see cref="Errno.ENOMEM"/>; or the CMD_SYNC's failure.</returns>
    public Errno AttachDevice(uint sid, int ssidBits, bool ats, bool pri)
    {
        lock (_lock)
        {
            if (!_initialized)
            {
                return Errno.ENODEV;
            }
            if (((ulong)sid >> _sidBits) != 0 || ssidBits is < 1 or > 20)
            {
                return Errno.EINVAL;
            }
            if ((ats && !_idr0.Ats) || (pri && !_idr0.Pri))
            {
                return Errno.EOPNOTSUPP;
            }
            if (_masters.ContainsKey(sid))
            {
                return Errno.EBUSY;
            }
            int bits = Math.Min(ssidBits, _maxSsidBits);
            Errno err = GetStePa(sid, out ulong stePa);
            if (err != Errno.Ok)
            {
                return err;
            }
            bool twoLevel = bits > CdLinearMaxBits && _idr0.Cd2L;
            ulong cdTableBytes = twoLevel
                ? (1UL << (bits - CdLeafBits)) * CdTableDescriptor.Size
                : (1UL << bits) * ContextDescriptor.Size;
            if (!TryAllocateTable(cdTableBytes, out ulong cdTablePa))
            {
                return Errno.ENOMEM;
            }
            var master = new Master
            {
                Sid = sid,
                SsidBits = bits,
                Ats = ats,
                Pri = pri,
                CdTablePa = cdTablePa,
                Format = twoLevel ? CdTableFormat.TwoLevel64K : CdTableFormat.Linear,
                CdLeaves = twoLevel ? new ulong[1 << (bits - CdLeafBits)] : null,
            };
            _masters.Add(sid, master);
            var ste = StreamTableEntry.S1Translate(cdTablePa, bits, master.Format, DefaultSubstream.Terminate,
                ats ? AtsMode.Translate : AtsMode.Abort);
            WriteEntry(stePa, ste.Word0, ste.Word1, ste.Word2, ste.Word3, ste.Word4, ste.Word5, ste.Word6, ste.Word7, validWordLast: true);
            return SyncConfig(Command.CfgiSte(sid, leaf: true));
        }
    }

    /// <summary>True when <paramref name="sid"/> is attached; <paramref name="ats"/> says whether ATS is enabled.</summary>
    public bool IsAttached(uint sid, out bool ats)
    {
        lock (_lock)
        {
            bool found = _masters.TryGetValue(sid, out Master? m);
            ats = found && m!.Ats;
            return found;
        }
    }

    /// <summary>
    /// Installs the SVA context descriptor for (<paramref name="sid"/>, <paramref name="pasid"/>): TTB0 is
    /// the x86 root table of the mm (the model's deliberate deviation, see <see cref="ContextDescriptor"/>),
    /// T0SZ follows <paramref name="mode"/>; then CMD_CFGI_CD + CMD_SYNC (Linux <c>arm_smmu_make_sva_cd</c> +
    /// <c>arm_smmu_write_cd_entry</c>).
    /// </summary>
    /// <returns><see cref="Errno.Ok"/>; <see cref="Errno.ENODEV"/> when the device is not attached;
    /// <see cref="Errno.EINVAL"/> for a PASID outside its CD table; <see cref="Errno.ENOMEM"/> when a
    /// level-2 CD table cannot be allocated; or the CMD_SYNC's failure.</returns>
    public Errno SetPasid(uint sid, uint pasid, ushort asid, ulong rootPa, PagingMode mode)
    {
        lock (_lock)
        {
            Errno err = GetCdPa(sid, pasid, allocate: true, out ulong cdPa);
            if (err != Errno.Ok)
            {
                return err;
            }
            var cd = ContextDescriptor.Sva(asid, rootPa, 64 - mode.LinearAddressBits());
            WriteEntry(cdPa, cd.Word0, cd.Word1, cd.Word2, cd.Word3, cd.Word4, cd.Word5, cd.Word6, cd.Word7, validWordLast: true);
            return SyncConfig(Command.CfgiCd(sid, pasid, leaf: true));
        }
    }

    /// <summary>
    /// Takes the PASID out of use: with <paramref name="quiet"/> the CD stays valid with the same ASID but
    /// blocks every walk (<see cref="ContextDescriptor.Quiet"/>, Linux's CD at mm exit, so DMA fails
    /// silently instead of raising C_BAD_CD); otherwise the CD becomes invalid. Then CMD_CFGI_CD + CMD_SYNC.
    /// </summary>
    /// <returns><see cref="Errno.Ok"/> (also when nothing was installed); <see cref="Errno.ENODEV"/> when the
    /// device is not attached; <see cref="Errno.EINVAL"/> for a PASID outside its CD table; or the CMD_SYNC's failure.</returns>
    public Errno ClearPasid(uint sid, uint pasid, bool quiet)
    {
        lock (_lock)
        {
            Errno err = GetCdPa(sid, pasid, allocate: false, out ulong cdPa);
            if (err != Errno.Ok || cdPa == 0)
            {
                return err;
            }
            var current = new ContextDescriptor(ReadRamU64(cdPa), 0);
            ContextDescriptor next = quiet && current.Valid ? ContextDescriptor.Quiet(current.Asid) : ContextDescriptor.Invalid;
            // Disabling: the word with V/EPD0 goes first so no walk starts from a half-cleared entry.
            WriteEntry(cdPa, next.Word0, next.Word1, next.Word2, next.Word3, next.Word4, next.Word5, next.Word6, next.Word7, validWordLast: false);
            return SyncConfig(Command.CfgiCd(sid, pasid, leaf: true));
        }
    }

    /// <summary>The STE currently in the table for <paramref name="sid"/> (for tests and diagnostics);
    /// <see cref="StreamTableEntry.Invalid"/> when its level-2 array does not exist.</summary>
    public StreamTableEntry ReadSte(uint sid)
    {
        lock (_lock)
        {
            uint l1 = sid >> _options.StrtabSplit;
            if (!_initialized || l1 >= _strtabL2.Length || _strtabL2[l1] == 0)
            {
                return StreamTableEntry.Invalid;
            }
            return StreamTableEntry.ReadFrom(ReadEntryBytes(_strtabL2[l1] + (sid & ((1u << _options.StrtabSplit) - 1)) * StreamTableEntry.Size));
        }
    }

    /// <summary>The CD currently in (<paramref name="sid"/>, <paramref name="pasid"/>)'s slot;
    /// <see cref="ContextDescriptor.Invalid"/> when there is none.</summary>
    public ContextDescriptor ReadCd(uint sid, uint pasid)
    {
        lock (_lock)
        {
            return GetCdPa(sid, pasid, allocate: false, out ulong cdPa) == Errno.Ok && cdPa != 0
                ? ContextDescriptor.ReadFrom(ReadEntryBytes(cdPa))
                : ContextDescriptor.Invalid;
        }
    }

    private byte[] ReadEntryBytes(ulong pa)
    {
        var raw = new byte[64];
        if (!_memory.TryRead(pa, raw))
        {
            throw new InvalidOperationException($"driver-owned RAM at {pa:x} not readable");
        }
        return raw;
    }

    /// <summary>CFGI + CMD_SYNC after a configuration write, unless <see cref="FaultInjection.SkipCfgi"/>
    /// (then nothing is issued: there is nothing to wait for).</summary>
    private Errno SyncConfig(Command cfgi)
    {
        if (Has(FaultInjection.SkipCfgi))
        {
            return Errno.Ok;
        }
        return IssueCommands([cfgi], sync: true, deferrable: true);
    }

    /// <summary>Writes a 64-byte STE or CD word by word in a hitless order.</summary>
    private void WriteEntry(ulong pa, ulong w0, ulong w1, ulong w2, ulong w3, ulong w4, ulong w5, ulong w6, ulong w7, bool validWordLast)
    {
        if (!validWordLast)
        {
            WriteRamU64(pa, w0);
        }
        WriteRamU64(pa + 8, w1);
        WriteRamU64(pa + 16, w2);
        WriteRamU64(pa + 24, w3);
        WriteRamU64(pa + 32, w4);
        WriteRamU64(pa + 40, w5);
        WriteRamU64(pa + 48, w6);
        WriteRamU64(pa + 56, w7);
        if (validWordLast)
        {
            Thread.MemoryBarrier(); // dma_wmb(): the SMMU must not see V before the rest
            WriteRamU64(pa, w0);
        }
    }

    /// <summary>The STE slot of <paramref name="sid"/>, allocating its level-2 array (abort STEs) on first use.</summary>
    private Errno GetStePa(uint sid, out ulong stePa)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        stePa = 0;
        int split = _options.StrtabSplit;
        uint l1 = sid >> split;
        if (_strtabL2[l1] == 0)
        {
            if (!TryAllocateTable((ulong)StreamTableEntry.Size << split, out ulong l2Pa))
            {
                return Errno.ENOMEM;
            }
            StreamTableEntry abort = StreamTableEntry.Abort();
            for (uint i = 0; i < 1u << split; i++)
            {
                ulong pa = l2Pa + i * StreamTableEntry.Size;
                WriteRamU64(pa + 8, abort.Word1);
                WriteRamU64(pa, abort.Word0);
            }
            Thread.MemoryBarrier();
            WriteRamU64(_strtabPa + l1 * StreamTableDescriptor.Size, StreamTableDescriptor.Create(l2Pa, split + 1).Raw);
            _strtabL2[l1] = l2Pa;
        }
        stePa = _strtabL2[l1] + (sid & ((1u << split) - 1)) * StreamTableEntry.Size;
        return Errno.Ok;
    }

    /// <summary>The CD slot of (<paramref name="sid"/>, <paramref name="pasid"/>) (Linux <c>arm_smmu_get_cd_ptr</c>);
    /// 0 with <see cref="Errno.Ok"/> when its level-2 table is missing and <paramref name="allocate"/> is false.</summary>
    private Errno GetCdPa(uint sid, uint pasid, bool allocate, out ulong cdPa)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        cdPa = 0;
        if (!_masters.TryGetValue(sid, out Master? master))
        {
            return Errno.ENODEV;
        }
        if (((ulong)pasid >> master.SsidBits) != 0)
        {
            return Errno.EINVAL;
        }
        if (master.Format == CdTableFormat.Linear)
        {
            cdPa = master.CdTablePa + pasid * (ulong)ContextDescriptor.Size;
            return Errno.Ok;
        }
        uint l1 = pasid >> CdLeafBits;
        ulong leaf = master.CdLeaves![l1];
        if (leaf == 0)
        {
            if (!allocate)
            {
                return Errno.Ok;
            }
            if (!TryAllocateTable((ulong)ContextDescriptor.Size << CdLeafBits, out leaf))
            {
                return Errno.ENOMEM;
            }
            Thread.MemoryBarrier();
            WriteRamU64(master.CdTablePa + l1 * CdTableDescriptor.Size, CdTableDescriptor.Create(leaf).Raw);
            master.CdLeaves[l1] = leaf;
        }
        cdPa = leaf + (pasid & ((1u << CdLeafBits) - 1)) * (ulong)ContextDescriptor.Size;
        return Errno.Ok;
    }
}

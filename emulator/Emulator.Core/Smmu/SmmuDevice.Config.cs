using Emulator.Core.Pcie;

namespace Emulator.Core.Smmu;

/// <summary>Configuration lookup: StreamID → STE (linear or 2-level stream table) → CD (linear or
/// 2-level CD table), through the <see cref="ConfigCache"/>.</summary>
/// <remarks>
/// SMMUv3 §3.3 (stream table), §3.4 (CD tables), §5.1–§5.4 (L1STD, STE, L1CD, CD), §7.3.3–§7.3.11
/// (the configuration events). Every failure is a value: <see cref="ConfigStatus.Fault"/> with the event
/// record to write, or <see cref="ConfigStatus.Abort"/> when the architecture says to abort silently.
/// </remarks>
public sealed partial class SmmuDevice
{
    /// <summary>Outcome of a configuration lookup.</summary>
    private enum ConfigStatus : byte
    {
        /// <summary>Stage 1 translates with the STE (and CD) returned.</summary>
        Translate,
        /// <summary>The transaction aborts and no event is recorded (STE.Config abort, C_BAD_STREAMID without CR2.RECINVSID).</summary>
        Abort,
        /// <summary>Stage 1 bypasses (STE.Config bypass, or S1DSS bypass for traffic without a PASID).</summary>
        Bypass,
        /// <summary>The transaction aborts with the event record returned.</summary>
        Fault,
    }

    /// <summary>The StreamID's STE, from the cache or the stream table.</summary>
    /// <param name="sid">StreamID.</param>
    /// <param name="ssid">SubstreamID for event records (bits 19:0).</param>
    /// <param name="ssv">The transaction carried a SubstreamID.</param>
    /// <param name="ste">The STE when the status is <see cref="ConfigStatus.Translate"/> or <see cref="ConfigStatus.Bypass"/>.</param>
    /// <param name="fault">The event when the status is <see cref="ConfigStatus.Fault"/>.</param>
    private ConfigStatus LookupSte(uint sid, uint ssid, bool ssv, out StreamTableEntry ste, out EventRecord fault)
    {
        fault = default;
        if (!_config.TryGetSte(sid, out ste))
        {
            ulong sequence = _config.Sequence;
            StrtabBase strtabBase;
            StrtabBaseCfg cfg;
            bool recordInvalidSid;
            lock (_lock)
            {
                strtabBase = new StrtabBase(_rStrtabBase);
                cfg = new StrtabBaseCfg(_rStrtabBaseCfg);
                recordInvalidSid = (_rCr2 & SmmuRegisters.Cr2RecInvSid) != 0;
            }
            if (!TryLocateSte(sid, strtabBase, cfg, out ulong stePa, out bool fetchAborted))
            {
                if (fetchAborted)
                {
                    fault = EventRecord.SteFetch(sid, ssid, ssv, stePa);
                    return ConfigStatus.Fault;
                }
                if (!recordInvalidSid)
                {
                    return ConfigStatus.Abort;
                }
                fault = EventRecord.BadStreamId(sid, ssid, ssv);
                return ConfigStatus.Fault;
            }
            Span<byte> raw = stackalloc byte[StreamTableEntry.Size];
            _config.CountFetch();
            if (!_memory.TryRead(stePa, raw))
            {
                fault = EventRecord.SteFetch(sid, ssid, ssv, stePa);
                return ConfigStatus.Fault;
            }
            ste = StreamTableEntry.ReadFrom(raw);
            if (!ste.Valid || IsIllegal(ste))
            {
                fault = EventRecord.BadSte(sid, ssid, ssv);
                return ConfigStatus.Fault;
            }
            _config.AddSte(sid, ste, sequence);
        }
        return ste.Config switch
        {
            SteConfig.S1Translate => ConfigStatus.Translate,
            SteConfig.Bypass => ConfigStatus.Bypass,
            _ => ConfigStatus.Abort, // Abort, and the Reserved values 0b001–0b011 that behave as it
        };
    }

    /// <summary>Finds the STE's address; false when the StreamID is out of range (C_BAD_STREAMID) or,
    /// with <paramref name="fetchAborted"/>, when the L1STD at <paramref name="stePa"/> could not be read.</summary>
    /// <remarks>§3.3.1–§3.3.2; an L1STD with Span 0, a Reserved Span, or a Span that does not reach the
    /// StreamID is C_BAD_STREAMID (§5.1, §7.3.3).</remarks>
    private bool TryLocateSte(uint sid, StrtabBase strtabBase, StrtabBaseCfg cfg, out ulong stePa, out bool fetchAborted)
    {
        fetchAborted = false;
        stePa = 0;
        if (!cfg.Contains(sid, _idr1.SidSize))
        {
            return false;
        }
        ulong tableBase = cfg.EffectiveBase(strtabBase);
        if (cfg.EffectiveFormat == StreamTableFormat.Linear)
        {
            stePa = tableBase + (ulong)sid * StreamTableEntry.Size;
            return true;
        }
        ulong l1Pa = tableBase + (ulong)cfg.L1Index(sid) * StreamTableDescriptor.Size;
        _config.CountFetch();
        if (l1Pa >= _memory.RamSize || !_memory.TryReadU64(l1Pa, out ulong rawL1))
        {
            stePa = l1Pa;
            fetchAborted = true;
            return false;
        }
        var l1 = new StreamTableDescriptor(rawL1);
        uint l2Index = cfg.L2Index(sid);
        if (!l1.IsValid(cfg.EffectiveSplit) || l2Index >= l1.StreamCount)
        {
            return false;
        }
        stePa = l1.EffectiveL2Address + (ulong)l2Index * StreamTableEntry.Size;
        return true;
    }

    /// <summary>The ILLEGAL STE configurations of this SMMU (§5.2): stage 2 without S2P, a CD table
    /// larger than SSIDSIZE, Reserved S1DSS or EATS, split-stage ATS without stage 2.</summary>
    private bool IsIllegal(in StreamTableEntry ste)
    {
        if (ste.Config is SteConfig.S2Translate or SteConfig.Nested)
        {
            return true;
        }
        if (ste.Config != SteConfig.S1Translate)
        {
            return false;
        }
        return ste.S1CdMax > _idr1.SsidSize
            || (ste.S1CdMax > 0 && (byte)ste.S1Dss > (byte)DefaultSubstream.Substream0)
            || ste.Eats is not (AtsMode.Abort or AtsMode.Translate);
    }

    /// <summary>The CD for <paramref name="pasid"/> under a stage 1 <paramref name="ste"/>.</summary>
    /// <param name="sid">StreamID.</param>
    /// <param name="ste">A valid stage 1 STE.</param>
    /// <param name="pasid">The PASID, or <see cref="AtcEntry.NoPasid"/>.</param>
    /// <param name="cd">The CD when the status is <see cref="ConfigStatus.Translate"/>.</param>
    /// <param name="fault">The event when the status is <see cref="ConfigStatus.Fault"/>.</param>
    /// <remarks>§3.4 and §5.2 S1DSS: traffic without a PASID uses CD 0 when S1CDMax is 0 or S1DSS is
    /// Substream0; with S1DSS Substream0, PASID 0 itself is F_STREAM_DISABLED. A PASID beyond S1CDMax
    /// (or any PASID when S1CDMax is 0) is C_BAD_SUBSTREAMID; an L1CD with V 0 is C_BAD_SUBSTREAMID;
    /// a fetch abort is F_CD_FETCH; a CD with V 0, or one this model cannot walk (TG0 not 4 KiB), is
    /// C_BAD_CD.</remarks>
    private ConfigStatus LookupCd(uint sid, in StreamTableEntry ste, uint pasid, out ContextDescriptor cd, out EventRecord fault)
    {
        cd = default;
        fault = default;
        bool ssv = pasid != AtcEntry.NoPasid;
        uint eventSsid = ssv ? pasid & 0xF_FFFF : 0;
        uint index;
        if (!ssv)
        {
            if (ste.S1CdMax > 0 && ste.S1Dss != DefaultSubstream.Substream0)
            {
                if (ste.S1Dss == DefaultSubstream.Bypass)
                {
                    return ConfigStatus.Bypass;
                }
                fault = EventRecord.StreamDisabled(sid);
                return ConfigStatus.Fault;
            }
            index = 0;
        }
        else
        {
            if (!ste.SubstreamInRange(pasid) || (pasid >> _idr1.SsidSize) != 0)
            {
                fault = EventRecord.BadSubstreamId(sid, eventSsid);
                return ConfigStatus.Fault;
            }
            if (pasid == 0 && ste.S1Dss == DefaultSubstream.Substream0)
            {
                fault = EventRecord.StreamDisabled(sid);
                return ConfigStatus.Fault;
            }
            index = pasid;
        }

        if (_config.TryGetCd(sid, index, out cd))
        {
            return ConfigStatus.Translate;
        }
        ulong sequence = _config.Sequence;
        ulong cdPa = ste.S1ContextPtrPa;
        if (ste.S1CdMax > 0)
        {
            int leafBits = ste.S1Fmt switch
            {
                CdTableFormat.TwoLevel4K => 6,
                CdTableFormat.TwoLevel64K => 10,
                _ => 0, // linear, and Reserved 0b11 that behaves as linear
            };
            if (leafBits == 0 || ste.S1CdMax <= leafBits)
            {
                cdPa += (ulong)index * ContextDescriptor.Size;
            }
            else
            {
                ulong l1Pa = cdPa + (ulong)(index >> leafBits) * CdTableDescriptor.Size;
                _config.CountFetch();
                if (l1Pa >= _memory.RamSize || !_memory.TryReadU64(l1Pa, out ulong rawL1))
                {
                    fault = EventRecord.CdFetch(sid, eventSsid, ssv, l1Pa);
                    return ConfigStatus.Fault;
                }
                var l1 = new CdTableDescriptor(rawL1);
                if (!l1.Valid)
                {
                    fault = EventRecord.BadSubstreamId(sid, eventSsid);
                    return ConfigStatus.Fault;
                }
                cdPa = l1.L2Ptr + (ulong)(index & ((1u << leafBits) - 1)) * ContextDescriptor.Size;
            }
        }
        Span<byte> raw = stackalloc byte[ContextDescriptor.Size];
        _config.CountFetch();
        if (!_memory.TryRead(cdPa, raw))
        {
            fault = EventRecord.CdFetch(sid, eventSsid, ssv, cdPa);
            return ConfigStatus.Fault;
        }
        cd = ContextDescriptor.ReadFrom(raw);
        if (!cd.Valid || cd.Tg0 != 0)
        {
            fault = EventRecord.BadCd(sid, eventSsid, ssv);
            return ConfigStatus.Fault;
        }
        _config.AddCd(sid, index, cd, sequence);
        return ConfigStatus.Translate;
    }
}

namespace Emulator.Core.Smmu;

/// <summary>The event number in bits 7:0 of an event record.</summary>
/// <remarks>SMMUv3 §7.3.2–§7.3.20, one subsection per event; Linux names a subset <c>EVT_ID_*</c>
/// (e.g. <c>EVT_ID_TRANSLATION_FAULT</c> 0x10, <c>EVT_ID_BAD_STE_CONFIG</c> 0x04). C_ events are
/// configuration errors, F_ events faults, E_ events informational.</remarks>
public enum EventId : byte
{
    /// <summary>Unsupported Upstream Transaction (§7.3.2).</summary>
    F_UUT = 0x01,
    /// <summary>StreamID out of range (§7.3.3); recorded only when CR2.RECINVSID is 1.</summary>
    C_BAD_STREAMID = 0x02,
    /// <summary>External abort fetching an STE (§7.3.4).</summary>
    F_STE_FETCH = 0x03,
    /// <summary>STE invalid or ILLEGAL (§7.3.5).</summary>
    C_BAD_STE = 0x04,
    /// <summary>ATS Translation Request on a stream that may not use ATS (§7.3.6).</summary>
    F_BAD_ATS_TREQ = 0x05,
    /// <summary>Transaction without (or with the reserved) SubstreamID on a substream-only stream (§7.3.7).</summary>
    F_STREAM_DISABLED = 0x06,
    /// <summary>ATS-Translated traffic where bypass is not allowed (§7.3.8).</summary>
    F_TRANSL_FORBIDDEN = 0x07,
    /// <summary>SubstreamID out of range, or substreams disabled (§7.3.9).</summary>
    C_BAD_SUBSTREAMID = 0x08,
    /// <summary>External abort fetching a CD or L1CD (§7.3.10).</summary>
    F_CD_FETCH = 0x09,
    /// <summary>CD invalid or ILLEGAL (§7.3.11).</summary>
    C_BAD_CD = 0x0A,
    /// <summary>External abort fetching or updating a translation table descriptor (§7.3.12).</summary>
    F_WALK_EABT = 0x0B,
    /// <summary>Translation fault: no valid descriptor, or the address outside the table's range (§7.3.13).</summary>
    F_TRANSLATION = 0x10,
    /// <summary>Address size fault (§7.3.14).</summary>
    F_ADDR_SIZE = 0x11,
    /// <summary>Access flag fault (§7.3.15).</summary>
    F_ACCESS = 0x12,
    /// <summary>Permission fault (§7.3.16).</summary>
    F_PERMISSION = 0x13,
    /// <summary>TLB conflict (§7.3.17).</summary>
    F_TLB_CONFLICT = 0x20,
    /// <summary>Configuration cache conflict (§7.3.18).</summary>
    F_CFG_CONFLICT = 0x21,
    /// <summary>Speculative page request hint (§7.3.19).</summary>
    E_PAGE_REQUEST = 0x24,
    /// <summary>External abort fetching a VMS (§7.3.20); Linux <c>EVT_ID_VMS_FETCH_FAULT</c>.</summary>
    F_VMS_FETCH = 0x25,
}

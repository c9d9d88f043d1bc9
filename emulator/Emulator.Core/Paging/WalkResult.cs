namespace Emulator.Core.Paging;

/// <summary>
/// The outcome of translating one virtual address: a <see cref="Paging.Translation"/>, or the fault
/// with what the architecture reports about it.
/// </summary>
/// <remarks>
/// Guest-caused failures are values (house style, rule 6): the CPU turns
/// <see cref="WalkStatus.PageFault"/> into #PF with <see cref="ErrorCode"/> (CR2 = the va),
/// <see cref="WalkStatus.NonCanonical"/> into #GP; the SMMU turns them into F_TRANSLATION and
/// F_WALK_EABT event records. SDM Vol. 3A §4.7.
/// </remarks>
public readonly struct WalkResult
{
    private readonly Translation _translation;

    private WalkResult(WalkStatus status, in Translation translation, PageFaultErrorCode errorCode, int level, ulong entryPa)
    {
        Status = status;
        _translation = translation;
        ErrorCode = errorCode;
        Level = level;
        EntryPa = entryPa;
    }

    public WalkStatus Status { get; }

    /// <summary>True when the address translated.</summary>
    public bool IsOk => Status == WalkStatus.Ok;

    /// <summary>The translation; <c>default</c> unless <see cref="IsOk"/>.</summary>
    public Translation Translation => _translation;

    /// <summary>The #PF error code; meaningful only for <see cref="WalkStatus.PageFault"/>.</summary>
    public PageFaultErrorCode ErrorCode { get; }

    /// <summary>
    /// Level of the entry where the walk stopped, 5 (PML5E) to 1 (PTE): the leaf level on success or
    /// on an access-rights fault, the faulting entry's level otherwise; 0 for
    /// <see cref="WalkStatus.NonCanonical"/> and for a TLB hit.
    /// </summary>
    public int Level { get; }

    /// <summary>Physical address of the entry at <see cref="Level"/> (for an external abort, the
    /// address that could not be read); 0 when no entry was involved.</summary>
    public ulong EntryPa { get; }

    public static WalkResult Ok(in Translation translation) =>
        new(WalkStatus.Ok, translation, PageFaultErrorCode.None, translation.FromTlb ? 0 : translation.Level, translation.LeafEntryPa);

    public static WalkResult PageFault(PageFaultErrorCode errorCode, int level, ulong entryPa) =>
        new(WalkStatus.PageFault, default, errorCode, level, entryPa);

    public static WalkResult NonCanonical() => new(WalkStatus.NonCanonical, default, PageFaultErrorCode.None, 0, 0);

    public static WalkResult ExternalAbort(int level, ulong entryPa) =>
        new(WalkStatus.ExternalAbort, default, PageFaultErrorCode.None, level, entryPa);

    public override string ToString() => Status switch
    {
        WalkStatus.Ok => $"ok {_translation}",
        WalkStatus.PageFault => $"#PF ec={(uint)ErrorCode:x} ({ErrorCode}) level={Level} entry={EntryPa:x}",
        WalkStatus.ExternalAbort => $"external abort level={Level} pa={EntryPa:x}",
        _ => "non-canonical",
    };
}

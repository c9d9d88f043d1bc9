namespace Emulator.Core.Notifiers;

/// <summary>Why a range is being invalidated (Linux <c>enum mmu_notifier_event</c>).</summary>
public enum MmuNotifierEvent : byte
{
    /// <summary>munmap, or the old range of an mremap move: the virtual range is going away.</summary>
    Unmap,
    /// <summary>Page-table entries cleared while the VMA stays (madvise DONTNEED, COW break, zap).</summary>
    Clear,
    /// <summary>mprotect changed the protection of a VMA.</summary>
    ProtectionVma,
    /// <summary>Individual pages write-protected (fork's copy-on-write).</summary>
    ProtectionPage,
    /// <summary>Soft-dirty tracking cleared write permission.</summary>
    SoftDirty,
    /// <summary>The mm is exiting: every mapping goes away.</summary>
    Release,
    /// <summary>Page migration moves a page to another frame.</summary>
    Migrate,
    /// <summary>A device takes exclusive access to pages.</summary>
    Exclusive,
}

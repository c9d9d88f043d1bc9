namespace Emulator.Core.Mm;

/// <summary>What the emulated kernel made of a page fault (CPU or device page request).</summary>
public enum FaultResult : byte
{
    /// <summary>The page is now mapped with the access allowed; retry the access.</summary>
    Resolved,
    /// <summary>No VMA covers the address (SIGSEGV, SEGV_MAPERR).</summary>
    MapError,
    /// <summary>A VMA covers it but forbids the access (SIGSEGV, SEGV_ACCERR).</summary>
    AccessError,
    /// <summary>No frame for the page or a page table (VM_FAULT_OOM).</summary>
    OutOfMemory,
    /// <summary>The mm has exited.</summary>
    Dead,
}

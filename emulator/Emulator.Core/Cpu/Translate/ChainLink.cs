namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// One exit of a region linked to the region it continues in: the translated code's equivalent of
/// a patched jump. Valid for the vCPU that made it only while that vCPU's address space
/// (<paramref name="Epoch"/>) and TLB (<paramref name="Seq"/>) are unchanged and the target's code page
/// lives: exactly the dispatcher's check, as for the chaining cache.
/// </summary>
/// <remarks>Immutable: a region is shared by every vCPU of a code cache, so a link is replaced
/// whole (one reference store), never updated field by field.</remarks>
internal sealed record ChainLink(Cpu Owner, uint Epoch, uint Seq, CodePage Page, TranslatedRegion Region);

namespace Emulator.Core.Cpu.Translate;

/// <summary>A region decoded on the vCPU's thread, to be analysed, emitted and compiled by the
/// <see cref="TranslationWorker"/>, then installed by the vCPU's thread.</summary>
internal sealed class TranslationJob
{
    public TranslationJob(CodeCache owner, CodePage page, int index, GuestRegion decoded, long decodeTicks)
    {
        Owner = owner;
        Page = page;
        Index = index;
        Decoded = decoded;
        Ticks = decodeTicks;
    }

    /// <summary>The cache whose vCPUs install the result.</summary>
    public CodeCache Owner { get; }

    /// <summary>The page the region was decoded from: the result is dropped if the page died meanwhile.</summary>
    public CodePage Page { get; }

    /// <summary>The entry's instruction index in <see cref="Page"/>.</summary>
    public int Index { get; }

    public GuestRegion Decoded { get; }

    /// <summary>Host time spent on the job (decode on the vCPU's thread, then the worker's share).</summary>
    public long Ticks;

    /// <summary>The compiled region, set by the worker.</summary>
    public TranslatedRegion? Region;
}

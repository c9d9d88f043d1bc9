namespace Emulator.Core.Pcie;

/// <summary>
/// The translation agent's answer to one untranslated access (a request whose AT field is 00b from a
/// function that does not use ATS): the physical address to access, or a fault — the access terminates.
/// </summary>
/// <remarks>
/// The fault itself (F_TRANSLATION, F_PERMISSION, …) is the agent's to record; the endpoint only learns that
/// the access completed with an error (PCIe: Unsupported Request or Completer Abort for a read, a dropped
/// posted write).
/// </remarks>
/// <param name="IsOk">The access may proceed at <paramref name="Pa"/>.</param>
/// <param name="Pa">The translated address of the accessed byte.</param>
/// <param name="FramePa">The first frame of the page translated to: the frame <paramref name="FrameGeneration"/>
/// belongs to (for a large page, the span's first frame).</param>
/// <param name="FrameGeneration">Generation of that frame when translated, for the coherence oracle (not on the wire).</param>
public readonly record struct UntranslatedResult(bool IsOk, ulong Pa, ulong FramePa, uint FrameGeneration)
{
    /// <summary>The access terminated: a translation, permission or configuration fault, or an abort.</summary>
    public static UntranslatedResult Fault => default;

    /// <summary>A successful translation of one access.</summary>
    public static UntranslatedResult Ok(ulong pa, ulong framePa, uint frameGeneration) => new(true, pa, framePa, frameGeneration);
}

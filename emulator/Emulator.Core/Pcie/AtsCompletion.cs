namespace Emulator.Core.Pcie;

/// <summary>
/// The answer to an ATS Translation Request (PCIe Base Spec §10.2.3): a translated span with its
/// permissions. A successful completion with <see cref="AtsPermissions.None"/> means "no
/// translation": the device may issue a PRI page request and retry.
/// </summary>
/// <param name="Status">Success, UR or CA.</param>
/// <param name="Pa">Translated base of the span.</param>
/// <param name="SizeLog2">Span size: 12 for 4 KiB; larger with the S bit (ranged translation of a large page).</param>
/// <param name="Permissions">R/W/Exe/Priv granted.</param>
/// <param name="Global">The translation is valid for every PASID of the function.</param>
/// <param name="FrameGeneration">Generation of the frame translated to, for the coherence oracle (not on the wire).</param>
public readonly record struct AtsCompletion(AtsStatus Status, ulong Pa, int SizeLog2, AtsPermissions Permissions, bool Global, uint FrameGeneration)
{
    public static AtsCompletion Unsupported => new(AtsStatus.UnsupportedRequest, 0, 12, AtsPermissions.None, false, 0);
    public static AtsCompletion Abort => new(AtsStatus.CompleterAbort, 0, 12, AtsPermissions.None, false, 0);
    public static AtsCompletion NotPresent => new(AtsStatus.Success, 0, 12, AtsPermissions.None, false, 0);
}

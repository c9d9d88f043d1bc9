namespace Emulator.Core.Trace;

/// <summary><c>device NAME sid=N [ats] [pri] [pasid-bits=N]</c>: a PCIe endpoint behind the SMMU.</summary>
/// <param name="Name">The device name.</param>
/// <param name="Sid">PCIe stream ID (32 bits).</param>
/// <param name="Ats">The device has an ATC (ATS enabled).</param>
/// <param name="Pri">The device may send page requests.</param>
/// <param name="PasidBits">null when absent (the engine's default).</param>
public sealed record DeviceStatement(string Name, uint Sid, bool Ats = false, bool Pri = false, int? PasidBits = null) : Statement;

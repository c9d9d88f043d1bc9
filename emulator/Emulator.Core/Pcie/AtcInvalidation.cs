namespace Emulator.Core.Pcie;

/// <summary>
/// An ATS Invalidate Request for one device's ATC (PCIe Base Spec §10.3): the translations for
/// [Address, Address + 2^SizeLog2) under <see cref="Pasid"/> (or without PASID), as the SMMU sends
/// it for CMD_ATC_INV (SMMUv3 §4.5.1).
/// </summary>
/// <param name="Sid">StreamID of the endpoint (its Requester ID behind the SMMU).</param>
/// <param name="Pasid">The PASID, or <see cref="AtcEntry.NoPasid"/> for a request without a PASID prefix.</param>
/// <param name="Global">Global Invalidate: also remove entries installed with the G bit (only meaningful with a PASID).</param>
/// <param name="Address">Start of the span; aligned down to 2^SizeLog2 by the receiver.</param>
/// <param name="SizeLog2">log2 of the span in bytes, 12..63; <see cref="AllAddresses"/> or more means the whole address space.</param>
public readonly record struct AtcInvalidation(uint Sid, uint Pasid, bool Global, ulong Address, int SizeLog2)
{
    /// <summary>SizeLog2 meaning every address (CMD_ATC_INV SIZE = 52 is 4 KiB × 2^52).</summary>
    public const int AllAddresses = 64;

    public bool IsWholeSpace => SizeLog2 >= AllAddresses;

    public override string ToString() =>
        $"ATC_INV sid={Sid:x} {(Pasid == AtcEntry.NoPasid ? "no-pasid" : $"pasid={Pasid:x}")}{(Global ? " G" : "")} " +
        (IsWholeSpace ? "all" : $"[{Address:x}, +2^{SizeLog2})");
}

namespace Emulator.Core.Smmu;

/// <summary>SMMU_GERROR (offset 0x60) / SMMU_GERRORN (0x64): global errors, as a typed view.</summary>
/// <remarks>
/// SMMUv3 §6.3.19 SMMU_GERROR, §6.3.20 SMMU_GERRORN, §7.5 (Global error recording); Linux
/// <c>GERROR_*</c>. An error is active while its bit in GERROR differs from the same bit in GERRORN:
/// the SMMU activates an error by toggling GERROR, software acknowledges it by toggling GERRORN to
/// match (<see cref="Active"/>).
/// </remarks>
public readonly struct GError : IEquatable<GError>
{
    public const uint CmdqErr = 1u << 0;
    public const uint EventqAbtErr = 1u << 2;
    public const uint PriqAbtErr = 1u << 3;
    public const uint MsiCmdqAbtErr = 1u << 4;
    public const uint MsiEventqAbtErr = 1u << 5;
    public const uint MsiPriqAbtErr = 1u << 6;
    public const uint MsiGErrorAbtErr = 1u << 7;
    public const uint SfmErr = 1u << 8;

    /// <summary>Every error bit this model reports (Linux <c>GERROR_ERR_MASK</c> 0x1fd).</summary>
    public const uint ErrorMask = CmdqErr | EventqAbtErr | PriqAbtErr | MsiCmdqAbtErr | MsiEventqAbtErr
        | MsiPriqAbtErr | MsiGErrorAbtErr | SfmErr;

    public GError(uint raw) => Raw = raw;

    public uint Raw { get; }

    public bool CommandQueueError => (Raw & CmdqErr) != 0;
    public bool EventQueueAbort => (Raw & EventqAbtErr) != 0;
    public bool PriQueueAbort => (Raw & PriqAbtErr) != 0;
    public bool ServiceFailureMode => (Raw & SfmErr) != 0;

    /// <summary>The SMMU's side of raising <paramref name="errors"/>: toggle those bits.</summary>
    public GError Toggle(uint errors) => new(Raw ^ (errors & ErrorMask));

    /// <summary>The active errors: bits where GERROR and GERRORN differ (Linux <c>gerror ^ gerrorn</c>).</summary>
    public static uint Active(GError gerror, GError gerrorn) => (gerror.Raw ^ gerrorn.Raw) & ErrorMask;

    public bool Equals(GError other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is GError o && Equals(o);
    public override int GetHashCode() => (int)Raw;
    public override string ToString() => $"GERROR[{Raw:x3}]";
}

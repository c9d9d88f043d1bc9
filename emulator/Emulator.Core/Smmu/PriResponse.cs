namespace Emulator.Core.Smmu;

/// <summary>CMD_PRI_RESP.Resp (word 1 bits 13:12): the completion status of a Page Request Group.</summary>
/// <remarks>
/// SMMUv3 §4.5.2; the PCIe PRG Response codes. Linux names the same values differently in
/// <c>enum pri_resp</c>: <c>PRI_RESP_DENY</c> = 0 is <see cref="ResponseFailure"/>,
/// <c>PRI_RESP_FAIL</c> = 1 is <see cref="InvalidRequest"/>, <c>PRI_RESP_SUCC</c> = 2 is
/// <see cref="Success"/>. The spec names are used here because Linux's "FAIL" is not the PCIe
/// "Response Failure". 0b11 is Reserved: ILLEGAL.
/// </remarks>
public enum PriResponse : byte
{
    /// <summary>Response Failure: permanent non-paging error (for example PRI disabled for the device);
    /// the device stops issuing requests. Linux <c>PRI_RESP_DENY</c>.</summary>
    ResponseFailure = 0,

    /// <summary>Invalid Request: page-in failed for one or more pages of the group. Linux <c>PRI_RESP_FAIL</c>.</summary>
    InvalidRequest = 1,

    /// <summary>Success: every page of the group was made resident. Linux <c>PRI_RESP_SUCC</c>.</summary>
    Success = 2,
}

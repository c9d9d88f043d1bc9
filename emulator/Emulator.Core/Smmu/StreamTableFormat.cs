namespace Emulator.Core.Smmu;

/// <summary>SMMU_STRTAB_BASE_CFG.FMT (bits 17:16): the stream table layout.</summary>
/// <remarks>SMMUv3 §6.3.25; Linux <c>STRTAB_BASE_CFG_FMT_{LINEAR,2LVL}</c>. Other values are Reserved and
/// behave as <see cref="Linear"/>.</remarks>
public enum StreamTableFormat : byte
{
    /// <summary>ADDR points to an array of 2^LOG2SIZE STEs.</summary>
    Linear = 0,

    /// <summary>ADDR points to an array of L1STDs (<see cref="StreamTableDescriptor"/>), indexed by
    /// StreamID[LOG2SIZE-1:SPLIT]; each points to an array of STEs indexed by StreamID[SPLIT-1:0].</summary>
    TwoLevel = 1,
}

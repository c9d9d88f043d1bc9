namespace Emulator.Core.Smmu;

/// <summary>An event record's CLASS (word 1 bits 41:40): what the faulting access was doing.</summary>
/// <remarks>SMMUv3 §7.3 (common fields); Linux defines only <c>EVTQ_1_CLASS_TT</c> 0x01. 0b11 is Reserved.
/// A stage 1 translation fault on the input address is <see cref="Input"/>; F_WALK_EABT at stage 1 is
/// <see cref="TranslationTable"/>.</remarks>
public enum FaultClass : byte
{
    /// <summary>CD: a Context Descriptor fetch.</summary>
    ContextDescriptor = 0,

    /// <summary>TTD: a stage 1 translation table fetch.</summary>
    TranslationTable = 1,

    /// <summary>IN: the input address itself.</summary>
    Input = 2,
}

using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>SMMU_IDR1 (offset 0x4): queue and table sizes.</summary>
/// <remarks>SMMUv3 §6.3.2 SMMU_IDR1; Linux <c>IDR1_*</c>: CMDQS 25:21, EVTQS 20:16, PRIQS 15:11, SSIDSIZE
/// 10:6, SIDSIZE 5:0. Queue sizes are log2 of the maximum number of entries (at most 19); the ID sizes
/// are the number of implemented StreamID and SubstreamID bits (at most 32 and 20).</remarks>
public readonly struct Idr1 : IEquatable<Idr1>
{
    public const uint TablesPreset = 1u << 30;
    public const uint QueuesPreset = 1u << 29;
    public const uint Rel = 1u << 28;
    public const uint AttrTypesOvr = 1u << 27;

    public Idr1(uint raw) => Raw = raw;

    public uint Raw { get; }

    /// <summary>CMDQS, bits 25:21: log2 of the maximum command queue entries.</summary>
    public int CmdqLog2Size => (int)Get(Raw, 25, 21);
    /// <summary>EVENTQS, bits 20:16.</summary>
    public int EventqLog2Size => (int)Get(Raw, 20, 16);
    /// <summary>PRIQS, bits 15:11.</summary>
    public int PriqLog2Size => (int)Get(Raw, 15, 11);
    /// <summary>SSIDSIZE, bits 10:6: SubstreamID bits (0: no substreams).</summary>
    public int SsidSize => (int)Get(Raw, 10, 6);
    /// <summary>SIDSIZE, bits 5:0: StreamID bits.</summary>
    public int SidSize => (int)Get(Raw, 5, 0);

    /// <summary>Builds IDR1 from its size fields.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A queue size above 19, SSIDSIZE above 20 or SIDSIZE above 32.</exception>
    public static Idr1 Create(int cmdqLog2Size, int eventqLog2Size, int priqLog2Size, int ssidSize, int sidSize, uint flags = 0)
    {
        CheckRange(cmdqLog2Size, 19, nameof(cmdqLog2Size));
        CheckRange(eventqLog2Size, 19, nameof(eventqLog2Size));
        CheckRange(priqLog2Size, 19, nameof(priqLog2Size));
        CheckRange(ssidSize, 20, nameof(ssidSize));
        CheckRange(sidSize, 32, nameof(sidSize));
        return new((uint)(Prep(25, 21, (ulong)cmdqLog2Size) | Prep(20, 16, (ulong)eventqLog2Size)
            | Prep(15, 11, (ulong)priqLog2Size) | Prep(10, 6, (ulong)ssidSize) | (uint)sidSize) | flags);
    }

    private static void CheckRange(int value, int max, string name)
    {
        if ((uint)value > (uint)max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"must be 0..{max}");
        }
    }

    public bool Equals(Idr1 other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is Idr1 o && Equals(o);
    public override int GetHashCode() => (int)Raw;
    public override string ToString() =>
        $"IDR1[cmdqs={CmdqLog2Size} evtqs={EventqLog2Size} priqs={PriqLog2Size} ssid={SsidSize} sid={SidSize}]";
}

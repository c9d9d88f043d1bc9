using Emulator.Core.Iommu;

namespace Emulator.Core.Trace;

/// <summary><c>machine KEY=VALUE...</c>: machine configuration; only after <c>trace</c> and before
/// every other statement. A key that is absent is null (the replay engine's default).</summary>
/// <param name="Ram">Bytes of RAM (<c>ram=</c>, a size).</param>
/// <param name="Paging">Paging levels, 4 or 5.</param>
/// <param name="AtcEntries">Entries of each device's ATC.</param>
/// <param name="IotlbEntries">Entries of the SMMU's IOTLB.</param>
/// <param name="CmdqEntries">Entries of the command queue.</param>
/// <param name="Inject">Union of the <c>inject=</c> switches (the key may repeat).</param>
public sealed record MachineStatement(
    ulong? Ram = null,
    int? Paging = null,
    ulong? AtcEntries = null,
    ulong? IotlbEntries = null,
    ulong? CmdqEntries = null,
    FaultInjection Inject = FaultInjection.None) : Statement;

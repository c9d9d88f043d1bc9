using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>Every factory against words computed by hand (<see cref="CommandEncodingCases.Table"/>).</summary>
public sealed class CommandEncodingTests
{
    public static TheoryData<int, string> Cases => CommandEncodingCases.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Factory_builds_the_hand_computed_words(int line, string text)
    {
        (Command built, ulong word0, ulong word1) = CommandEncodingCases.Parse(text);

        Assert.True(word0 == built.Word0, $"line {line}: word 0 is {built.Word0:x16}, expected {word0:x16}"); // layout of word 0
        Assert.True(word1 == built.Word1, $"line {line}: word 1 is {built.Word1:x16}, expected {word1:x16}"); // layout of word 1
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_factory_output_is_legal(int line, string text)
    {
        (Command built, _, _) = CommandEncodingCases.Parse(text);

        // What the driver builds, the command queue must accept: CERROR_ILL on our own commands would be a bug in one of them.
        Assert.True(built.Validate() == IllegalCommandReason.None, $"line {line}: {built} is {built.Validate()}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_command_survives_a_trip_through_memory(int line, string text)
    {
        (Command built, ulong word0, ulong word1) = CommandEncodingCases.Parse(text);
        Span<byte> slot = stackalloc byte[Command.Size];

        built.WriteTo(slot);
        Command read = Command.ReadFrom(slot);

        Assert.True(built == read, $"line {line}: read back {read}"); // both words survive
        Assert.Equal((byte)word0, slot[0]); // little-endian: the opcode is byte 0
        Assert.Equal((byte)word1, slot[8]); // word 1 starts at byte 8, low byte first
        Assert.Equal((byte)(word0 >> 56), slot[7]); // and word 0's top byte is byte 7
    }

    [Fact]
    public void The_table_covers_every_opcode()
    {
        var seen = new HashSet<CommandOpcode>();
        foreach (object[] row in Cases)
        {
            seen.Add(CommandEncodingCases.Parse((string)row[1]).Built.Opcode);
        }

        foreach (CommandOpcode op in Enum.GetValues<CommandOpcode>())
        {
            Assert.Contains(op, seen); // no command lacks a hand-computed encoding
        }
    }
}

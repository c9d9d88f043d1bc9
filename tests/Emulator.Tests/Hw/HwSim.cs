using System.Reflection;
using Emulator.Board.Sim;
using Xunit.Sdk;

namespace Emulator.Tests.Hw;

/// <summary>The gateware simulator for the tests: <c>board-sim</c> built once per test run (cached by a hash
/// of hw/rtl and hw/sim under this build's output, so only an RTL change rebuilds it) and one shared
/// <c>--unit</c> process for the unit benches.</summary>
internal static class HwSim
{
    private static readonly Lazy<string> s_binary = new(() =>
        BoardSimBuild.EnsureBuilt(BoardSimBuild.FindHwDirectory()!, Path.Combine(AppContext.BaseDirectory, "hw-sim")));

    private static readonly Lazy<BoardSimUnit> s_unit = new(() => new BoardSimUnit(Binary));

    /// <summary>Why the gateware tests cannot run here, or null.</summary>
    public static string? SkipReason =>
        BoardSimBuild.FindHwDirectory() is null ? "hw/ not found above the test assembly" : BoardSimBuild.MissingTools();

    /// <summary>The board-sim binary (built on first use; a failed build fails every test that needs it).</summary>
    public static string Binary => s_binary.Value;

    /// <summary>The shared unit-bench process; its commands are serialised.</summary>
    public static BoardSimUnit Unit => s_unit.Value;

    /// <summary>Short enough for sun_path, unique per call.</summary>
    public static string TempSocketPath() => Path.Combine(Path.GetTempPath(), $"bs-{Guid.NewGuid():N}.sock");
}

/// <summary>A fact that needs board-sim: skipped, with the reason, without verilator, make or g++.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class VerilatorFactAttribute : FactAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? HwSim.SkipReason;
        set => _skip = value;
    }
}

/// <summary>The "rtl" row of a theory run against both boards (the other row is <c>[InlineData("stub")]</c>):
/// skipped, with the reason, where board-sim cannot be built.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RtlBoardDataAttribute : DataAttribute
{
    public override string? Skip
    {
        get => HwSim.SkipReason;
        set { }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [["rtl"]];
}

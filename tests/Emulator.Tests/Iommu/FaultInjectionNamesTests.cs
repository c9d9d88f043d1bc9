using Emulator.Core.Iommu;

namespace Emulator.Tests.Iommu;

/// <summary>The fixed user-facing names of the fault-injection switches.</summary>
public sealed class FaultInjectionNamesTests
{
    [Theory]
    [InlineData("skip-atc-inv", FaultInjection.SkipAtcInv)]
    [InlineData("skip-tlbi", FaultInjection.SkipTlbi)]
    [InlineData("skip-cfgi", FaultInjection.SkipCfgi)]
    [InlineData("skip-sync-wait", FaultInjection.SkipSyncWait)]
    [InlineData("skip-tlbi, skip-sync-wait", FaultInjection.SkipTlbi | FaultInjection.SkipSyncWait)]
    [InlineData("", FaultInjection.None)]
    public void Names_parse_to_their_switches(string text, FaultInjection expected)
    {
        Assert.True(FaultInjectionNames.TryParse(text, out FaultInjection faults, out string? error));
        Assert.Equal(expected, faults);
        Assert.Null(error);
    }

    [Fact]
    public void An_unknown_name_is_a_value_with_the_valid_names()
    {
        Assert.False(FaultInjectionNames.TryParse("skip-tlbi,skip-atc", out FaultInjection faults, out string? error));
        Assert.Equal(FaultInjection.None, faults);
        Assert.Equal("unknown fault-injection switch 'skip-atc'; valid names: skip-atc-inv, skip-tlbi, skip-cfgi, skip-sync-wait, complete-before-drain", error);
    }

    [Fact]
    public void Format_round_trips()
    {
        var all = FaultInjection.SkipAtcInv | FaultInjection.SkipTlbi | FaultInjection.SkipCfgi | FaultInjection.SkipSyncWait;
        Assert.Equal("skip-atc-inv,skip-tlbi,skip-cfgi,skip-sync-wait", FaultInjectionNames.Format(all));
        Assert.True(FaultInjectionNames.TryParse(FaultInjectionNames.Format(all), out FaultInjection back, out _));
        Assert.Equal(all, back);
        Assert.Equal("", FaultInjectionNames.Format(FaultInjection.None));
    }
}

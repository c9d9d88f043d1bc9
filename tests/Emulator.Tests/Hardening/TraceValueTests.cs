using Emulator.Core;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;

namespace Emulator.Tests.Hardening;

/// <summary>Every value a trace gives the machine is checked by the parser, at its own line and
/// column with the allowed range, so none reaches a constructor's guard (which would surface as an
/// exception, a finding at the wrong line — or gigabytes allocated first).</summary>
public sealed class TraceValueTests
{
    [Theory]
    [InlineData("machine ram=0", "x.trace:2:9: ram must be a multiple of 4K from 4K to 64G, got 0")]
    [InlineData("machine ram=4097", "x.trace:2:9: ram must be a multiple of 4K from 4K to 64G, got 4097")]
    [InlineData("machine paging=4 ram=65G", "x.trace:2:18: ram must be a multiple of 4K from 4K to 64G, got 69793218560")]
    [InlineData("machine iotlb-entries=0", "x.trace:2:9: iotlb-entries must be 1..65536, got 0")]
    [InlineData("machine iotlb-entries=2147483647", "x.trace:2:9: iotlb-entries must be 1..65536, got 2147483647")]
    [InlineData("machine atc-entries=0", "x.trace:2:9: atc-entries must be 4 (the ways) times a power of two, 4..262144, got 0")]
    [InlineData("machine atc-entries=12", "x.trace:2:9: atc-entries must be 4 (the ways) times a power of two, 4..262144, got 12")]
    [InlineData("machine atc-entries=6", "x.trace:2:9: atc-entries must be 4 (the ways) times a power of two, 4..262144, got 6")]
    [InlineData("machine atc-entries=524288", "x.trace:2:9: atc-entries must be 4 (the ways) times a power of two, 4..262144, got 524288")]
    [InlineData("machine cmdq-entries=0", "x.trace:2:9: cmdq-entries must be a power of two, 2..1024, got 0")]
    [InlineData("machine cmdq-entries=3", "x.trace:2:9: cmdq-entries must be a power of two, 2..1024, got 3")]
    [InlineData("machine cmdq-entries=2048", "x.trace:2:9: cmdq-entries must be a power of two, 2..1024, got 2048")]
    [InlineData("machine paging=18446744073709551615", "x.trace:2:9: paging must be 4 or 5, got 18446744073709551615")]
    public void Out_of_range_machine_value_is_a_located_error_with_the_range(string machine, string expected)
    {
        var parsed = TraceParser.Parse("x.trace", "trace 1\n" + machine + "\nprocess p\n");
        // The one error names the value's own column and the range; nothing is replayed.
        Assert.Equal(new[] { expected }, parsed.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Device_sid_beyond_the_smmu_is_a_parse_error_not_a_replay_failure()
    {
        var parsed = TraceParser.Parse("x.trace", "trace 1\nprocess p\ndevice d sid=70000\n");
        // Before: accepted, then AddDevice answered EINVAL and the replay failed (exit 1, a "finding").
        Assert.Equal("x.trace:3:10: sid must be 0..65535 (the SMMU's StreamIDs are 16 bits), got 70000", Assert.Single(parsed.Errors).ToString());
    }

    /// <summary>Each machine key over its edge values and random ones: the parser accepts a value
    /// exactly when the machine can be built with it, and a machine built from an accepted value
    /// runs a trace with a device, a bind, a mapping and DMA with no exception.</summary>
    [Fact]
    public void Accepted_machine_values_build_a_working_machine()
    {
        const int seed = 20_260_515;
        var rng = new Random(seed);
        string[] keys = ["ram", "paging", "atc-entries", "iotlb-entries", "cmdq-entries"];
        ulong[] edges = [0, 1, 2, 3, 4, 5, 6, 8, 12, 16, 128, 1023, 1024, 1025, 4096, 4097, 65536, 65537, 262144, 262148, 524288,
            1UL << 30, 64UL << 30, (64UL << 30) + 4096, int.MaxValue, uint.MaxValue, ulong.MaxValue];
        int accepted = 0, cases = 0;
        foreach (string key in keys)
        {
            for (int i = 0; i < edges.Length + 6; i++)
            {
                ulong value = i < edges.Length ? edges[i] : (ulong)rng.NextInt64() >> rng.Next(64);
                cases++;
                string text = $"trace 1\nmachine {key}={value}\nprocess p\ndevice d sid=1 ats\nbind d p\n"
                    + "mmap p 0x10000 0x4000 rw\nwrite p 0x10000 0x4000 seq32:1\ndma d p read 0x10000 0x4000 => seq32:1\nmunmap p 0x10000 0x4000\n";
                var parsed = TraceParser.Parse("x.trace", text);
                bool valid = key switch
                {
                    "ram" => MachineLimits.CheckRam(value, out _),
                    "paging" => MachineLimits.CheckPaging(value, out _),
                    "atc-entries" => MachineLimits.CheckAtcEntries(value, out _),
                    "iotlb-entries" => MachineLimits.CheckIotlbEntries(value, out _),
                    _ => MachineLimits.CheckCmdqEntries(value, out _),
                };
                // The parser and the limits agree (seed printed so a random value can be found again).
                Assert.True(valid == parsed.Success, $"seed {seed}: {key}={value}: {string.Join("; ", parsed.Errors)}");
                if (!parsed.Success)
                {
                    // Rejected at the value's own line and column.
                    Assert.Equal((2, 9), (parsed.Errors[0].Line, parsed.Errors[0].Column));
                    continue;
                }
                accepted++;
                var result = TraceReplayer.Run("x.trace", parsed);
                // No emulator exception: a tiny RAM may run out of frames (ENOMEM, an outcome), nothing throws.
                Assert.DoesNotContain(result.Failures, f => f.Message.Contains("exception", StringComparison.Ordinal));
                if (key != "ram" || value >= 1 << 20)
                {
                    Assert.True(result.Passed, $"seed {seed}: {key}={value}: {string.Join("; ", result.Failures)}");
                }
            }
        }
        // The sweep exercised both sides of every range.
        Assert.InRange(accepted, keys.Length * 3, cases - keys.Length * 3);
    }
}

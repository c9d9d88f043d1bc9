using Emulator.Cli;
using Emulator.Cli.Bench;
using Emulator.Core;
using Spectre.Console;

namespace Emulator.Tests.Cli;

public class CliTests
{
    [Theory]
    [InlineData(Core.Paging.PagingMode.FourLevel)]
    [InlineData(Core.Paging.PagingMode.FiveLevel)]
    public void Boot_demo_succeeds_and_prints_the_shootdown_the_notifier_saw(Core.Paging.PagingMode mode)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        int rc = BootCommand.Run(new MachineOptions { RamSize = 64UL << 20, Paging = mode }, console);

        Assert.Equal(0, rc); // the README's first command must exit 0
        Assert.Contains("invalidate_range_start", output.ToString());
        Assert.Contains("arch_invalidate_secondary_tlbs", output.ToString());
        Assert.Contains("boot demo passed", output.ToString());
        Assert.Contains("oracle: coherent", output.ToString()); // the SVA part ran and stayed coherent
    }

    [Theory]
    [InlineData("skip-atc-inv")]
    [InlineData("skip-tlbi")]
    [InlineData("skip-sync-wait")]
    public void Boot_with_an_injected_driver_bug_fails_because_the_oracle_fires(string name)
    {
        Assert.True(Emulator.Core.Iommu.FaultInjectionNames.TryParse(name, out var inject, out _));
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });

        int rc = BootCommand.Run(new MachineOptions { RamSize = 64UL << 20, Inject = inject }, console);

        Assert.Equal(1, rc); // a driver bug must not pass the boot
        Assert.Contains("oracle: FIRED", output.ToString());
    }

    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("0x1000", 4096UL)]
    [InlineData("256M", 256UL << 20)]
    [InlineData("1_G", 1UL << 30)]
    [InlineData("4k", 4096UL)]
    public void Sizes_parse_as_documented(string text, ulong expected)
    {
        Assert.True(SizeParser.TryParse(text, out ulong v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12Q")]
    [InlineData("-5")]
    [InlineData("99999999999999999999G")]
    public void Bad_sizes_are_rejected(string text) => Assert.False(SizeParser.TryParse(text, out _));

    [Fact]
    public void Bench_json_is_one_array_of_name_value_unit_target_objects()
    {
        var json = BenchCommand.ToJson([new BenchResult("tlb-hit", 1.5e8, "ops/s", 1e8, true, null)]);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var item = Assert.Single(doc.RootElement.EnumerateArray().ToArray());
        Assert.Equal("tlb-hit", item.GetProperty("name").GetString());
        Assert.Equal(1.5e8, item.GetProperty("value").GetDouble());
        Assert.Equal("ops/s", item.GetProperty("unit").GetString());
        Assert.Equal(1e8, item.GetProperty("target").GetDouble());
    }

    [Fact]
    public void Bench_names_are_the_fixed_contract()
    {
        var names = BenchCommand.All().Select(b => b.Name).ToArray();
        Assert.Equal(["tlb-hit", "page-walk", "interval-dispatch-100k", "munmap-1g-4subs", "e2e-invalidate-page", "munmap-1g-bound", "atc-hit-dma", "guest-mips", "guest-vs-qemu", "busybox-vs-qemu", "explore-schedules", "e2e-invalidate-inflight", "pct-find-depth2", "replay-cpu", "replay-sva", "strace-import", "board-batched-tcp", "board-sync-rtt", "rtl-cycles-per-inv", "rtl-fmax-ice40", "board-batched-rtl", "trace-overhead", "fuzz-trace", "fuzz-frames", "stub-soak", "translate-cost", "guest-startup"], names);
    }

    [Fact]
    public void Bench_rejects_unknown_names()
    {
        Assert.Equal(2, BenchCommand.Run(["no-such-bench"], json: true, quick: true, check: false));
    }
}

/// <summary>The replay benchmarks measure clean replays: their generated traces must replay with no failure.</summary>
public class ReplayBenchmarkTraceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Generated_bench_trace_replays_cleanly_and_exercises_its_paths(bool sva)
    {
        string text = ReplayBenchmark.Generate(sva, 2000);
        var parsed = Emulator.Core.Trace.TraceParser.Parse("bench.trace", text);
        Assert.True(parsed.Success, string.Join("\n", parsed.Errors));

        var result = Emulator.Core.Trace.Replay.TraceReplayer.Run("bench.trace", parsed);

        Assert.True(result.Passed, string.Join("\n", result.Failures));
        Assert.True(result.StatementsRun > 2000);
        if (sva)
        {
            Assert.True(result.Counters.AtcInv > 0 && result.Counters.Pri > 0); // invalidations and page requests happened
        }
        else
        {
            Assert.True(result.Counters.CpuFault > 0 && result.Counters.AtcInv == 0); // mprotect faults; no device
        }
    }
}

/// <summary><c>emulator boot</c>'s modes through its command line: the built-in guest (default), --demo, --guest.</summary>
public class BootModeTests
{
    private static int Boot(params string[] args)
    {
        var root = new System.CommandLine.RootCommand { BootCommand.Create() };
        return root.Parse(["boot", "--ram", "64M", .. args]).Invoke();
    }

    [Fact]
    public void Boot_runs_the_builtin_guest_and_exits_0_when_it_and_the_oracle_are_happy() =>
        Assert.Equal(0, Boot()); // the README's first command

    [Fact]
    public void Boot_with_an_injected_driver_bug_fails() =>
        Assert.NotEqual(0, Boot("--inject", "skip-atc-inv")); // the guest's checks or the oracle catch it

    [Fact]
    public void Boot_demo_still_runs_the_api_demonstration() => Assert.Equal(0, Boot("--demo"));

    [Fact]
    public void Boot_refuses_a_guest_together_with_the_demo() => Assert.Equal(2, Boot("--demo", "--guest", "x"));

    [Fact]
    public void Boot_reports_a_missing_guest_file_with_exit_3() => Assert.Equal(3, Boot("--guest", "/nonexistent/guest")); // environment

    [Fact]
    public void Boot_refuses_a_silly_vcpu_count() => Assert.Equal(2, Boot("--vcpus", "0"));
}

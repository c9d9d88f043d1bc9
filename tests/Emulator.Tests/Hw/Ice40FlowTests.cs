using System.Diagnostics;
using System.Text.Json;
using Emulator.Board.Sim;
using Xunit.Abstractions;

namespace Emulator.Tests.Hw;

/// <summary>The iCE40 HX8K build (<c>make -C hw ice40</c>): Yosys, nextpnr-ice40 and icepack produce a
/// bitstream and the report the bench row rtl-fmax-ice40 reads. Minutes of place and route, so it runs only
/// with EMULATOR_ICE40=1 (.ci/run sets it: once per CI run).</summary>
public class Ice40FlowTests(ITestOutputHelper output)
{
    private static string? Skip()
    {
        if (Environment.GetEnvironmentVariable("EMULATOR_ICE40") != "1")
        {
            return "set EMULATOR_ICE40=1 to run the iCE40 place and route (minutes; .ci/run does)";
        }
        foreach (string tool in (string[])["yosys", "nextpnr-ice40", "icepack", "jq", "make"])
        {
            if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool))))
            {
                return $"{tool} not found on PATH (apt install yosys nextpnr-ice40 fpga-icestorm jq)";
            }
        }
        return BoardSimBuild.FindHwDirectory() is null ? "hw/ not found above the test assembly" : null;
    }

    public sealed class Ice40FactAttribute : FactAttribute
    {
        public override string? Skip { get => Ice40FlowTests.Skip(); set { } }
    }

    [Ice40Fact]
    public void The_hx8k_build_fits_writes_a_bitstream_and_a_report_and_fails_exactly_when_timing_fails()
    {
        string hw = BoardSimBuild.FindHwDirectory()!;
        string outDir = Path.Combine(AppContext.BaseDirectory, "hw-ice40");
        var psi = new ProcessStartInfo("make", ["-C", hw, "ice40", "OUT=" + outDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var make = Process.Start(psi)!;
        Task<string> stderr = make.StandardError.ReadToEndAsync();
        string stdout = make.StandardOutput.ReadToEnd();
        make.WaitForExit();
        string report = Path.Combine(outDir, "ice40-report.json");
        Assert.True(File.Exists(report), $"no report (exit {make.ExitCode}):\n{stdout}\n{stderr.Result}");
        output.WriteLine(File.ReadAllText(report));

        using var doc = JsonDocument.Parse(File.ReadAllText(report));
        JsonElement r = doc.RootElement;
        int lut = r.GetProperty("lut").GetInt32(), total = r.GetProperty("lut_total").GetInt32();
        double fmax = r.GetProperty("fmax_mhz").GetDouble(), target = r.GetProperty("target_mhz").GetDouble();
        Assert.Equal(7680, total);                                  // an HX8K: 7680 logic cells
        Assert.InRange(lut, 1000, total);                           // placed: the design fits the part
        Assert.InRange(r.GetProperty("bram").GetInt32(), 1, 32);    // the ATC and the itag FIFO in block RAM
        Assert.True(r.GetProperty("atc_entries").GetInt32() >= 16);
        Assert.Equal(60, target);                                   // the FT232H's clock
        // The bitstream of an HX8K is 135,100 bytes whatever the design: icepack wrote a whole one.
        Assert.Equal(135100, new FileInfo(Path.Combine(outDir, "ice40", "board.bin")).Length);
        // make's verdict is the timing verdict: non-zero exactly when Fmax is below the target.
        Assert.Equal(fmax >= target, make.ExitCode == 0);
    }
}

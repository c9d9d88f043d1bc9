using System.Text;
using Emulator.Board.Config;
using Emulator.Core.Text;

namespace Emulator.Fuzz.Targets;

/// <summary>The hw-config.yaml loader: every input is a config or positioned, inert errors.</summary>
public sealed class YamlTarget : IFuzzTarget
{
    private static readonly InputLimits Limits = InputLimits.Default(InputKind.HwConfig);

    public YamlTarget()
    {
        var seeds = new List<byte[]>(FuzzCorpus.RepoFiles(".", "hw-config.yaml"));
        seeds.AddRange(FuzzCorpus.RepoFiles("tests/Emulator.Tests/Board/Data", "*.yaml"));
        seeds.Add(Encoding.UTF8.GetBytes(
            "backend: board\ntransport: tcp\nsocket:\n  tcp: 127.0.0.1:7700\n  unix: /tmp/b.sock\nbatch:\n  max-per-sync: 256\n  max-outstanding: 1024\n"
            + "timeouts:\n  sync: 2s\n  connect: 500ms\n  heartbeat: 1m\n  resend-attempts: 3\nlockstep: true\npcap: out.pcap\n"
            + "usb:\n  vid: 0x0403\n  pid: 0x6014\n  serial: \"A1\"\n  interface: 0\n  endpoint-out: 0x02\n  endpoint-in: 0x81\n  timeout: 100ms\n"
            + "  transfers-in-flight: 4\n  transfer-size: 16K\n"));
        seeds.Add(Encoding.UTF8.GetBytes("a: &x [1, 2]\nb: *x\nc: {d: e}\n--- \n"));
        Seeds = seeds;
    }

    public string Name => "yaml";

    public IReadOnlyList<byte[]> Seeds { get; }

    public IReadOnlyList<byte[]> Dictionary { get; } = TraceTarget.Tokens(
        "backend:", "transport:", "usb:", "socket:", "batch:", "timeouts:", "lockstep:", "pcap:", "board", "sim", "tcp", "unix", "- ",
        "&a ", "*a", "!!str ", "? ", "{", "}", "[", "]", "\"", "'", "|\n", ">\n", "---\n", "...\n", "%YAML 1.2\n", "  ", "\t", "# c", "~",
        "0x", "ms", "1m", "99999999999s", "true", "null");

    public bool IsText => true;

    public int MaxInputLength => 4096;

    public string Run(byte[] input)
    {
        HwConfigResult result = HwConfigLoader.Load(new MemoryStream(input), "fuzz.yaml", null, Limits);
        foreach (HwConfigError e in result.Errors)
        {
            FuzzChecks.Diagnostic(e.Line, e.Column, e.ToString());
        }
        return result.Errors.Count == 0 ? "ok:" + result.Config!.Backend : "E:" + FuzzChecks.Kind(result.Errors[0].Message);
    }
}

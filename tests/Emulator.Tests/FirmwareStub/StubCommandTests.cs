using System.Text;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;

namespace Emulator.Tests.FirmwareStub;

/// <summary>The <c>firmware-stub</c> program: options, the "listening on" line, and a clean stop.</summary>
public class StubCommandTests
{
    /// <summary>Captures stdout and signals the first complete line.</summary>
    private sealed class FirstLineWriter : StringWriter
    {
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> FirstLine => _line.Task;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            _line.TrySetResult(value ?? "");
        }
    }

    [Fact]
    public async Task Prints_the_bound_address_serves_it_and_stops_on_request()
    {
        var stdout = new FirstLineWriter();
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var args = new StubCommand.StubArgs { Listen = "127.0.0.1:0", BoardId = "0x1234", MaxBatch = 300 };
        Task<int> run = Task.Run(() => StubCommand.Run(args, stdout, stderr, stop.Token));

        string line = await stdout.FirstLine.WaitAsync(BoardTestClient.HangGuard);
        Assert.Matches(@"^listening on tcp 127\.0\.0\.1:\d+$", line);
        Assert.True(Emulator.Board.Transport.SocketConnector.TryParse("tcp:" + line["listening on tcp ".Length..], out var connector, out _));
        await using (var transport = await connector!.ConnectAsync(CancellationToken.None))
        await using (var client = new BoardTestClient(transport.Input, transport.Output))
        {
            CapsPayload caps = await client.HandshakeAsync();
            Assert.Equal((0x1234ul, 300u), (caps.BoardId, caps.MaxBatch));
        }
        await stop.CancelAsync();
        Assert.Equal(StubCommand.Stopped, await run.WaitAsync(BoardTestClient.HangGuard));
        Assert.Equal("", stderr.ToString());
    }

    [Theory]
    [InlineData("--listen", "nowhere", "--listen nowhere: expected HOST:PORT")]
    [InlineData("--board-id", "0xZZ", "--board-id 0xZZ")]
    [InlineData("--drop-type", "bogus", "--drop-type bogus")]
    [InlineData("--atc-ways", "3", "entries must be ways")]
    [InlineData("--max-outstanding", "0", "maxOutstanding must be 1..65536")]
    [InlineData("--drop-every", "-1", "DropEveryNth")]
    public void Bad_options_exit_2_with_a_message(string option, string value, string message)
    {
        var args = option switch
        {
            "--listen" => new StubCommand.StubArgs { Listen = value },
            "--board-id" => new StubCommand.StubArgs { BoardId = value },
            "--drop-type" => new StubCommand.StubArgs { DropType = value },
            "--atc-ways" => new StubCommand.StubArgs { AtcWays = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            "--max-outstanding" => new StubCommand.StubArgs { MaxOutstanding = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            _ => new StubCommand.StubArgs { DropEvery = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
        };
        var stderr = new StringWriter();
        Assert.Equal(StubCommand.Usage, StubCommand.Run(args, new StringWriter(), stderr, CancellationToken.None));
        Assert.Contains(message, stderr.ToString());
    }

    [Fact]
    public void Parses_the_command_line_into_a_board_with_its_faults()
    {
        var args = new StubCommand.StubArgs
        {
            Listen = "localhost:0", AtcEntries = 1024, AtcWays = 8, DropEvery = 4, DropType = "atc-inv", DelayMs = 5,
            CorruptCrcEvery = 7, DisconnectAfter = 100, NeverComplete = true,
        };
        Assert.True(StubCommand.TryBuild(args, out var tcp, out var board, out _));
        Assert.Equal("127.0.0.1:0", tcp!.ToString());
        Assert.Equal((1024, 8), (board.Options.Geometry.Entries, board.Options.Geometry.Ways));
        Assert.Equal(new SoftBoardFaults
        {
            DropEveryNth = 4, DropType = MessageType.AtcInv, ReplyDelay = TimeSpan.FromMilliseconds(5),
            CorruptCrcEveryNthSent = 7, DisconnectAfterFrames = 100, NeverComplete = true,
        }, board.Faults);
    }

    [Theory]
    [InlineData("atc-inv", MessageType.AtcInv)]
    [InlineData("ATC_FILL", MessageType.AtcFill)]
    [InlineData("Sync", MessageType.Sync)]
    [InlineData("0x05", MessageType.Reset)]
    [InlineData("6", MessageType.Heartbeat)]
    public void Message_types_are_named_as_in_the_protocol_or_by_number(string text, MessageType expected)
    {
        Assert.True(StubCommand.TryParseMessageType(text, out MessageType type));
        Assert.Equal(expected, type);
    }

    [Fact]
    public void The_command_line_is_parsed_by_System_CommandLine()
    {
        var stderr = new StringWriter();
        // Fails in our validation (after System.CommandLine accepted every option), so nothing is bound.
        int exit = StubCommand.Create(new StringWriter(), stderr).Parse(["--listen", "bad", "--drop-every", "2", "--never-complete", "--delay-ms", "1"]).Invoke();
        Assert.Equal(StubCommand.Usage, exit);
        Assert.Contains("--listen bad", stderr.ToString());
    }
}

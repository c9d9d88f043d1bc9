using Emulator.Board.Transport;
using Emulator.Core.Wire;
using Emulator.FirmwareStub;

namespace Emulator.Tests.Hardening;

/// <summary>Unix socket paths are checked where the user gives them: an empty one, one with a NUL,
/// or one longer than sockaddr_un holds is a message, not an exception from the socket layer.</summary>
public sealed class SocketPathTests
{
    private static readonly string TooLong = "/tmp/" + new string('s', 103) + ".sock";

    [Fact]
    public void Host_address_with_an_over_long_path_is_refused_with_the_limit()
    {
        Assert.False(SocketConnector.TryParse("unix:" + TooLong, out _, out string? error));
        // The length and the limit, not ArgumentOutOfRangeException from UnixDomainSocketEndPoint.
        Assert.Equal("the Unix socket path is 113 bytes long; at most 107 fit in sockaddr_un (use a shorter path, e.g. under /tmp)", error);
        Assert.False(SocketConnector.TryParse("unix:/tmp/a\0b", out _, out error));
        Assert.Equal(@"the Unix socket path '/tmp/a\0b' contains a NUL character", error);
        // The longest path that fits is accepted.
        Assert.True(SocketConnector.TryParse("unix:/" + new string('p', 106), out _, out _));
        Assert.Throws<ArgumentException>(() => SocketConnector.Unix(TooLong));
    }

    [Theory]
    [InlineData("", "firmware-stub: --unix: the Unix socket path is empty")]
    [InlineData("long", "firmware-stub: --unix: the Unix socket path is 113 bytes long; at most 107 fit in sockaddr_un (use a shorter path, e.g. under /tmp)")]
    public void Stub_with_a_bad_unix_path_exits_2_with_one_line(string path, string expected)
    {
        var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        int rc = StubCommand.Run(new StubCommand.StubArgs { Unix = path == "long" ? TooLong : path }, TextWriter.Null, stderr, stop.Token);
        // Usage error (2) and the reason; nothing was bound, no stack trace.
        Assert.Equal(2, rc);
        Assert.Equal(expected, stderr.ToString().TrimEnd());
        Assert.Throws<ArgumentException>(() => SoftBoardServer.Start(new SoftBoard(), null, TooLong));
        Assert.Equal(107, UnixSocketPath.MaxBytes);
    }
}

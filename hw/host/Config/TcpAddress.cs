namespace Emulator.Board.Config;

/// <summary>A TCP endpoint as written in hw-config.yaml: <c>HOST:PORT</c>, an IPv6 host in brackets
/// (<c>[::1]:7700</c>). The host is not resolved by the loader.</summary>
/// <param name="Host">A name or an address, without brackets.</param>
/// <param name="Port">1..65535.</param>
public sealed record TcpAddress(string Host, int Port)
{
    /// <summary><c>HOST:PORT</c>, or <c>[HOST]:PORT</c> when the host holds a colon.</summary>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

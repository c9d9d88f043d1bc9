using System.Text;
using Emulator.Core.Text;

namespace Emulator.Core.Wire;

/// <summary>What a Unix domain socket path may be: Linux's <c>struct sockaddr_un</c> holds 108 bytes of
/// <c>sun_path</c> with its NUL, and .NET's endpoint throws for anything else — checked here first, so
/// a user's path is a message, not a stack trace.</summary>
public static class UnixSocketPath
{
    /// <summary>Bytes of a path at most (unix(7): <c>sun_path[108]</c>, less the terminating NUL).</summary>
    public const int MaxBytes = 107;

    /// <summary>True when <paramref name="path"/> can name a socket; otherwise the reason (escaped).</summary>
    public static bool Check(string? path, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(path))
        {
            error = "the Unix socket path is empty";
        }
        else if (path.Contains('\0', StringComparison.Ordinal))
        {
            error = $"the Unix socket path '{SafeText.Escape(path)}' contains a NUL character";
        }
        else if (Encoding.UTF8.GetByteCount(path) is int bytes && bytes > MaxBytes)
        {
            error = $"the Unix socket path is {bytes} bytes long; at most {MaxBytes} fit in sockaddr_un (use a shorter path, e.g. under /tmp)";
        }
        return error is null;
    }
}

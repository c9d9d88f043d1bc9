namespace Emulator.Cli.Shell;

/// <summary>
/// Host I/O failures in words a user expects ("no such file", "is a directory"), never .NET's own
/// ("Access to the path '/tmp' is denied." for a directory, an exception type name), and which exit
/// code each deserves.
/// </summary>
internal static class HostErrors
{
    /// <summary>True for the exceptions host file I/O raises (and nothing else: bugs must not be hidden).</summary>
    public static bool IsIo(Exception e) =>
        e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException;

    /// <summary>"no such file", "no such directory", "is a directory", "permission denied", or the OS's message.</summary>
    /// <param name="e">What opening or reading <paramref name="path"/> threw.</param>
    /// <param name="path">The path, to tell a directory from a denied file.</param>
    public static string Describe(Exception e, string? path = null)
    {
        if (path is not null && Directory.Exists(path))
        {
            return "is a directory";
        }
        return e switch
        {
            FileNotFoundException => "no such file",
            DirectoryNotFoundException => "no such file or directory",
            UnauthorizedAccessException => "permission denied",
            PathTooLongException => "path too long",
            ArgumentException => "not a valid path",
            _ => StripPath(e.Message, path),
        };
    }

    /// <summary><see cref="ExitCodes.Usage"/> when the path names something that is not a file (a
    /// directory, an invalid path: the user asked wrongly), else <see cref="ExitCodes.Environment"/>.</summary>
    public static int ExitCode(Exception e, string? path = null) =>
        (path is not null && Directory.Exists(path)) || e is ArgumentException ? ExitCodes.Usage : ExitCodes.Environment;

    /// <summary>.NET's IOException messages often repeat the path in quotes; the caller prints it once already.</summary>
    private static string StripPath(string message, string? path)
    {
        if (path is not null)
        {
            message = message.Replace($" '{path}'", "", StringComparison.Ordinal).Replace($"'{path}'", "", StringComparison.Ordinal);
        }
        return message.TrimEnd('.', ' ');
    }
}

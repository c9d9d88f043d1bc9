using Emulator.Core.Kernel.Fs;

namespace Emulator.Core.Text;

/// <summary>Opens a user's input file for a bounded reader: devices, directories and sockets are
/// refused with a clear message (no device is a trace or a config; /dev/zero would only fill a
/// line), and a regular file larger than its limit is refused before a byte of it is read.</summary>
/// <remarks>FIFOs and pipes are accepted (a shell's <c>&lt;(...)</c>): the reader's limits bound
/// them as they are read.</remarks>
public static class InputFile
{
    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    /// <param name="path">The file.</param>
    /// <param name="limits">Its kind's limits.</param>
    /// <param name="error">Why the file is refused (a sentence, the path not included; escaped).</param>
    /// <returns>The stream (the caller disposes it), or null with <paramref name="error"/>.</returns>
    /// <exception cref="IOException">Host I/O failed (includes <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static Stream? TryOpen(string path, InputLimits limits, out string? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        error = null;
        // Checked before opening: opening a FIFO waits for a writer, a device may have side effects.
        if (HostLibc.Available && HostLibc.Stat(path, follow: true, out FileStat before) == Errno.Ok
            && Refuse(before, limits, out error))
        {
            return null;
        }
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        try
        {
            // Checked again on the open file: the path may have been replaced in between.
            if (HostLibc.Available && HostLibc.Fstat((int)stream.SafeFileHandle.DangerousGetHandle(), out FileStat st) == Errno.Ok
                && Refuse(st, limits, out error))
            {
                stream.Dispose();
                return null;
            }
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static bool Refuse(in FileStat st, InputLimits limits, out string? error)
    {
        error = st.Type switch
        {
            FsAbi.SIfchr => $"is a character device, not {limits.KindWithArticle} file",
            FsAbi.SIfblk => $"is a block device, not {limits.KindWithArticle} file",
            FsAbi.SIfdir => "is a directory",
            FsAbi.SIfsock => $"is a socket, not {limits.KindWithArticle} file",
            FsAbi.SIfreg when st.Size > limits.MaxBytes => limits.TooLargeMessage(st.Size),
            _ => null,
        };
        return error is not null;
    }
}

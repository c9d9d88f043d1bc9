namespace Emulator.Core.Kernel.Fs;

public sealed partial class GuestFileSystem
{
    /// <summary>
    /// Reads an executable for execve: the path is resolved as execve resolves it (following symlinks,
    /// /proc/self/exe included), the file must be a regular file the caller may execute, and at most
    /// <paramref name="maxBytes"/> long; its bytes are read whole. Whether they are an ELF the kernel
    /// can load (ENOEXEC) is the kernel's question.
    /// </summary>
    /// <param name="ctx">The calling thread (credentials, working directory).</param>
    /// <param name="path">The path execve was given (a byte string).</param>
    /// <param name="maxBytes">The largest executable the kernel accepts.</param>
    /// <param name="bytes">The file's contents.</param>
    /// <param name="guestPath">The canonical guest path (for /proc/self/exe and AT_EXECFN's neighbours).</param>
    /// <returns>Ok; ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG (resolution); EACCES (not a regular file, or no
    /// execute permission: any x bit for root); ENOMEM (larger than <paramref name="maxBytes"/>, including
    /// a file that grows past it while read); EIO and the host's read errors.</returns>
    /// <remarks>The file is read through an ordinary open, so an execute-only host file (mode --x) that
    /// Linux would run is EACCES here.</remarks>
    public Errno ReadExecutable(IFileSyscallContext ctx, string path, long maxBytes, out byte[]? bytes, out string? guestPath)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(path);
        bytes = null;
        guestPath = null;
        maxBytes = Math.Clamp(maxBytes, 0, Array.MaxLength - 1);
        FileDescription? file;
        long size;
        using (_ns.EnterScope())
        {
            var err = ResolveExisting(ctx, FsAbi.AtFdcwd, path, follow: true, out var r);
            if (err != Errno.Ok)
            {
                return err;
            }
            var node = r.Node!;
            if (!node.IsRegular)
            {
                return Errno.EACCES;
            }
            err = node.Permission(ctx, FsAbi.XOk);
            if (err != Errno.Ok)
            {
                return err;
            }
            err = node.GetStat(ctx, out var st);
            if (err != Errno.Ok)
            {
                return err;
            }
            if (st.Size > maxBytes || (st.Mode & 0x49) == 0)
            {
                return st.Size > maxBytes ? Errno.ENOMEM : Errno.EACCES;
            }
            size = st.Size;
            err = node.Open(ctx, FsAbi.ORdOnly, r.Path, 0, out file);
            if (err != Errno.Ok)
            {
                return err;
            }
            guestPath = r.Path;
        }
        try
        {
            // One byte more than the size, so a file that grew since the stat is noticed.
            var buffer = new byte[Math.Min(size + 1, maxBytes + 1)];
            int done = 0;
            while (done < buffer.Length)
            {
                var err = file!.ReadAt(done, buffer.AsSpan(done), out int n);
                if (err != Errno.Ok)
                {
                    guestPath = null;
                    return err;
                }
                if (n == 0)
                {
                    break;
                }
                done += n;
            }
            if (done > maxBytes)
            {
                guestPath = null;
                return Errno.ENOMEM;
            }
            bytes = done == buffer.Length ? buffer : buffer.AsSpan(0, done).ToArray();
            return Errno.Ok;
        }
        finally
        {
            file!.Release();
        }
    }
}

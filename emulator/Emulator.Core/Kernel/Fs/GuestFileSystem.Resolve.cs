namespace Emulator.Core.Kernel.Fs;

public sealed partial class GuestFileSystem
{
    /// <summary>Resolves a path: walks it component by component from the guest's root (absolute paths),
    /// or from the directory of <paramref name="dirfd"/> (AT_FDCWD: the working directory).</summary>
    /// <param name="ctx">The caller (credentials, descriptor table, working directory).</param>
    /// <param name="dirfd">The *at directory descriptor; ignored for absolute paths.</param>
    /// <param name="path">The path as a byte string; empty is ENOENT (AT_EMPTY_PATH is the caller's:
    /// it names the descriptor, not a path).</param>
    /// <param name="follow">Follow a symlink in the last component (it is always followed when the path
    /// ends with a slash).</param>
    /// <param name="r">Where the walk ended: the last component's parent, name and node (null if absent).</param>
    /// <returns>Ok (also when only the last component is absent), ENOENT, ENOTDIR, ELOOP, EACCES,
    /// ENAMETOOLONG, EBADF (bad dirfd).</returns>
    /// <remarks>Caller holds <see cref="_ns"/>.</remarks>
    internal Errno Resolve(IFileSyscallContext ctx, int dirfd, string path, bool follow, out Resolution r)
    {
        r = default;
        if (path.Length == 0)
        {
            return Errno.ENOENT;
        }
        var stack = new List<(FsNode Node, string Name)>(8);
        if (path[0] == '/')
        {
            stack.Add((_root, ""));
        }
        else
        {
            var err = StartStack(ctx, dirfd, stack);
            if (err != Errno.Ok)
            {
                return err;
            }
        }
        return Walk(ctx, stack, path, follow, out r);
    }

    /// <summary>The walk from the root to the relative lookup's starting directory (re-walking its
    /// canonical path, so <c>..</c> from it works and a vanished directory is ENOENT).</summary>
    private Errno StartStack(IFileSyscallContext ctx, int dirfd, List<(FsNode Node, string Name)> stack)
    {
        string start;
        if (dirfd == FsAbi.AtFdcwd)
        {
            start = ctx.Fs.Cwd;
        }
        else
        {
            var file = ctx.Files.Acquire(dirfd);
            if (file is null)
            {
                return Errno.EBADF;
            }
            try
            {
                if (file.Node is not { IsDirectory: true })
                {
                    return Errno.ENOTDIR;
                }
                start = file.Path;
            }
            finally
            {
                file.Release();
            }
        }
        stack.Add((_root, ""));
        var err = Walk(ctx, stack, start, follow: true, out var r);
        if (err != Errno.Ok)
        {
            return err;
        }
        if (r.Node is null)
        {
            return Errno.ENOENT;
        }
        if (!r.Node.IsDirectory)
        {
            return Errno.ENOTDIR;
        }
        if (r.Kind == LastKind.Normal)
        {
            stack.Add((r.Node, r.Name));
        }
        return Errno.Ok;
    }

    /// <summary>The walk proper. <paramref name="stack"/> holds the directories entered so far (the
    /// root first) and is left holding the last component's ancestors.</summary>
    private Errno Walk(IFileSyscallContext ctx, List<(FsNode Node, string Name)> stack, string path, bool follow, out Resolution r)
    {
        r = default;
        // Pending components, last one first (so the next is at the end and a symlink's target is pushed on top).
        var pending = new List<string>(16);
        bool trailing = PushComponents(pending, path);
        var kind = LastKind.Root;
        int links = 0;
        while (pending.Count > 0)
        {
            string name = pending[^1];
            pending.RemoveAt(pending.Count - 1);
            bool last = pending.Count == 0;
            if (name == ".")
            {
                kind = LastKind.Dot;
                continue;
            }
            if (name == "..")
            {
                kind = LastKind.DotDot;
                if (stack.Count > 1)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
                continue;
            }
            var cur = stack[^1].Node;
            if (!cur.IsDirectory)
            {
                return Errno.ENOTDIR;
            }
            if (name.Length > FsAbi.NameMax)
            {
                return Errno.ENAMETOOLONG;
            }
            var err = cur.Lookup(ctx, name, out var child);
            if (err == Errno.ENOENT && last)
            {
                r = new Resolution(cur, name, null, PathOf(stack, name), LastKind.Normal, trailing);
                return Errno.Ok;
            }
            if (err != Errno.Ok)
            {
                return err;
            }
            if (child!.IsSymlink && (!last || follow || trailing))
            {
                if (++links > FsAbi.SymlinkMax)
                {
                    return Errno.ELOOP;
                }
                if (last && child.MagicTarget(ctx) is { IsDirectory: false } magic)
                {
                    r = new Resolution(cur, name, magic, PathOf(stack, name), LastKind.Normal, trailing);
                    return Errno.Ok;
                }
                err = child.ReadLink(ctx, out string target);
                if (err != Errno.Ok)
                {
                    return err;
                }
                if (target.Length == 0)
                {
                    return Errno.ENOENT;
                }
                if (target[0] == '/')
                {
                    // An absolute target starts again at the guest's root, never the host's.
                    stack.RemoveRange(1, stack.Count - 1);
                }
                trailing |= PushComponents(pending, target) && last;
                continue;
            }
            if (!last)
            {
                if (!child.IsDirectory)
                {
                    return Errno.ENOTDIR;
                }
                stack.Add((child, name));
                continue;
            }
            if (trailing && !child.IsDirectory)
            {
                return Errno.ENOTDIR;
            }
            r = new Resolution(cur, name, child, PathOf(stack, name), LastKind.Normal, trailing);
            return Errno.Ok;
        }
        // The path ended at a directory already entered: "/", ".", "..", or a symlink to one of those.
        var self = stack[^1];
        var parent = stack.Count > 1 ? stack[^2].Node : self.Node;
        r = new Resolution(parent, "", self.Node, PathOf(stack, null), kind, trailing);
        return Errno.Ok;
    }

    /// <summary>Pushes the components of <paramref name="path"/> (empty ones dropped) so the first is on top.</summary>
    /// <returns>Whether the path ends with a slash after a name (the last name must be a directory).</returns>
    private static bool PushComponents(List<string> pending, string path)
    {
        int end = path.Length;
        bool trailing = end > 1 && path[end - 1] == '/';
        while (end > 0)
        {
            int slash = path.LastIndexOf('/', end - 1);
            if (end - slash - 1 > 0)
            {
                pending.Add(path.Substring(slash + 1, end - slash - 1));
            }
            end = slash < 0 ? 0 : slash;
        }
        return trailing;
    }

    private static string PathOf(List<(FsNode Node, string Name)> stack, string? name)
    {
        if (stack.Count == 1 && name is null)
        {
            return "/";
        }
        var sb = new System.Text.StringBuilder();
        for (int i = 1; i < stack.Count; i++)
        {
            sb.Append('/').Append(stack[i].Name);
        }
        if (name is not null)
        {
            sb.Append('/').Append(name);
        }
        return sb.ToString();
    }
}

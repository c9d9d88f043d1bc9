namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// Linux's permission rules for files the emulator owns (in-memory, synthetic): generic_permission for
/// access, inode_owner_or_capable for chmod and utimes, chown_ok/chgrp_ok for chown, and the sticky
/// directory rule. Host files are checked by the host itself.
/// </summary>
/// <remarks>fs/namei.c generic_permission, acl_permission_check; fs/attr.c chown_ok, chgrp_ok;
/// include/linux/fs.h check_sticky. uid 0 stands for CAP_DAC_OVERRIDE, CAP_FOWNER and CAP_CHOWN;
/// supplementary groups are not modelled (only the effective gid).</remarks>
internal static class PermissionRules
{
    /// <summary>Access check of <paramref name="mask"/> (R 4, W 2, X 1) against mode, owner and group.</summary>
    public static Errno Check(IFileSyscallContext ctx, in FileStat st, int mask)
    {
        mask &= 7;
        if (ctx.Uid == 0)
        {
            // CAP_DAC_OVERRIDE: everything, except executing a file no one may execute.
            bool needsExec = (mask & FsAbi.XOk) != 0 && !st.IsDirectory;
            return needsExec && (st.Mode & 0x49) == 0 ? Errno.EACCES : Errno.Ok;
        }
        uint bits = st.Uid == ctx.Uid ? st.Mode >> 6 : st.Gid == ctx.Gid ? st.Mode >> 3 : st.Mode;
        return ((int)bits & mask) == mask ? Errno.Ok : Errno.EACCES;
    }

    /// <summary>inode_owner_or_capable: chmod, explicit utimes, chown's ownership precondition.</summary>
    public static bool IsOwner(IFileSyscallContext ctx, uint fileUid) => ctx.Uid == 0 || ctx.Uid == fileUid;

    /// <summary>chown_ok and chgrp_ok together: an id given as -1 is not changed and needs nothing;
    /// otherwise an unprivileged caller must own the file, may "change" the uid only to the same one and
    /// the gid only to the file's or its own group.</summary>
    public static Errno CheckChown(IFileSyscallContext ctx, in FileStat st, uint uid, uint gid)
    {
        if (ctx.Uid == 0)
        {
            return Errno.Ok;
        }
        bool owner = ctx.Uid == st.Uid;
        bool uidOk = uid == uint.MaxValue || (owner && uid == st.Uid);
        bool gidOk = gid == uint.MaxValue || (owner && (gid == st.Gid || gid == ctx.Gid));
        return uidOk && gidOk ? Errno.Ok : Errno.EPERM;
    }

    /// <summary>check_sticky: in a sticky directory only the file's or the directory's owner may remove
    /// or rename an entry.</summary>
    public static bool StickyForbids(IFileSyscallContext ctx, in FileStat dir, in FileStat file) =>
        (dir.Mode & FsAbi.SIsvtx) != 0 && ctx.Uid != 0 && ctx.Uid != file.Uid && ctx.Uid != dir.Uid;

    /// <summary>The mode chmod stores: an unprivileged caller outside the file's group loses S_ISGID
    /// (fs/attr.c setattr_copy's in_group_or_capable).</summary>
    public static uint ChmodMode(IFileSyscallContext ctx, in FileStat st, uint mode)
    {
        mode &= 0xfff;
        if (ctx.Uid != 0 && st.Gid != ctx.Gid)
        {
            mode &= ~FsAbi.SIsgid;
        }
        return mode;
    }
}

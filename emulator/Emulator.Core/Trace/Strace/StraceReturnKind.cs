namespace Emulator.Core.Trace.Strace;

/// <summary>How a call returned, as strace printed it after <c>=</c>.</summary>
public enum StraceReturnKind : byte
{
    /// <summary>A number (<c>= 0</c>, <c>= 0x7f01e24e9000</c>, <c>= 5916</c>).</summary>
    Value = 0,
    /// <summary><c>= -1 ENAME (text)</c> with ENAME one of the <see cref="Errno"/> names.</summary>
    Error = 1,
    /// <summary><c>= -1 ENAME (text)</c> with an errno this emulator has no name for.</summary>
    OtherError = 2,
    /// <summary><c>= ?</c> (exit_group, a call cut by the task's death) or <c>= ? ERESTART...</c>.</summary>
    Unknown = 3,
}

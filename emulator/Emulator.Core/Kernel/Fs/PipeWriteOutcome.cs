namespace Emulator.Core.Kernel.Fs;

/// <summary>How one execution of a pipe write ended.</summary>
internal enum PipeWriteOutcome : byte
{
    /// <summary>Every byte is in the pipe.</summary>
    Complete,

    /// <summary>No free buffer is left: wait (or EAGAIN) for the rest.</summary>
    Full,

    /// <summary>No reader: SIGPIPE, and -EPIPE unless some bytes were written.</summary>
    Broken,

    /// <summary>The user buffer faulted: the bytes before it count, -EFAULT if none.</summary>
    Fault,
}

namespace Emulator.Core.Kernel.Fs;

/// <summary>The terminal structures the console ioctls pass: the kernel's <c>struct termios</c> (TCGETS,
/// TCSETS: c_iflag 0, c_oflag 4, c_cflag 8, c_lflag 12, c_line 16, c_cc[19] 17; 36 bytes — not glibc's
/// larger user-space termios) and <c>struct winsize</c> (TIOCGWINSZ: ws_row, ws_col, ws_xpixel,
/// ws_ypixel as u16; 8 bytes).</summary>
/// <remarks>include/uapi/asm-generic/termbits.h (NCCS 19), include/uapi/asm-generic/termios.h.</remarks>
public static class TerminalLayout
{
    public const int TermiosSize = 36;
    public const int OffsetIflag = 0, OffsetOflag = 4, OffsetCflag = 8, OffsetLflag = 12, OffsetLine = 16, OffsetCc = 17;
    public const int Nccs = 19;
    public const int WinsizeSize = 8;
}

namespace Emulator.Core.Wire;

/// <summary>Permission bits of an ATC entry in ATC_DUMP_REPLY (PCIe ATS Translation Completion R/W/Exe/Priv).</summary>
[Flags]
public enum WirePermissions : byte
{
    None = 0,
    Read = 0x01,
    Write = 0x02,
    Execute = 0x04,
    Privileged = 0x08,
}

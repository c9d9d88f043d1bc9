namespace Emulator.Core.Pcie;

/// <summary>The access rights of an ATS translation, and the rights an access needs.</summary>
/// <remarks>
/// <para>PCIe Base §10.2.3 Translation Completion data entry: R, W, Exe and Priv. In a completion, R/W/Exe
/// grant reads, writes and instruction fetches; Priv says which mode they apply to — set, the
/// translation serves Privileged Mode accesses only, clear, Non-Privileged accesses only (the request's
/// PASID prefix carried Privileged Mode Requested). <see cref="Atc.Lookup"/> therefore treats
/// <see cref="Privileged"/> as a mode that must match, not as one more right.</para>
/// <para>In a translation request (and in the <c>needed</c> argument of <see cref="Atc.Lookup"/>),
/// <see cref="Write"/> is the inverse of the request's No Write bit, <see cref="Execute"/> and
/// <see cref="Privileged"/> are the PASID prefix's Execute Requested and Privileged Mode Requested.</para>
/// </remarks>
[Flags]
public enum AtsPermissions : byte
{
    None = 0,

    /// <summary>R: reads allowed.</summary>
    Read = 1,

    /// <summary>W: writes allowed.</summary>
    Write = 2,

    /// <summary>Exe: instruction fetches allowed.</summary>
    Execute = 4,

    /// <summary>Priv: the rights apply to Privileged Mode accesses.</summary>
    Privileged = 8,
}

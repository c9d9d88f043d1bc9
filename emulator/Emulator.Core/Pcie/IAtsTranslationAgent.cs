namespace Emulator.Core.Pcie;

/// <summary>
/// The translation agent upstream of an endpoint (the SMMU): it answers ATS Translation Requests and
/// Page Request groups. Defined here, implemented by the SMMU, so references stay one-way.
/// </summary>
public interface IAtsTranslationAgent
{
    /// <summary>ATS Translation Request for the page containing <paramref name="va"/>.</summary>
    /// <param name="sid">StreamID of the requesting function.</param>
    /// <param name="pasid">The PASID, or <see cref="AtcEntry.NoPasid"/>.</param>
    /// <param name="va">Untranslated address.</param>
    /// <param name="requested">Access the device needs (the request's No-Write bit clear asks for W).</param>
    AtsCompletion Translate(uint sid, uint pasid, ulong va, AtsPermissions requested);

    /// <summary>
    /// One untranslated access (a function that does not use ATS): the agent translates it itself and
    /// answers with the physical address, or terminates it and records the fault as its configuration asks.
    /// </summary>
    /// <param name="sid">StreamID of the requesting function.</param>
    /// <param name="pasid">The PASID, or <see cref="AtcEntry.NoPasid"/>.</param>
    /// <param name="va">Untranslated address of the access.</param>
    /// <param name="access">The access: <see cref="AtsPermissions.Read"/> or <see cref="AtsPermissions.Write"/>
    /// (with <see cref="AtsPermissions.Execute"/> / <see cref="AtsPermissions.Privileged"/> for an instruction
    /// fetch or a privileged access).</param>
    /// <remarks>The answer is for this access only: the function may not cache it.</remarks>
    UntranslatedResult TranslateUntranslated(uint sid, uint pasid, ulong va, AtsPermissions access);

    /// <summary>
    /// A Page Request group (PRI): the last request of group <paramref name="groupIndex"/> asks for
    /// the page containing <paramref name="va"/> with <paramref name="requested"/> access. Returns
    /// the PRG Response once the host has serviced the group.
    /// </summary>
    PriResult RequestPage(uint sid, uint pasid, ulong va, AtsPermissions requested, ushort groupIndex);
}

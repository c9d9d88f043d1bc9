using Iced.Intel;

namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// A region compiled to a .NET method: the unit the dispatcher runs. Kept by the
/// <see cref="CodePage"/> it was decoded from (so it dies with the page) and shared by every vCPU
/// using that code cache; the compiled method takes the vCPU as its argument.
/// </summary>
/// <remarks>
/// <para><b>The translated-region contract.</b> <see cref="Run"/> is entered with RIP =
/// <see cref="Entry"/>, <c>_retired &lt; _limit</c>, and the status flags in the CPU's lazy record
/// (or exact in RFLAGS). It reads the general-purpose registers it uses from the register file
/// into locals, and on every exit writes back the ones it may have changed, sets RIP and
/// <c>_retired</c>, and leaves the flags in the lazy record. Each block checks at its head that its
/// whole length fits the budget and that the TLB has not changed since entry (else it exits
/// before the block); the count is therefore exact and a budget always ends on the same
/// instruction as in the interpreter. Exits:</para>
/// <list type="bullet">
/// <item><see cref="Cpu.ExitContinue"/>: RIP is a block head (a branch target or a return
/// address) — the dispatcher looks the next region up;</item>
/// <item><see cref="Cpu.ExitInterpret"/>: the interpreter must execute the instruction at RIP
/// (one the region does not execute, an access crossing a page, a micro-TLB fill that failed or
/// faulted, a store into a page holding code): the state is exactly as before that instruction,
/// so a fault is raised by the interpreter, precisely, with the interpreter's exit;</item>
/// <item><see cref="Cpu.ExitBudget"/>: the next block does not fit the budget; the interpreter
/// finishes it one instruction at a time.</item>
/// </list>
/// <para>Between exits the region touches guest memory only through the micro-TLB (or the
/// interpreter's slow path), registers only in its locals, and calls interpreter handlers (for
/// <see cref="OpClass.Fallback"/> instructions) only with the register file and flags written back.</para>
/// </remarks>
internal sealed class TranslatedRegion
{
    /// <summary>The compiled region: returns one of the exit codes.</summary>
    public delegate int Code(Cpu cpu);

    public TranslatedRegion(ulong entry, Instruction[] fallbacks, int guestInstructions, int links = 0)
    {
        Entry = entry;
        Fallbacks = fallbacks;
        GuestInstructions = guestInstructions;
        Links = links == 0 ? [] : new ChainLink?[links];
        Entries = [this];
    }

    /// <summary>Another entry into <paramref name="primary"/>'s compiled code: at the start of its
    /// block <paramref name="block"/> (at <paramref name="entry"/>), sharing its handler
    /// instructions and links.</summary>
    private TranslatedRegion(TranslatedRegion primary, int block, ulong entry)
    {
        Entry = entry;
        EntryBlock = block;
        Fallbacks = primary.Fallbacks;
        Links = primary.Links;
        Entries = primary.Entries;
    }

    /// <summary>Makes the region enterable at the start of each of its blocks (<see cref="Entries"/>),
    /// all through the one compiled method <paramref name="method"/>.</summary>
    /// <param name="blockIps">The address of each block (block 0 is this region's own entry).</param>
    /// <param name="method">The compiled code, taking the region object as its first argument.</param>
    public void BindEntries(ulong[] blockIps, System.Reflection.Emit.DynamicMethod method)
    {
        var entries = new TranslatedRegion[blockIps.Length];
        entries[0] = this;
        Entries = entries;
        for (int b = 1; b < blockIps.Length; b++)
        {
            entries[b] = new TranslatedRegion(this, b, blockIps[b]);
        }
        foreach (TranslatedRegion e in entries)
        {
            e.Run = (Code)method.CreateDelegate(typeof(Code), e);
        }
    }

    /// <summary>Stands in a page's region slot while the region compiles in the background (the
    /// interpreter runs the code meanwhile).</summary>
    public static readonly TranslatedRegion Pending = new(0, [], 0);

    /// <summary>Stands in the slot of a block head inside a region compiling in the background: the
    /// head is not translated on its own meanwhile, since that region's entries will cover it
    /// (<see cref="CodePage.InstallEntries"/>).</summary>
    public static readonly TranslatedRegion Covered = new(0, [], 0);

    /// <summary>The region's entry address.</summary>
    public ulong Entry { get; }

    /// <summary>The block this object enters the compiled code at (0: the region's own entry; the
    /// prologue switches on it).</summary>
    public readonly int EntryBlock;

    /// <summary>Every entry of the compiled code, by block: a block head that becomes hot inside a
    /// compiled region runs that region's code from there instead of being translated again (the
    /// dispatcher installs them all in the page's region slots).</summary>
    public TranslatedRegion[] Entries { get; private set; }

    /// <summary>The instructions the region executes through interpreter handlers.</summary>
    public readonly Instruction[] Fallbacks;

    /// <summary>Per exit to a constant target (a direct call or branch out of the region, a
    /// fall-through past its end): the region that exit last continued in, for the vCPU that made
    /// the link (the translated code's "patched exit"; see <see cref="Cpu"/>'s chaining).</summary>
    public readonly ChainLink?[] Links;

    /// <summary>Guest instructions translated (for statistics; 0 for an entry other than the region's own).</summary>
    public int GuestInstructions { get; }

    /// <summary>The compiled code, a delegate closed over this object; null when the entry could
    /// not be translated at all (the interpreter runs it).</summary>
    public Code? Run;
}

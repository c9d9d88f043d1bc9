using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Emulator.Core.Cpu.Translate;
using Emulator.Core.Memory;
using Emulator.Core.Paging;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>Region exit: RIP is a block head; look the next region up.</summary>
    internal const int ExitContinue = 0;

    /// <summary>Region exit: the interpreter must execute the instruction at RIP (state is exactly as
    /// before it); the instruction after it is a block head.</summary>
    internal const int ExitInterpret = 1;

    /// <summary>Region exit: the next block does not fit the budget; the interpreter runs on.</summary>
    internal const int ExitBudget = 2;

    /// <summary>Most guest instructions in one region (the .NET JIT's cost grows with method size).</summary>
    private const int MaxRegionInstructions = 400;

    /// <summary>True when hot code is translated (<see cref="CpuMode.Translate"/> and a code cache).</summary>
    private readonly bool _translate;

    /// <summary>Regions compile on the <see cref="TranslationWorker"/> (<see cref="CpuOptions.BackgroundTranslation"/>).</summary>
    private readonly bool _background;

    /// <summary>Arrivals at a block head before its region is translated.</summary>
    private readonly int _threshold;

    /// <summary>Scratch for the decode stage: the bytes of the page being translated.</summary>
    private byte[]? _translatePage;

    /// <summary>Runs the translated region at <paramref name="rip"/> if there is one (translating it
    /// first when its head just became hot).</summary>
    /// <returns>The region's exit code, or −1 when the interpreter must execute the instruction.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int TryRunRegion(ulong rip)
    {
        if (_code.HasCompleted)
        {
            _code.InstallCompleted();
        }
        CodePage? page = _codePage;
        if (page is null || (rip & ~Page.Mask) != _codeVaPage || _tlb.Generation != _codeSeq || page.Dead)
        {
            return -1;
        }
        int slot = page.Slot[(int)(rip & Page.Mask)];
        if (slot == 0)
        {
            return -1;
        }
        int index = slot - 1;
        TranslatedRegion?[]? regions = page.Regions;
        if (regions is null)
        {
            page.Heat = new ushort[page.Instructions.Length];
            regions = page.Regions = new TranslatedRegion?[page.Instructions.Length];
        }
        TranslatedRegion? region = regions[index];
        if (region is null)
        {
            if (++page.Heat![index] < _threshold)
            {
                return -1;
            }
            if (_background)
            {
                page.Regions![index] = TranslatedRegion.Pending;
                long start = Stopwatch.GetTimestamp();
                GuestRegion decoded = Decode(page, rip);
                page.MarkCovered(decoded, covered: true);
                _code.Submit(new TranslationJob(_code, page, index, decoded, Stopwatch.GetTimestamp() - start));
                return -1;
            }
            region = Translate(page, rip);
            page.Regions![index] = region;
            page.InstallEntries(region);
        }
        if (region.Run is null)
        {
            return -1;
        }
        NoteEntered(rip, region, page);
        return region.Run(this);
    }

    /// <summary>The decode stage (on the vCPU's thread: it reads and extends the page's decoded instructions).</summary>
    private GuestRegion Decode(CodePage page, ulong rip)
    {
        byte[] bytes = _translatePage ??= new byte[Page.Size];
        _memory.Frame(page.Pfn).CopyTo(bytes);
        return RegionDecoder.Decode(page, bytes, (int)(rip & Page.Mask), MaxRegionInstructions);
    }

    /// <summary>Decodes, analyses and compiles the region entered at <paramref name="rip"/>, here and now.</summary>
    private TranslatedRegion Translate(CodePage page, ulong rip)
    {
        long start = Stopwatch.GetTimestamp();
        TranslatedRegion region = Compile(Decode(page, rip), this);
        _code.NoteTranslation(region.GuestInstructions, Stopwatch.GetTimestamp() - start);
        return region;
    }

    /// <summary>Analyses and compiles <paramref name="decoded"/>, and calls the result once on
    /// <paramref name="warm"/> with no budget, so the statistic includes the .NET JIT and the
    /// compiled code is ready (the first block's head exits at once, writing the registers back
    /// unchanged and leaving RIP at the entry).</summary>
    /// <remarks>Thread-safe for distinct <paramref name="warm"/> vCPUs: the background worker
    /// calls it with a vCPU of its own.</remarks>
    internal static TranslatedRegion Compile(GuestRegion decoded, Cpu warm)
    {
        if (decoded.Blocks.Length == 0)
        {
            return new TranslatedRegion(decoded.Entry, [], 0);
        }
        FlagLiveness.Analyse(decoded);
        TranslatedRegion region = RegionEmitter.Emit(decoded);
        long limit = warm._limit;
        warm._limit = warm._retired;
        region.Run!(warm);
        warm._limit = limit;
        return region;
    }

    /// <summary>A region's micro-TLB miss (its inline probe also misses for an access crossing a
    /// page): translates the page of <paramref name="va"/> (filling the micro-TLB entry) and returns
    /// the host byte of <paramref name="va"/>.</summary>
    /// <param name="va">The first byte of the access.</param>
    /// <param name="size">The access size in bytes.</param>
    /// <param name="write">A store: also refused when the frame holds decoded code, so the store
    /// goes through the interpreter and drops it.</param>
    /// <returns>A null reference when the region must exit and let the interpreter execute the
    /// instruction (the access crosses a page, faults, or stores into code); nothing was changed
    /// then. A null reference rather than an out status keeps the region's locals unexposed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ref byte JitTranslate(ulong va, int size, bool write)
    {
        if ((int)(va & Page.Mask) > Page.Size - size)
        {
            return ref Unsafe.NullRef<byte>();
        }
        uint seq = _tlb.Generation;
        ref MicroTlbEntry e = ref (write ? _writeTlb : _readTlb)[(int)(va >> Page.Shift) & (MicroTlbEntries - 1)];
        if (!TranslateSlow(va, write, seq, ref e, out ulong pa))
        {
            return ref Unsafe.NullRef<byte>();
        }
        ulong pfn = pa >> Page.Shift;
        if (write && (_codeBits[pfn >> 6] & (1UL << (int)pfn)) != 0)
        {
            return ref Unsafe.NullRef<byte>();
        }
        return ref HostByte(pa);
    }

    /// <summary>Executes a <see cref="OpClass.Fallback"/> instruction for a region. The register
    /// file is already written back; the retired count and the region's flag record arrive as
    /// arguments and are stored as the region's common exit stores them (the status bits of RFLAGS
    /// from <paramref name="flags"/>, stale by the lazy record's rules unless the kind is None, or
    /// CF for INC/DEC), so the region passes them in one call instead of flushing them inline.</summary>
    /// <returns>false when it faulted or exited: nothing changed, the region exits before it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool JitExecute(ref Instruction i, long retired, int kind, int size, ulong a, ulong b, ulong r, ulong flags)
    {
        _retired = retired;
        SetLazyFlags((FlagKind)kind, a, b, r, size);
        _state.Rflags = (RFlags)(((ulong)_state.Rflags & ~StatusFlags) | (flags & StatusFlags));
        _state.Rip = i.NextIP;
        return Execute(in i);
    }

    /// <summary>A condition code on status flags a region computed from its flag record.</summary>
    internal static bool JitConditionOf(int cc, ulong status) => ConditionOn((ConditionCode)cc, status);

    /// <summary>The members translated code uses, for the emitter (names checked by the compiler).</summary>
    internal static class Members
    {
        private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
        private const BindingFlags Static = BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public;

        public static readonly FieldInfo Regs = Field(nameof(_r));
        public static readonly FieldInfo Retired = Field(nameof(_retired));
        public static readonly FieldInfo Limit = Field(nameof(_limit));
        public static readonly FieldInfo Tlb = Field(nameof(_tlb));
        public static readonly FieldInfo CodeSeq = Field(nameof(_codeSeq));
        public static readonly FieldInfo CodePage = Field(nameof(_codePage));
        public static readonly FieldInfo PageDead = typeof(Emulator.Core.Cpu.CodePage).GetField(nameof(Emulator.Core.Cpu.CodePage.Dead))!;
        public static readonly FieldInfo ReadTlb = Field(nameof(_readTlb));
        public static readonly FieldInfo WriteTlb = Field(nameof(_writeTlb));
        public static readonly FieldInfo CodeBits = Field(nameof(_codeBits));
        public static readonly FieldInfo State = Field(nameof(_state));
        public static readonly FieldInfo LazyKind = Field(nameof(_lazyKind));
        public static readonly FieldInfo LazySize = Field(nameof(_lazySize));
        public static readonly FieldInfo LazyA = Field(nameof(_lazyA));
        public static readonly FieldInfo LazyB = Field(nameof(_lazyB));
        public static readonly FieldInfo LazyR = Field(nameof(_lazyR));

        /// <summary>The TLB's invalidation generation (<see cref="Paging.Tlb.Generation"/> reads it):
        /// the field is private to the TLB, so it is found by name once, here.</summary>
        public static readonly FieldInfo TlbGeneration = typeof(Tlb).GetField("_generation", Instance)
            ?? throw new MissingFieldException(nameof(Paging.Tlb), "_generation");

        public static readonly FieldInfo EntryTag = typeof(MicroTlbEntry).GetField(nameof(MicroTlbEntry.Tag))!;
        public static readonly FieldInfo EntryPaPage = typeof(MicroTlbEntry).GetField(nameof(MicroTlbEntry.PaPage))!;
        public static readonly FieldInfo EntryHost = typeof(MicroTlbEntry).GetField(nameof(MicroTlbEntry.Host))!;
        public static readonly FieldInfo EntryHostOffset = typeof(MicroTlbEntry).GetField(nameof(MicroTlbEntry.HostOffset))!;
        public static readonly FieldInfo EntrySeq = typeof(MicroTlbEntry).GetField(nameof(MicroTlbEntry.Seq))!;
        public static readonly int EntrySize = Unsafe.SizeOf<MicroTlbEntry>();
        public static readonly Type EntryType = typeof(MicroTlbEntry);

        public static readonly MethodInfo Translate = Method(nameof(JitTranslate));
        public static readonly MethodInfo Execute = Method(nameof(JitExecute));
        public static readonly MethodInfo ConditionOf = typeof(Cpu).GetMethod(nameof(JitConditionOf), Static)!;
        public static readonly MethodInfo LazyStatusOf = typeof(Cpu).GetMethod(nameof(LazyStatus), Static)!;

        public static readonly MethodInfo StateGetRip = typeof(CpuState).GetProperty(nameof(CpuState.Rip))!.GetMethod!;
        public static readonly MethodInfo StateSetRip = typeof(CpuState).GetProperty(nameof(CpuState.Rip))!.SetMethod!;
        public static readonly MethodInfo StateGetRflags = typeof(CpuState).GetProperty(nameof(CpuState.Rflags))!.GetMethod!;
        public static readonly MethodInfo StateSetRflags = typeof(CpuState).GetProperty(nameof(CpuState.Rflags))!.SetMethod!;
        public static readonly MethodInfo StateGetFsBase = typeof(CpuState).GetProperty(nameof(CpuState.FsBase))!.GetMethod!;
        public static readonly MethodInfo StateGetGsBase = typeof(CpuState).GetProperty(nameof(CpuState.GsBase))!.GetMethod!;

        private static FieldInfo Field(string name) => typeof(Cpu).GetField(name, Instance)
            ?? throw new MissingFieldException(nameof(Cpu), name);

        private static MethodInfo Method(string name) => typeof(Cpu).GetMethod(name, Instance)
            ?? throw new MissingMethodException(nameof(Cpu), name);
    }
}

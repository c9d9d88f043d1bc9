using System.Runtime.CompilerServices;
using Emulator.Core.Memory;
using Emulator.Core.Paging;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// One x86-64 vCPU running user-mode (CPL 3) 64-bit code: Iced decodes, this class executes the
/// integer instruction set gcc emits for <c>-O0</c>..<c>-O2 -static -nostdlib -fno-pic
/// -mgeneral-regs-only</c> (the list is <see cref="ImplementedMnemonics"/>), and every memory access
/// goes through the vCPU's <see cref="Paging.Mmu"/> (TLB and page walker, Accessed/Dirty bits).
/// </summary>
/// <remarks>
/// <para><b>Exits are values.</b> <see cref="Run"/> returns a <see cref="CpuExit"/> for a syscall, a
/// fault (#PF, #GP, #UD, #DE, #BP) or an exhausted budget; the emulator never throws for anything the
/// guest does.</para>
/// <para><b>Precise, restartable faults.</b> An instruction first translates every address it will
/// touch (both pages when an access crosses a page boundary) and only then writes registers, flags
/// or memory, so on a fault RIP is the faulting instruction and nothing else changed. The exception
/// is a rep string instruction, which commits RCX/RSI/RDI per iteration exactly as hardware does
/// (SDM Vol. 1 §7.3.9.2 and Vol. 2B REP): running again after the fault is resolved continues where it
/// stopped. The kernel resolves a #PF with <c>AddressSpace.HandleFault(exit.FaultAddress,
/// exit.IsWrite, exit.IsFetch)</c> and calls <see cref="Run"/> again.</para>
/// <para><b>Decoded-instruction cache.</b> Instructions are decoded once per physical code page and
/// kept in arrays of Iced <see cref="Instruction"/> structs (no allocation per instruction). An entry
/// is checked against the frame's generation (<see cref="FrameAllocator.Generation"/> changes on
/// every free), so a freed and reused frame never runs stale code; a store by this CPU to a page
/// holding decoded code drops the page (self-modifying code takes effect at the next instruction, as
/// on hardware); other writers call <see cref="InvalidateCode"/>. An instruction that crosses a page
/// boundary is decoded on every execution and never cached.</para>
/// <para><b>Translation fast path.</b> The CPU keeps a small direct-mapped micro-TLB of read and
/// write translations in front of <see cref="Paging.Mmu.TryTranslate"/>, tagged with the TLB's
/// invalidation generation (<see cref="Tlb.Generation"/>): any invalidation, a shootdown from another
/// thread included, invalidates it, so it gives exactly the guarantee of the TLB itself (a TLB
/// insert or eviction leaves it valid, as for a first-level TLB in front of a second). It is also cleared
/// at the start of a <see cref="Run"/> when CR3, CR4.PCIDE or the paging options changed since the
/// last one, so an address-space switch between runs takes effect. TLB hits served by the micro-TLB are not counted in <see cref="Tlb.Hits"/>.</para>
/// <para><b>Threads.</b> <see cref="Run"/>, <see cref="State"/> and <see cref="InvalidateCode"/> belong
/// to the vCPU's thread (or to whoever holds the stopped vCPU). TLB shootdowns may arrive from any
/// thread at any time (see <see cref="Paging.Mmu"/>).</para>
/// </remarks>
public sealed partial class Cpu
{
    private const AccessType UserRead = AccessType.User;
    private const AccessType UserWrite = AccessType.User | AccessType.Write;
    private const AccessType UserExecute = AccessType.User | AccessType.Execute;

    private readonly Mmu _mmu;
    private readonly Tlb _tlb;
    private readonly PhysicalMemory _memory;
    private readonly FrameAllocator? _frames;
    private readonly CpuOptions _options;
    private readonly CpuState _state = new();

    /// <summary>The state's register file (17 entries: slot 16 is a constant zero that stands for "no
    /// register" in address arithmetic).</summary>
    private readonly ulong[] _r;

    private long _retired;
    private long _limit;

    // The exit being reported, set by the instruction that stops the run.
    private CpuExitKind _exitKind;
    private ulong _exitAddress;
    private PageFaultErrorCode _exitErrorCode;
    private AccessType _exitAccess;

    /// <summary>Creates a vCPU translating through <paramref name="mmu"/>; load CR3 on the MMU and set
    /// <see cref="State"/> before running.</summary>
    public Cpu(Mmu mmu, CpuOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mmu);
        _mmu = mmu;
        _tlb = mmu.Tlb;
        _memory = mmu.Memory;
        _options = options ?? new CpuOptions();
        _frames = _options.Frames;
        _r = _state.Regs;
        _ramSize = _memory.RamSize;
        _code = _options.CodeCache ?? new CodeCache(_memory);
        _codeBits = _code.Bits;
        _translate = _options.Mode == CpuMode.Translate && _frames is not null;
        _threshold = Math.Max(1, _options.TranslationThreshold);
        _background = _options.BackgroundTranslation;
        _decoder = Decoder.Create(64, _reader, DecoderOptions.None);
    }

    /// <summary>The registers, RIP, RFLAGS and FS/GS bases.</summary>
    public CpuState State => _state;

    /// <summary>The vCPU's MMU (CR3, TLB).</summary>
    public Mmu Mmu => _mmu;

    /// <summary>Instructions retired since creation (each iteration of a rep string instruction counts
    /// as one). <c>rdtsc</c> returns this value.</summary>
    public long InstructionsRetired => _retired;

    /// <summary>
    /// Executes until an exit: at most <paramref name="maxInstructions"/> instructions, fewer when a
    /// syscall, a fault or an unimplemented instruction stops it.
    /// </summary>
    /// <param name="maxInstructions">The budget, at least 1.</param>
    /// <returns>The exit; <see cref="CpuExitKind.BudgetExhausted"/> when the budget ran out.</returns>
    public CpuExit Run(long maxInstructions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInstructions, 1);
        ResetTranslationCaches();
        _limit = _retired + maxInstructions;
        CpuExit exit = Interpret();
        if (_lazyKind != FlagKind.None)
        {
            MaterializeFlags();
        }
        return exit;
    }

    /// <summary>The dispatcher: translated regions where there are, else one instruction at a time,
    /// until the budget ends or an exit.</summary>
    /// <remarks>Compiled fully optimised at once: it is entered once a run and loops for the whole
    /// run, so tiered compilation would only ever give it on-stack-replacement code.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CpuExit Interpret()
    {
        // True when RIP is a block head: the start of the run, after a branch or a region exit. Only
        // there are regions looked up (and heat counted).
        bool head = _translate;
        bool headAfter = false;
        while (_retired < _limit)
        {
            ulong rip = _state.Rip;
            ref readonly DecodedOp op = ref Fetch(rip, out bool fetched);
            if (!fetched)
            {
                return new CpuExit(_exitKind, rip, _scratch, _scratch.Length != 0, _exitAddress, _exitErrorCode, _exitAccess);
            }
            if (head)
            {
                int code = TryRunRegion(rip);
                if (code >= 0)
                {
                    head = code == ExitContinue;
                    headAfter = code == ExitInterpret;
                    continue;
                }
            }
            _state.Rip = rip + op.Length;
            if (ExecuteOp(in op))
            {
                _retired++;
                if (_translate)
                {
                    head = headAfter || (op.Flags & OpFlags.Branch) != 0;
                    headAfter = false;
                }
                continue;
            }
            if (_exitKind is CpuExitKind.Syscall or CpuExitKind.Breakpoint)
            {
                _retired++;
            }
            else
            {
                _state.Rip = rip;
            }
            return new CpuExit(_exitKind, rip, InstructionOf(in op), true, _exitAddress, _exitErrorCode, _exitAccess);
        }
        return new CpuExit(CpuExitKind.BudgetExhausted, _state.Rip, default, false);
    }

    /// <summary>Ends the current instruction with <paramref name="kind"/> (no address).</summary>
    /// <returns>false, for the handler to return.</returns>
    private bool Exit(CpuExitKind kind, ulong address = 0)
    {
        _exitKind = kind;
        _exitAddress = address;
        _exitErrorCode = PageFaultErrorCode.None;
        _exitAccess = AccessType.User;
        return false;
    }

    /// <summary>Turns a failed translation into the exit the architecture raises.</summary>
    private bool TranslationFault(in WalkResult fault, ulong va, AccessType access)
    {
        _exitKind = fault.Status == WalkStatus.PageFault ? CpuExitKind.PageFault : CpuExitKind.GeneralProtection;
        _exitAddress = va;
        _exitErrorCode = fault.ErrorCode;
        _exitAccess = access;
        return false;
    }
}

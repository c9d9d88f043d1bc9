using System.Runtime.Intrinsics;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Mm;
using Emulator.Tests.Support;

namespace Emulator.Tests.Cpu.Translate;

/// <summary>
/// A process with one vCPU in a chosen <see cref="CpuMode"/>: code at
/// <see cref="RandomProgram.CodeVa"/> (read-write-execute, so code can be written), demand-paged
/// data, a stack; <see cref="Step"/> runs with a given budget and resolves page faults as the
/// kernel does, recording every exit. Two rigs built from the same arguments start in identical
/// states.
/// </summary>
internal sealed class ModeRig
{
    public const ulong StackTop = 0x7fff_0000_0000;

    public ModeRig(CpuMode mode, byte[] code, int threshold = 1, Action<CpuState>? init = null, bool background = false, bool preDecoded = true)
    {
        (Machine, Mm) = TestMachines.NewProcess();
        Mmu = MmKit.AttachCpu(Machine, Mm);
        Cpu = new Core.Cpu.Cpu(Mmu, new CpuOptions { Frames = Machine.Frames, Mode = mode, TranslationThreshold = threshold, BackgroundTranslation = background,
            CodeCache = preDecoded ? null : new CodeCache(Machine.Memory) { PreDecode = false } });
        ulong codePages = ((ulong)code.Length + Page.Mask) / Page.Size + 1;
        Assert.Equal(Errno.Ok, Mm.Mmap(RandomProgram.CodeVa, codePages * Page.Size, CpuRig.Rwx,
            MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));
        Assert.Equal(Errno.Ok, Mm.WriteUser(RandomProgram.CodeVa, code, out _));
        Assert.Equal(Errno.Ok, Mm.Mmap(RandomProgram.DataVa, RandomProgram.DataPages * Page.Size, Protection.ReadWrite,
            MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));
        Assert.Equal(Errno.Ok, Mm.Mmap(StackTop - 16 * Page.Size, 16 * Page.Size, Protection.ReadWrite,
            MapFlags.Private | MapFlags.Anonymous | MapFlags.Fixed, out _));
        CpuState s = Cpu.State;
        s.Rip = RandomProgram.CodeVa;
        s.Rsp = StackTop - 64;
        s.FsBase = RandomProgram.DataVa;
        init?.Invoke(s);
    }

    public Machine Machine { get; }
    public AddressSpace Mm { get; }
    public Mmu Mmu { get; }
    public Core.Cpu.Cpu Cpu { get; }

    /// <summary>Every exit so far: kind, RIP, fault address, instructions retired after it.</summary>
    public List<string> Exits { get; } = [];

    /// <summary>Runs with <paramref name="budget"/>; a resolvable #PF is resolved (and reported as
    /// not final).</summary>
    /// <returns>The exit, and whether the run is over (an exit other than a budget or a resolved fault).</returns>
    public (CpuExit Exit, bool Final) Step(long budget)
    {
        CpuExit exit = Cpu.Run(budget);
        Exits.Add($"{exit.Kind} rip={exit.Rip:x} addr={exit.FaultAddress:x} retired={Cpu.InstructionsRetired}");
        if (exit.Kind == CpuExitKind.BudgetExhausted)
        {
            return (exit, false);
        }
        if (exit.Kind == CpuExitKind.PageFault && Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch) == FaultResult.Resolved)
        {
            return (exit, false);
        }
        return (exit, true);
    }

    /// <summary>Runs to the end with budgets taken in turn from <paramref name="budgets"/>.</summary>
    public CpuExit RunToEnd(IReadOnlyList<long> budgets, int maxSteps = 100_000)
    {
        for (int n = 0; n < maxSteps; n++)
        {
            (CpuExit exit, bool final) = Step(budgets[n % budgets.Count]);
            if (final)
            {
                return exit;
            }
        }
        throw new InvalidOperationException("the program did not end");
    }

    /// <summary>Everything architectural the two modes must agree on, as text (a failure shows the
    /// first difference).</summary>
    public string Snapshot()
    {
        CpuState s = Cpu.State;
        var lines = new List<string>
        {
            $"rip={s.Rip:x} rflags={(ulong)s.Rflags:x} retired={Cpu.InstructionsRetired}",
        };
        for (int r = 0; r < 16; r++)
        {
            lines.Add($"{(Gpr)r}={s[(Gpr)r]:x}");
        }
        for (int x = 0; x < 2; x++)
        {
            Vector128<byte> v = s.GetXmm(x);
            lines.Add($"xmm{x}={v.AsUInt64()[1]:x16}{v.AsUInt64()[0]:x16}");
        }
        var data = new byte[RandomProgram.DataPages * Page.Size];
        for (int p = 0; p < RandomProgram.DataPages; p++)
        {
            ulong va = RandomProgram.DataVa + (ulong)p * Page.Size;
            if (Mm.ReadUser(va, data.AsSpan(p * (int)Page.Size, (int)Page.Size), out _) != Errno.Ok)
            {
                lines.Add($"data page {p}: unreadable");
            }
        }
        lines.Add($"data={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data))}");
        var code = new byte[Page.Size];
        Assert.Equal(Errno.Ok, Mm.ReadUser(RandomProgram.CodeVa, code, out _));
        lines.Add($"code={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(code))}");
        return string.Join('\n', lines);
    }
}

using System.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit.Sdk;

namespace Emulator.Tests.Mm;

/// <summary>
/// Model-based tests: the real <see cref="AddressSpace"/> and <see cref="AddressSpaceModel"/> run the
/// same random command sequence over a 64-page window, and after every command everything a program
/// or a device can observe must agree.
/// </summary>
/// <remarks>
/// The window straddles a 1 GiB (so also a 2 MiB) boundary, so commands land in different leaf,
/// directory and pointer tables and page-table freeing is exercised. MmapBase is the 1 GiB boundary in
/// the middle of the window, so top-down placement (and mremap moves) fill the lower half and then
/// spill below the window into tables of their own; the program break starts in the upper half. Page
/// numbers favour a few focus pages per sequence, so commands collide often. RAM (8 MiB) is never
/// exhausted by these sequences, so ENOMEM from frame exhaustion is out of the model. The harness that
/// runs one sequence and checks it is in <c>AddressSpacePropertyTests.Run.cs</c>.
/// </remarks>
public partial class AddressSpacePropertyTests
{
    internal const ulong Base = (1UL << 30) - 32 * Page.Size;
    internal const int WindowPages = 64;
    private const ulong WindowEnd = Base + WindowPages * Page.Size;
    private const int MaxChildren = 3;
    private const int DefaultSeed = 20240611;

    internal static readonly AddressSpaceOptions Layout = new()
    {
        BrkStart = Base + 40 * Page.Size,
        MmapBase = Base + 32 * Page.Size,
    };

    // ---- commands ----------------------------------------------------------------------------------

    public enum Placement : byte
    {
        Fixed,
        FixedNoReplace,
        Hint,
        Anywhere,
    }

    /// <summary>One step of a sequence. Pages are window page numbers; offsets are bytes from the window base.</summary>
    public abstract record Cmd;

    public sealed record MmapCmd(int Page, int Pages, int OddBytes, Protection Prot, bool Shared, Placement At, bool Populate) : Cmd;

    public sealed record MunmapCmd(int Page, int Pages, bool Misaligned) : Cmd;

    public sealed record MprotectCmd(int Page, int Pages, Protection Prot, bool Misaligned) : Cmd;

    public sealed record MadviseCmd(int Page, int Pages, bool Misaligned) : Cmd;

    public sealed record MremapCmd(int Page, int OldPages, int NewPages, MremapFlags Flags, int NewPage) : Cmd;

    /// <summary>brk(BrkStart + Pages pages + OddBytes); negative pages ask for less than the initial break.</summary>
    public sealed record BrkCmd(int Pages, int OddBytes) : Cmd;

    public sealed record WriteCmd(int Offset, int Length, byte Fill) : Cmd;

    public sealed record ReadCmd(int Offset, int Length) : Cmd;

    /// <summary>fork, then a store in the child (the oldest child exits first when there are already three).</summary>
    public sealed record ForkWriteCmd(int Offset, int Length, byte Fill) : Cmd;

    public sealed record ChildWriteCmd(int Child, int Offset, int Length, byte Fill) : Cmd;

    public sealed record ExitChildCmd(int Child) : Cmd;

    public sealed record MigrateCmd(int Page, int Pages, bool Misaligned) : Cmd;

    /// <summary>Reads every page of every live process through ReadUser (faulting, as a program would),
    /// which is how data that lives only in a shared object, with no entry mapping it, is checked.</summary>
    public sealed record ReadAllCmd : Cmd;

    private static readonly Gen<int> PagesGen = Gen.Frequency((8, Gen.Choose(1, 8)), (3, Gen.Choose(9, 24)), (1, Gen.Constant(0)));
    private static readonly Gen<bool> Rarely = Gen.Frequency((12, Gen.Constant(false)), (1, Gen.Constant(true)));
    private static readonly Gen<byte> FillGen = Gen.Choose(1, 255).Select(b => (byte)b);
    private static readonly Gen<Protection> ProtGen = Gen.Elements(
        Protection.None, Protection.Read, Protection.ReadWrite, Protection.ReadWrite, Protection.Read | Protection.Exec,
        Protection.ReadWrite | Protection.Exec, Protection.Write);

    /// <summary>Byte offsets, often at the start or end of a page so that accesses cross pages.</summary>
    private static Gen<int> OffsetGen(Gen<int> pageGen) =>
        from page in pageGen
        from inPage in Gen.Frequency((3, Gen.Choose(0, Page.Size - 1)), (2, Gen.Choose(Page.Size - 16, Page.Size - 1)), (1, Gen.Constant(0)))
        select page * Page.Size + inPage;

    private static readonly Gen<int> ByteLengthGen = Gen.Frequency((5, Gen.Choose(1, 24)), (1, Gen.Choose(25, 2 * Page.Size)));

    /// <summary>Commands whose pages come from <paramref name="pageGen"/>.</summary>
    private static Gen<Cmd> CmdGen(Gen<int> pageGen)
    {
        var offsetGen = OffsetGen(pageGen);
        return Gen.Frequency(
            (7, from p in pageGen from n in PagesGen from odd in Gen.Elements(0, 0, 0, 1, 3000) from prot in ProtGen
                from shared in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
                from at in Gen.Elements(Placement.Fixed, Placement.Fixed, Placement.FixedNoReplace, Placement.Hint, Placement.Anywhere)
                from populate in Rarely
                select (Cmd)new MmapCmd(p, n, odd, prot, shared, at, populate)),
            (3, from p in pageGen from n in PagesGen from m in Rarely select (Cmd)new MunmapCmd(p, n, m)),
            (3, from p in pageGen from n in PagesGen from prot in ProtGen from m in Rarely select (Cmd)new MprotectCmd(p, n, prot, m)),
            (2, from p in pageGen from n in PagesGen from m in Rarely select (Cmd)new MadviseCmd(p, n, m)),
            (4, from p in pageGen from o in Gen.Choose(0, 8) from n in Gen.Frequency((3, Gen.Choose(1, 16)), (1, Gen.Constant(-1)))
                from f in Gen.Elements(MremapFlags.None, MremapFlags.MayMove, MremapFlags.MayMove, MremapFlags.MayMove | MremapFlags.Fixed, MremapFlags.Fixed)
                from np in pageGen
                select (Cmd)new MremapCmd(p, o, n < 0 ? o : n, f, np)),
            (2, from n in Gen.Choose(-2, 24) from odd in Gen.Elements(0, 0, 1, 2049) select (Cmd)new BrkCmd(n, odd)),
            (8, from o in offsetGen from n in ByteLengthGen from f in FillGen select (Cmd)new WriteCmd(o, n, f)),
            (2, from o in offsetGen from n in ByteLengthGen select (Cmd)new ReadCmd(o, n)),
            (1, from o in offsetGen from n in ByteLengthGen from f in FillGen select (Cmd)new ForkWriteCmd(o, n, f)),
            (2, from c in Gen.Choose(0, MaxChildren - 1) from o in offsetGen from n in ByteLengthGen from f in FillGen select (Cmd)new ChildWriteCmd(c, o, n, f)),
            (1, from c in Gen.Choose(0, MaxChildren - 1) select (Cmd)new ExitChildCmd(c)),
            (2, from p in pageGen from n in PagesGen from m in Rarely select (Cmd)new MigrateCmd(p, n, m)),
            (1, Gen.Constant((Cmd)new ReadAllCmd())));
    }

    /// <summary>Sequences of up to 40 commands. Each sequence has three focus pages that most
    /// addresses are drawn from (the rest are spread over the window, with a bias to the pages around
    /// the 1 GiB boundary), so multi-step interactions — write, protect, drop, move the same pages —
    /// are common rather than rare.</summary>
    private static Arbitrary<Cmd[]> Sequences() =>
        Arb.From(
            from focus in Gen.ArrayOf(Gen.Choose(24, 39), 3)
            let pages = Gen.Frequency((3, Gen.Elements(focus)), (1, Gen.Choose(0, WindowPages - 1)), (1, Gen.Choose(26, 37)))
            from n in Gen.Choose(1, 40)
            from cmds in Gen.ArrayOf(CmdGen(pages), n)
            select cmds,
            ShrinkSequence);

    /// <summary>Shrinks by deleting runs of commands, longest first, so a counterexample keeps only the steps it needs.</summary>
    private static IEnumerable<Cmd[]> ShrinkSequence(Cmd[] cmds)
    {
        for (int size = Math.Max(cmds.Length / 2, 1); size >= 1; size /= 2)
        {
            for (int i = 0; i + size <= cmds.Length; i += size)
            {
                yield return [.. cmds[..i], .. cmds[(i + size)..]];
            }
            if (size == 1)
            {
                yield break;
            }
        }
    }

    // ---- the property ------------------------------------------------------------------------------

    [Fact]
    public void Random_command_sequences_agree_with_the_reference_model()
    {
        DebugAsserts.ThrowInsteadOfFailFast();
        ulong seed = SeedFromEnvironment("MM_PROPERTY_SEED", DefaultSeed);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(300)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
        try
        {
            Check.One(config, Prop.ForAll(Sequences(), (Cmd[] cmds) => new Run().Execute(cmds)));
        }
        catch (Exception e)
        {
            // FsCheck's message holds the shrunk sequence; the seed reproduces the whole run.
            throw new XunitException($"seed {seed} (MM_PROPERTY_SEED={seed} replays it): {e.Message}");
        }
    }

    /// <summary>
    /// Counterexamples worth keeping, replayed exactly. The first is what this property found (shrunk
    /// from 21 commands, here with a fixed mapping): a same-size mremap inside a VMA split it and
    /// announced an empty invalidation. The others pin down interactions the generator reaches only
    /// now and then (each fails against a deliberately broken mm).
    /// </summary>
    public static TheoryData<string, Cmd[]> Counterexamples => new()
    {
        {
            "same-size mremap inside a VMA changes nothing",
            [
                new MmapCmd(54, 10, 0, Protection.Read | Protection.Exec, false, Placement.Fixed, false),
                new MremapCmd(59, 2, 2, MremapFlags.None, 6),
            ]
        },
        {
            "moving a mapping whose pages were dropped frees its page tables after an invalidation",
            [
                new MmapCmd(10, 2, 0, Protection.ReadWrite, false, Placement.Fixed, false),
                new WriteCmd(10 * Page.Size, 1, 7),
                new MadviseCmd(10, 2, false),
                new MremapCmd(10, 2, 2, MremapFlags.MayMove | MremapFlags.Fixed, 40),
            ]
        },
        {
            "DONTNEED on a PROT_NONE private page drops its data",
            [
                new MmapCmd(30, 2, 0, Protection.ReadWrite, false, Placement.Fixed, false),
                new WriteCmd(30 * Page.Size + 5, 9, 7),
                new MprotectCmd(30, 2, Protection.None, false),
                new MadviseCmd(30, 1, false),
                new MprotectCmd(30, 2, Protection.Read, false),
                new ReadCmd(30 * Page.Size, 16),
            ]
        },
        {
            "shared pages survive unmapping one of two VMAs of the object",
            [
                new MmapCmd(30, 4, 0, Protection.ReadWrite, true, Placement.Fixed, false),
                new MprotectCmd(32, 2, Protection.Read, false),
                new WriteCmd(30 * Page.Size, 8, 9),
                new MadviseCmd(30, 2, false),
                new MunmapCmd(32, 2, false),
                new ReadCmd(30 * Page.Size, 8),
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Counterexamples))]
    public void Counterexample_sequences_agree_with_the_reference_model(string what, Cmd[] cmds)
    {
        DebugAsserts.ThrowInsteadOfFailFast();
        try
        {
            new Run().Execute(cmds);
        }
        catch (Exception e) when (e is not XunitException)
        {
            throw new XunitException($"{what}: {e.Message}");
        }
    }

    /// <summary>A test seed: the environment variable when set (to replay or explore), else the fixed default.</summary>
    internal static ulong SeedFromEnvironment(string variable, ulong fallback) =>
        ulong.TryParse(Environment.GetEnvironmentVariable(variable), out ulong s) ? s : fallback;

    /// <summary>
    /// Turns a failed <see cref="Debug.Assert(bool)"/> in the product (debug builds) into an exception,
    /// so that a counterexample that trips one is shrunk and reported with its seed instead of
    /// terminating the test host (the .NET default).
    /// </summary>
    internal static class DebugAsserts
    {
        // The type initialiser runs once, before any caller returns (the runtime serialises it).
        static DebugAsserts()
        {
            System.Diagnostics.Trace.Listeners.Clear();
            System.Diagnostics.Trace.Listeners.Add(new Thrower());
        }

        /// <summary>Installs the listener (once per test process; every later call does nothing).</summary>
        public static void ThrowInsteadOfFailFast()
        {
        }

        private sealed class Thrower : TraceListener
        {
            public override void Write(string? message)
            {
            }

            public override void WriteLine(string? message)
            {
            }

            public override void Fail(string? message, string? detailMessage) =>
                throw new InvalidOperationException($"Debug.Assert failed: {message} {detailMessage}");
        }
    }
}

using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// DMA probes (<c>--device NAME --dma-probe N --seed S</c>): after each memory call that wrote a
/// statement, the device touches N pages of the process, each with the outcome the model
/// guarantees, so a replay checks that the SMMU and the ATC follow the mm.
/// </summary>
/// <remarks>
/// <para>Probe 0 picks a page of the range the call touched (so a page just unmapped or made
/// read-only is checked while a stale ATC entry could still grant it); the others pick uniformly
/// among the process's mapped pages. Choices come from splitmix64 seeded with S
/// (<see cref="Pattern.SplitMix64"/>): the same log and options give the same trace.</para>
/// <para>Each probe reads 8 bytes at a slot of the page that depends on the page only, so the data a
/// probe wrote is what a later probe of the page reads:</para>
/// <list type="bullet">
/// <item>unmapped: <c>dma read =&gt; fault</c> and <c>expect atc ... absent</c>;</item>
/// <item>PROT_NONE: <c>dma read =&gt; fault</c>;</item>
/// <item>readable: <c>dma read =&gt; PATTERN</c> — the <c>rand:</c> seed last written there, or
/// <c>zero</c> (shared pages are only required to be readable: another process may write them);</item>
/// <item>then writable: <c>dma write rand:NEW</c>; read-only: the same write <c>=&gt; fault</c>.</item>
/// </list>
/// </remarks>
internal sealed partial class StraceConverter
{
    private const ulong ProbeSize = 8;

    private ulong _draws;
    private ulong _nextPatternSeed;
    private long _probeStatements;

    /// <summary>The probes' offset in every page: fixed, so data moved by mremap is found at the same offset.</summary>
    private ulong Slot => (_options.Seed << 3) & 0xff8;

    private ulong NextRandom() => Pattern.SplitMix64(_options.Seed, _draws++);

    private void Probe(ProcessModel p, ulong touchedStart, ulong touchedEnd)
    {
        string device = Device!;
        for (int k = 0; k < _options.DmaProbes; k++)
        {
            ulong page;
            if (k == 0 && touchedEnd > touchedStart)
            {
                page = touchedStart + ((NextRandom() % ((touchedEnd - touchedStart) >> Page.Shift)) << Page.Shift);
            }
            else if (p.Regions.TotalPages > 0)
            {
                page = p.Regions.PageAt(NextRandom() % p.Regions.TotalPages);
            }
            else
            {
                break;
            }
            ulong va = page + Slot;
            _probeStatements += 2;
            if (!p.Regions.TryFind(page, out var region))
            {
                Emit(new DmaStatement(device, p.Name, DmaDirection.Read, va, ProbeSize) { Result = ExpectedResult.Fault });
                Emit(new ExpectAtcStatement(device, p.Name, page, Present: false));
                continue;
            }
            if (region.Prot == Protection.None)
            {
                Emit(new DmaStatement(device, p.Name, DmaDirection.Read, va, ProbeSize) { Result = ExpectedResult.Fault });
                continue;
            }
            p.Contents.TryGetValue(page, out var known);
            var expected = region.Shared ? ExpectedResult.Ok
                : ExpectedResult.Bytes(known.Seed != 0 ? Pattern.Rand(known.Seed) : Pattern.Zero);
            Emit(new DmaStatement(device, p.Name, DmaDirection.Read, va, ProbeSize) { Result = expected });
            bool writable = (region.Prot & Protection.Write) != 0;
            ulong next = ++_nextPatternSeed;
            if (writable)
            {
                Emit(new DmaStatement(device, p.Name, DmaDirection.Write, va, ProbeSize, Pattern.Rand(next)));
                known = known with { Seed = next };
            }
            else
            {
                Emit(new DmaStatement(device, p.Name, DmaDirection.Write, va, ProbeSize, Pattern.Rand(next)) { Result = ExpectedResult.Fault });
            }
            p.Contents[page] = known;
        }
    }

    /// <summary>RAM for the replay when the default (1 GiB) may not hold every probed page with its
    /// page tables (four frames a probe at worst, never freed before the process exits); else null.</summary>
    private ulong? RamNeeded()
    {
        ulong defaultRam = new MachineOptions().RamSize;
        ulong needed = (64UL << 20) + (ulong)_probeStatements * 4 * Page.Size;
        if (needed <= defaultRam)
        {
            return null;
        }
        ulong ram = (needed + (64UL << 20) - 1) & ~((64UL << 20) - 1);
        return Math.Min(ram, PhysicalMemory.MaxRamSize);
    }
}

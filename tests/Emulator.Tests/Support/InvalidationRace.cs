using System.Diagnostics;

namespace Emulator.Tests.Support;

/// <summary>
/// The race every translation cache must win: an owner thread fills an entry unique to the round and
/// looks it up in a loop while a remote thread invalidates it and refills the freed slots. A lookup
/// that starts after the remote published "done" must miss, and every hit must return exactly this
/// round's address (a torn read would pair the entry's tag with another entry's frame).
/// </summary>
/// <remarks>The number of rounds has a fixed minimum however slow the machine; the clock only
/// shortens a fast run beyond it and stops a hang — it never decides pass or fail.</remarks>
internal static class InvalidationRace
{
    public const int MinRounds = 200;

    /// <summary>What the race observed.</summary>
    public readonly record struct Outcome(int Rounds, long HitsChecked, long StaleHits, long TornHits);

    /// <param name="maxRounds">Rounds at most.</param>
    /// <param name="enoughMs">Stop after this long once <see cref="MinRounds"/> ran.</param>
    /// <param name="fill">Owner: installs the round's entry; returns the address a hit must produce.</param>
    /// <param name="lookup">Owner: one lookup; true with the translated address on a hit.</param>
    /// <param name="invalidateAndRefill">Remote: invalidates the round's entry and refills the slots.</param>
    public static Outcome Run(int maxRounds, int enoughMs, Func<int, ulong> fill, LookupFn lookup, Action<int> invalidateAndRefill)
    {
        int inserted = -1;
        int invalidated = -1;
        int stop = 0;
        long staleHits = 0, tornHits = 0, hitsChecked = 0;

        var remote = new Thread(() =>
        {
            for (int round = 0; round < maxRounds; round++)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref inserted) < round)
                {
                    if (Volatile.Read(ref stop) != 0)
                    {
                        return;
                    }
                    spin.SpinOnce(sleep1Threshold: -1); // never Sleep(1): the owner answers in microseconds
                }
                invalidateAndRefill(round);
                Volatile.Write(ref invalidated, round);
            }
        });
        remote.Start();

        var deadline = Stopwatch.StartNew();
        int rounds = 0;
        for (; rounds < maxRounds; rounds++)
        {
            if ((rounds >= MinRounds && deadline.ElapsedMilliseconds >= enoughMs) || deadline.ElapsedMilliseconds >= 30_000)
            {
                break;
            }
            ulong expected = fill(rounds);
            Volatile.Write(ref inserted, rounds);
            int spins = 0;
            while (true)
            {
                bool done = Volatile.Read(ref invalidated) >= rounds; // read before the lookup starts
                if (lookup(out ulong got))
                {
                    hitsChecked++;
                    tornHits += got != expected ? 1 : 0;
                    staleHits += done ? 1 : 0;
                }
                if (done)
                {
                    break;
                }
                if (++spins % 256 == 0)
                {
                    Thread.Yield(); // look up back to back, but let the invalidator have a core under load
                }
            }
        }
        Volatile.Write(ref stop, 1);
        remote.Join();
        return new Outcome(rounds, hitsChecked, staleHits, tornHits);
    }

    /// <summary>One lookup of the raced entry.</summary>
    public delegate bool LookupFn(out ulong address);
}

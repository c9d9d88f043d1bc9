using Emulator.Core.Kernel.Sys;

namespace Emulator.Core.Kernel.Fs;

/// <summary>The bytes of /dev/urandom and /dev/random: one SplitMix64 stream seeded with
/// <see cref="FsOptions.RandomSeed"/>, shared by every open, so a run's bytes depend only on the seed and
/// the order of the reads.</summary>
/// <remarks>Thread-safe (reads take <see cref="_lock"/>, which guards <see cref="_rng"/>, <see cref="_spare"/>
/// and <see cref="_spareBytes"/>).</remarks>
internal sealed class GuestRandom(ulong seed)
{
    private readonly Lock _lock = new();
    private SplitMix64 _rng = new(seed);
    private ulong _spare;
    private int _spareBytes;

    /// <summary>Fills <paramref name="destination"/> with the next bytes of the stream.</summary>
    public void Fill(Span<byte> destination)
    {
        using (_lock.EnterScope())
        {
            for (int i = 0; i < destination.Length; i++)
            {
                if (_spareBytes == 0)
                {
                    _spare = _rng.Next();
                    _spareBytes = 8;
                }
                destination[i] = (byte)_spare;
                _spare >>= 8;
                _spareBytes--;
            }
        }
    }
}

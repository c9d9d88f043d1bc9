using Emulator.Core.Memory;

namespace Emulator.Tests.Memory;

/// <summary>MMIO windows in <see cref="PhysicalMemory"/>: routing of word accesses, configuration errors,
/// and RAM unaffected.</summary>
public sealed class MmioTests
{
    private sealed class Recorder : IMmioHandler
    {
        public List<(ulong Offset, int Size, ulong Value, bool Write)> Accesses { get; } = [];

        public bool TryRead(ulong offset, int size, out ulong value)
        {
            Accesses.Add((offset, size, 0, false));
            value = 0x1122_3344_5566_7788UL + offset;
            return true;
        }

        public bool TryWrite(ulong offset, int size, ulong value)
        {
            Accesses.Add((offset, size, value, true));
            return true;
        }
    }

    [Fact]
    public void Word_accesses_inside_a_window_reach_the_handler_with_offset_and_size()
    {
        var memory = new PhysicalMemory(1 << 20);
        var dev = new Recorder();
        memory.RegisterMmio(0x1000_0000, 0x2000, dev);

        Assert.True(memory.TryWriteU32(0x1000_0010, 0xDEAD_BEEF));
        Assert.True(memory.TryWriteU64(0x1000_1FF8, 42));
        Assert.True(memory.TryReadU32(0x1000_0004, out uint v32));
        Assert.True(memory.TryReadU64(0x1000_0008, out ulong v64));

        Assert.Equal((0x10UL, 4, 0xDEAD_BEEFUL, true), dev.Accesses[0]);   // offset relative to the base
        Assert.Equal((0x1FF8UL, 8, 42UL, true), dev.Accesses[1]);          // last 8 bytes of the window
        Assert.Equal(0x5566_778Cu, v32);                                    // a 4-byte read is truncated to 32 bits
        Assert.Equal(0x1122_3344_5566_7790UL, v64);
    }

    [Fact]
    public void Accesses_outside_ram_and_windows_or_misaligned_or_straddling_fail()
    {
        var memory = new PhysicalMemory(1 << 20);
        var dev = new Recorder();
        memory.RegisterMmio(0x1000_0000, 0x1000, dev);

        Assert.False(memory.TryReadU64(0x2000_0000, out _));       // no device there
        Assert.False(memory.TryReadU32(0x1000_0002, out _));       // misaligned MMIO
        Assert.False(memory.TryWriteU64(0x1000_1000, 1));          // just past the window
        Assert.False(memory.TryRead(0x1000_0000, new byte[16]));   // bulk copies are RAM only
        Assert.Empty(dev.Accesses);                                // none of those reached the device
    }

    [Fact]
    public void Overlapping_ram_or_another_window_is_a_configuration_error()
    {
        var memory = new PhysicalMemory(1 << 20);
        memory.RegisterMmio(0x1000_0000, 0x1000, new Recorder());

        Assert.Throws<ArgumentException>(() => memory.RegisterMmio(0xF_F000, 0x2000, new Recorder()));   // overlaps RAM's last page
        Assert.Throws<ArgumentException>(() => memory.RegisterMmio(0x0FFF_F000, 0x2000, new Recorder())); // overlaps the window
        Assert.Throws<ArgumentException>(() => memory.RegisterMmio(0x2000_0000, 0, new Recorder()));      // empty
        memory.RegisterMmio(0x1000_1000, 0x1000, new Recorder());                                          // adjacent is fine
    }

    [Fact]
    public void Ram_u32_accessors_round_trip_and_agree_with_u64()
    {
        var memory = new PhysicalMemory(1 << 20);
        Assert.True(memory.TryWriteU32(0x100, 0x8765_4321));
        Assert.True(memory.TryWriteU32(0x104, 0x0FED_CBA9));

        Assert.True(memory.TryReadU32(0x100, out uint lo));
        Assert.True(memory.TryReadU64(0x100, out ulong both));
        Assert.Equal(0x8765_4321u, lo);
        Assert.Equal(0x0FED_CBA9_8765_4321UL, both);   // little-endian halves
        Assert.True(memory.TryReadU32(0x200, out uint untouched));
        Assert.Equal(0u, untouched);                   // never-written RAM reads as zero
        Assert.False(memory.TryWriteU32(0x102, 1));    // misaligned
        Assert.False(memory.TryReadU32(1 << 20, out _)); // just past RAM, no window
    }
}

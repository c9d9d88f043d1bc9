using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Unicode;
using Emulator.Board.Sim;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Tests.Hw;

/// <summary>Unit benches of the gateware, through <c>board-sim --unit</c>: the CRC-32C step, the frame
/// receiver and the ATC core, each checked against the C# code it must agree with (Crc32C, FrameCodec,
/// Atc) on seeded random input. A failure prints the seed.</summary>
public class RtlUnitBenchTests
{
    private static BoardSimUnit Unit => HwSim.Unit;

    private static string H(ulong v) => BoardSimUnit.Hex(v);

    private static byte[] Frame(MessageType type, uint seq, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[FrameCodec.GetFrameLength(payload.Length)];
        FrameCodec.WriteFrame(frame, type, seq, payload);
        return frame;
    }

    [VerilatorFact]
    public void The_crc_step_gives_the_check_value_and_agrees_with_the_host_crc()
    {
        // CRC32C("123456789") = 0xE3069283: the polynomial, reflection, init and xor-out are right.
        Assert.Equal(["crc e3069283"], Unit.Run("crc " + Convert.ToHexStringLower("123456789"u8)).Lines);
        const int seed = 13;
        var random = new Random(seed);
        for (int i = 0; i < 100; i++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);
            uint expected = Crc32C.Compute(data);
            var lines = Unit.Run("crc " + Convert.ToHexStringLower(data)).Lines;
            Assert.True(lines.Count == 1 && lines[0] == "crc " + H(expected), $"seed {seed} buffer {i}: {lines[0]} != {expected:x}");
        }
    }

    /// <summary>One frame event as the receiver reports it: (kind 0 frame / 1 BadCrc / 2 BadLength, type, seq,
    /// length or -1, the first 28 payload bytes or null).</summary>
    private readonly record struct Event(int Kind, byte Type, uint Seq, int Length, string? Head);

    private static List<Event> ParseHost(byte[] stream)
    {
        var events = new List<Event>();
        var buffer = new ReadOnlySequence<byte>(stream);
        while (true)
        {
            bool ok = FrameCodec.TryParseFrame(buffer, out Frame frame, out SequencePosition consumed, out _, out FrameError error);
            if (ok)
            {
                byte[] payload = frame.Payload.ToArray();
                var head = new byte[28];
                payload.AsSpan(0, Math.Min(28, payload.Length)).CopyTo(head);
                events.Add(new Event(0, (byte)frame.Type, frame.Sequence, payload.Length, Convert.ToHexStringLower(head)));
            }
            else if (error.Kind == FrameErrorKind.BadCrc)
            {
                events.Add(new Event(1, (byte)error.Type, error.Sequence, (int)error.ClaimedLength, null));
            }
            else if (error.Kind == FrameErrorKind.BadLength)
            {
                events.Add(new Event(2, (byte)error.Type, error.Sequence, -1, null));
            }
            else if (!error.IsError)
            {
                return events; // need more: the rest is an unfinished frame
            }
            buffer = buffer.Slice(consumed);
        }
    }

    private static List<Event> ParseRtl(byte[] stream, int every, out long cycles, out List<bool> namesOk)
    {
        var events = new List<Event>();
        namesOk = [];
        (List<string> lines, cycles) = Unit.Run($"rx {every} {Convert.ToHexStringLower(stream)}");
        foreach (string line in lines)
        {
            // evt KIND TYPE MAJOR MINOR SEQ LEN NAMEOK HEAD28
            string[] f = line.Split(' ');
            int kind = int.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            byte type = byte.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            uint seq = uint.Parse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int length = int.Parse(f[6], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            events.Add(new Event(kind, type, seq, kind == 2 ? -1 : length, kind == 0 ? f[8] : null));
            if (kind == 0 && type == (byte)MessageType.Hello)
            {
                namesOk.Add(f[7] == "1");
            }
        }
        return events;
    }

    /// <summary>A seeded stream of good frames, CRC errors, lengths over MaxPayload, garbage, and HELLOs whose
    /// names are valid or invalid UTF-8; also returns whether each HELLO's name is valid.</summary>
    private static byte[] RandomStream(int seed, int items, List<bool> helloNamesValid)
    {
        var random = new Random(seed);
        var stream = new List<byte>();
        byte[] types = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x42, 0x81, 0xF0, 0xF1];
        for (int i = 0; i < items; i++)
        {
            uint seq = (uint)random.Next();
            switch (random.Next(6))
            {
                case 0: // garbage, often with 'S' and partial magics in it
                {
                    var garbage = new byte[random.Next(1, 40)];
                    random.NextBytes(garbage);
                    for (int k = 0; k < garbage.Length; k++)
                    {
                        if (random.Next(4) == 0) garbage[k] = (byte)"SVAB"[random.Next(4)];
                    }
                    stream.AddRange(garbage);
                    break;
                }
                case 1: // CRC error: one bit of the payload or the CRC flipped
                {
                    var payload = new byte[random.Next(0, 50)];
                    random.NextBytes(payload);
                    byte[] frame = Frame((MessageType)types[random.Next(types.Length)], seq, payload);
                    frame[16 + random.Next(frame.Length - 16)] ^= (byte)(1 << random.Next(8));
                    stream.AddRange(frame);
                    break;
                }
                case 2: // a length over MaxPayload, with a magic inside its header sometimes
                {
                    byte[] frame = Frame(MessageType.Sync, seq, [1, 2, 3, 4]);
                    BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), (uint)random.Next(FrameCodec.MaxPayload + 1, int.MaxValue));
                    if (random.Next(3) == 0) "SVAB"u8.CopyTo(frame.AsSpan(8));
                    stream.AddRange(frame.AsSpan(0, 16).ToArray());
                    break;
                }
                case 3: // HELLO with a name that may be malformed UTF-8
                {
                    var name = new byte[random.Next(0, 12)];
                    byte[] pieces = [0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xA0, 0xED, 0x9F, 0xEF, 0xF0, 0x90, 0xF4, 0x8F, 0xF5, 0xFF];
                    for (int k = 0; k < name.Length; k++) name[k] = pieces[random.Next(pieces.Length)];
                    var payload = new byte[4 + name.Length];
                    payload[0] = 1;
                    BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(2), (ushort)name.Length);
                    name.CopyTo(payload, 4);
                    helloNamesValid.Add(Utf8.IsValid(name));
                    stream.AddRange(Frame(MessageType.Hello, seq, payload));
                    break;
                }
                default: // a good frame of any type, 0..70 payload bytes
                {
                    var payload = new byte[random.Next(0, 70)];
                    random.NextBytes(payload);
                    byte type = types[random.Next(types.Length)];
                    if (type == 0x01) type = 0x02; // HELLOs are case 3, so their names are tracked
                    stream.AddRange(Frame((MessageType)type, seq, payload));
                    break;
                }
            }
        }
        return [.. stream];
    }

    [VerilatorFact]
    public void The_frame_receiver_delimits_checks_and_resynchronises_exactly_as_FrameCodec()
    {
        foreach (int seed in (int[])[1, 2, 3])
        {
            var namesValid = new List<bool>();
            byte[] stream = RandomStream(seed, 120, namesValid);
            List<Event> expected = ParseHost(stream);
            foreach (int every in (int[])[1, 23])
            {
                // every 23: the consumer takes an event only one clock in 23, so the receiver must hold its input.
                List<Event> actual = ParseRtl(stream, every, out _, out List<bool> namesOk);
                Assert.True(expected.Count == actual.Count, $"seed {seed} every {every}: {expected.Count} events from FrameCodec, {actual.Count} from the RTL");
                for (int i = 0; i < expected.Count; i++)
                {
                    Assert.True(expected[i] == actual[i], $"seed {seed} every {every} event {i}: FrameCodec {expected[i]}, RTL {actual[i]}");
                }
                // HELLOs whose CRC survived are in order; the RTL's name check is Utf8.IsValid's verdict.
                Assert.True(namesOk.Count <= namesValid.Count, $"seed {seed}");
            }
            Assert.Contains(expected, e => e.Kind == 1); // the stream exercised every path
            Assert.Contains(expected, e => e.Kind == 2);
        }
    }

    [VerilatorFact]
    public void The_frame_receivers_name_check_is_Utf8_IsValid()
    {
        const int seed = 7;
        var random = new Random(seed);
        byte[] pieces = [0x41, 0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xA0, 0x9F, 0xED, 0xEF, 0xF0, 0x8F, 0x90, 0xF4, 0xF5, 0xFF];
        var stream = new List<byte>();
        var valid = new List<bool>();
        for (int i = 0; i < 300; i++)
        {
            var name = new byte[random.Next(0, 9)];
            for (int k = 0; k < name.Length; k++) name[k] = pieces[random.Next(pieces.Length)];
            var payload = new byte[4 + name.Length];
            payload[0] = 1;
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(2), (ushort)name.Length);
            name.CopyTo(payload, 4);
            valid.Add(Utf8.IsValid(name));
            stream.AddRange(Frame(MessageType.Hello, (uint)i, payload));
        }
        ParseRtl([.. stream], 1, out _, out List<bool> namesOk);
        Assert.Equal(valid.Count, namesOk.Count);
        for (int i = 0; i < valid.Count; i++)
        {
            Assert.True(valid[i] == namesOk[i], $"seed {seed} name {i}: Utf8.IsValid {valid[i]}, RTL {namesOk[i]}");
        }
        Assert.Contains(false, valid);
        Assert.Contains(true, valid);
    }

    [VerilatorFact]
    public void The_frame_receiver_takes_one_byte_per_clock_while_invalidations_stream_in()
    {
        var stream = new List<byte>();
        for (ushort i = 0; i < 256; i++)
        {
            var payload = new byte[AtcInvPayload.FixedSize];
            new AtcInvPayload(1, 5, false, 0x1000ul * i, 12, i).Write(payload);
            stream.AddRange(Frame(MessageType.AtcInv, i, payload));
        }
        List<Event> events = ParseRtl([.. stream], 1, out long cycles, out _);
        Assert.Equal(256, events.Count);
        // The bench runs 64 quiet clocks after the last byte: 256 x 40 bytes in exactly 10240 clocks, no stall.
        Assert.Equal(256 * 40 + 64, cycles);
    }

    private static string Perm(AtsPermissions p) => H((ulong)p);

    private static List<string> DumpRtl(uint sid)
    {
        List<string> lines = Unit.Run("dump " + H(sid)).Lines;
        Assert.StartsWith("count ", lines[0]);
        return lines.GetRange(1, lines.Count - 1);
    }

    private static List<string> DumpModel(Atc atc)
    {
        var entries = new List<AtcEntry>();
        atc.Dump(entries);
        return entries.ConvertAll(e =>
            $"entry {H(e.Pasid)} {H((ulong)e.SizeLog2)} {Perm(e.Permissions)} {(e.Global ? 1 : 0)} {H(e.Va)} {H(e.Pa)}");
    }

    [VerilatorFact]
    public void The_atc_core_agrees_with_the_Atc_model_on_fills_invalidations_lookups_and_dumps()
    {
        const int seed = 2024;
        var random = new Random(seed);
        Unit.Run("reset");
        // Enough ways that the model never evicts: with at most 16 live entries the two hold the same set.
        var models = new Dictionary<uint, Atc> { [1] = new(new AtcGeometry(1024, 32, 16)), [2] = new(new AtcGeometry(1024, 32, 16)) };
        uint[] pasids = [1, 2, 3, AtcEntry.NoPasid];
        int[] sizes = [12, 12, 12, 13, 14, 16, 21];
        int removedSome = 0, hits = 0;
        for (int step = 0; step < 400; step++)
        {
            uint sid = (uint)random.Next(1, 3);
            uint pasid = pasids[random.Next(pasids.Length)];
            bool global = pasid != AtcEntry.NoPasid && random.Next(4) == 0;
            string what;
            int op = random.Next(10);
            if (op < 5 && models[1].Count + models[2].Count < 16)
            {
                int size = sizes[random.Next(sizes.Length)];
                ulong va = (0x10000ul + (ulong)random.Next(0, 48) * 0x1000) & ~((1ul << size) - 1);
                ulong pa = 0x8000_0000ul + ((ulong)random.Next(0, 1024) << size);
                AtsPermissions[] granted = [AtsPermissions.Read, AtsPermissions.Read | AtsPermissions.Write,
                    AtsPermissions.Read | AtsPermissions.Write | AtsPermissions.Execute, AtsPermissions.Read | AtsPermissions.Privileged, 0];
                var perms = granted[random.Next(granted.Length)];
                models[sid].Insert(new AtcEntry(pasid, va, size, pa, perms, global, 0));
                what = $"fill {H(sid)} {H(pasid)} {H(va)} {H((ulong)size)} {H(pa)} {Perm(perms)} {(global ? 1 : 0)}";
                Assert.Equal(["ok"], Unit.Run(what).Lines);
            }
            else if (op < 8)
            {
                int size = random.Next(8) == 0 ? 64 : sizes[random.Next(sizes.Length)] + random.Next(0, 3);
                ulong address = 0x10000ul + (ulong)random.Next(0, 48) * 0x1000 + (ulong)random.Next(0, 4096);
                removedSome += models[sid].Invalidate(pasid, address, size, global) > 0 ? 1 : 0;
                ushort itag = (ushort)random.Next(0, 65536);
                what = $"inv {H(sid)} {H(pasid)} {H(address)} {H((ulong)size)} {(global ? 1 : 0)} {H(itag)}";
                // The completion names the itag, once.
                Assert.Equal(["cpl " + H(itag)], Unit.Run(what).Lines);
            }
            else
            {
                ulong va = 0x10000ul + (ulong)random.Next(0, 48) * 0x1000 + (ulong)random.Next(0, 4096);
                var live = new List<AtcEntry>();
                models[sid].Dump(live);
                if (live.Count > 0 && random.Next(3) != 0)
                {
                    // Aim at a cached span half the time, so that hits (and the PASID / Global rules) are exercised.
                    AtcEntry e = live[random.Next(live.Count)];
                    va = e.Va + (ulong)random.NextInt64(0, (long)Math.Min(e.Size, 1ul << 20));
                    pasid = random.Next(2) == 0 ? e.Pasid : pasid;
                }
                AtsPermissions[] wants = [AtsPermissions.Read, AtsPermissions.Write, AtsPermissions.Execute, 0, AtsPermissions.Read | AtsPermissions.Privileged];
                var needed = wants[random.Next(wants.Length)];
                bool hit = models[sid].Lookup(pasid, va, needed, out ulong pa, out _);
                hits += hit ? 1 : 0;
                what = $"lookup {H(sid)} {H(pasid)} {H(va)} {Perm(needed)}";
                Assert.True(Unit.Run(what).Lines.SequenceEqual([$"lookup {(hit ? 1 : 0)} {H(hit ? pa : 0)}"]), $"seed {seed} step {step}: {what}");
            }
            foreach (uint s in (uint[])[1, 2])
            {
                // Same entries, same order (oldest insertion first): the ATCs are equal after every step.
                Assert.True(DumpModel(models[s]).SequenceEqual(DumpRtl(s)),
                    $"seed {seed} step {step} after '{what}': sid {s} model [{string.Join("; ", DumpModel(models[s]))}] rtl [{string.Join("; ", DumpRtl(s))}]");
            }
        }
        Assert.True(removedSome > 20 && hits > 10, $"the run exercised removals ({removedSome}) and hits ({hits})");
    }

    [VerilatorFact]
    public void A_full_atc_core_evicts_its_oldest_entry_and_an_invalidation_takes_entries_plus_5_clocks()
    {
        Unit.Run("reset");
        for (int i = 0; i < 17; i++)
        {
            Unit.Run($"fill 1 5 {H(0x10000ul + (ulong)i * 0x1000)} c {H(0x8000_0000ul + (ulong)i * 0x1000)} 3 0");
        }
        List<string> dump = DumpRtl(1);
        Assert.Equal(16, dump.Count); // the unit bench's ATC has 16 entries
        Assert.Equal("entry 5 c 3 0 11000 80001000", dump[0]); // the first fill (0x10000) was the victim
        Assert.Equal("entry 5 c 3 0 20000 80010000", dump[15]);
        (List<string> lines, long cycles) = Unit.Run("inv 1 5 11000 c 0 1");
        Assert.Equal(["cpl 1"], lines);
        // One entry per clock plus the pipeline: the bound behind "line rate up to 32 entries" (hw/README.md).
        Assert.True(cycles <= 16 + 5, $"an invalidation of a 16-entry ATC took {cycles} clocks");
    }
}

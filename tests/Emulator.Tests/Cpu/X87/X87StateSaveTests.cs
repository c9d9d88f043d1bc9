using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using Emulator.Core.Cpu;
using Emulator.Core.Cpu.X87;
using Emulator.Tests.Mm;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.X87;

/// <summary>The FXSAVE/XSAVE images of <see cref="CpuState"/> (the kernel's signal-frame API) and the
/// instructions that use them, against the SDM's layouts (Vol. 2A FXSAVE Table 3-46, Vol. 1 §13.4).</summary>
public sealed class X87StateSaveTests
{
    /// <summary>A state with TOP = 5, three registers in use (one of them zero), recognisable XMM/YMM
    /// contents and a non-default MXCSR and FCW.</summary>
    private static CpuState SampleState()
    {
        var s = new CpuState();
        X87State f = s.Fpu;
        f.ControlWord = 0x027F;
        f.StatusWord = (ushort)((5 << 11) | 0x0120);                     // TOP = 5, C0, PE
        f.TagWord = 0xFFFF;
        SetPhys(f, 5, Ext80.One);                                         // ST(0)
        SetPhys(f, 6, Ext80.PositiveZero);                                // ST(1)
        SetPhys(f, 7, new Ext80(0xC90F_DAA2_2168_C235, 0x4000));          // ST(2) = π
        f.LastOpcode = 0x1EE;
        f.LastInstructionPointer = 0x1234_5678_9ABC;
        f.LastDataPointer = 0xFEDC_BA98_7654;
        s.Mxcsr = 0x1F80 | 0x40 | 0x6000;                                // DAZ, RC toward zero
        for (int n = 0; n < 16; n++)
        {
            s.SetYmm(n, Vector256.Create((byte)(n * 16)) + Vector256.Create<byte>([.. Enumerable.Range(0, 32).Select(k => (byte)k)]));
        }
        return s;
    }

    private static byte[] Bytes(Vector128<byte> v)
    {
        var b = new byte[16];
        v.CopyTo(b);
        return b;
    }

    private static void SetPhys(X87State f, int p, Ext80 v)
    {
        f.Significand[p] = v.Significand;
        f.SignExponent[p] = v.SignExponent;
        f.TagWord = (ushort)((f.TagWord & ~(3 << (2 * p))) | (v.Tag << (2 * p)));
    }

    [Fact]
    public void Fxsave_image_has_the_sdm_layout()
    {
        CpuState s = SampleState();
        var area = new byte[512];
        area.AsSpan(416).Fill(0xA5);

        s.SaveFxsave(area);

        Assert.Equal(0x027F, BinaryPrimitives.ReadUInt16LittleEndian(area));        // FCW at 0
        Assert.Equal(0x2920, BinaryPrimitives.ReadUInt16LittleEndian(area.AsSpan(2))); // FSW at 2 (TOP 5)
        Assert.Equal(0b1110_0000, area[4]);                                          // abridged tags: R5, R6, R7 in use
        Assert.Equal(0x1EE, BinaryPrimitives.ReadUInt16LittleEndian(area.AsSpan(6)));  // FOP
        Assert.Equal(0x1234_5678_9ABCUL, BinaryPrimitives.ReadUInt64LittleEndian(area.AsSpan(8)));  // 64-bit FIP
        Assert.Equal(0xFEDC_BA98_7654UL, BinaryPrimitives.ReadUInt64LittleEndian(area.AsSpan(16))); // 64-bit FDP
        Assert.Equal(0x7FC0u, BinaryPrimitives.ReadUInt32LittleEndian(area.AsSpan(24))); // MXCSR
        Assert.Equal(0xFFFFu, BinaryPrimitives.ReadUInt32LittleEndian(area.AsSpan(28))); // MXCSR_MASK: DAZ supported
        Assert.Equal(Ext80.One, Ext80.Read(area.AsSpan(32)));                        // ST(0) first, not R0
        Assert.Equal(0x4000, BinaryPrimitives.ReadUInt16LittleEndian(area.AsSpan(64 + 8))); // ST(2) = π at 64
        Assert.All(area.AsSpan(42, 6).ToArray(), b => Assert.Equal(0, b));         // reserved bytes after ST(0) zero
        Assert.Equal(Bytes(s.GetXmm(3)), area.AsSpan(160 + 48, 16).ToArray());  // XMM3 at 208
        Assert.All(area.AsSpan(416).ToArray(), b => Assert.Equal(0xA5, b));        // 416..511 untouched
    }

    [Fact]
    public void Fxrstor_round_trips_and_rejects_a_reserved_mxcsr_bit_without_changing_anything()
    {
        CpuState s = SampleState();
        var area = new byte[512];
        s.SaveFxsave(area);
        var t = new CpuState();

        Assert.True(t.RestoreFxsave(area));

        var again = new byte[512];
        t.SaveFxsave(again);
        Assert.Equal(area, again);                                                   // the image round-trips
        Assert.Equal(s.Fpu.TagWord, t.Fpu.TagWord);                                  // full tags recomputed (zero = 01)
        BinaryPrimitives.WriteUInt32LittleEndian(area.AsSpan(24), 0x1_1F80);         // bit 16: reserved
        var u = new CpuState();
        Assert.False(u.RestoreFxsave(area));                                         // FXRSTOR's #GP
        Assert.Equal(0x037F, u.Fpu.ControlWord);                                     // nothing loaded
        Assert.Equal(CpuState.MxcsrDefault, u.Mxcsr);
    }

    [Fact]
    public void Xsave_writes_the_requested_components_and_xrstor_restores_or_initialises_them()
    {
        CpuState s = SampleState();
        var area = new byte[832];
        s.SaveXsave(area, 7);

        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(area.AsSpan(512)));              // XSTATE_BV
        Assert.Equal(Bytes(s.GetYmm(2).GetUpper()), area.AsSpan(576 + 32, 16).ToArray());     // YMM2[255:128] at 608
        var t = new CpuState();
        Assert.True(t.RestoreXsave(area, 7));
        for (int n = 0; n < 16; n++)
        {
            Assert.Equal(s.GetYmm(n), t.GetYmm(n));                                               // every YMM bit back
        }
        Assert.Equal(s.Fpu.StatusWord, t.Fpu.StatusWord);
        Assert.Equal(0x7FC0u, t.Mxcsr);

        // XSTATE_BV = 0: each requested component goes to its initial state, but the standard form
        // still loads MXCSR from the image.
        BinaryPrimitives.WriteUInt64LittleEndian(area.AsSpan(512), 0);
        Assert.True(t.RestoreXsave(area, 7));
        Assert.Equal(0x037F, t.Fpu.ControlWord);                                     // x87 initialised (FNINIT)
        Assert.Equal(0xFFFF, t.Fpu.TagWord);
        Assert.Equal(Vector256<byte>.Zero, t.GetYmm(9));                             // XMM and upper halves zero
        Assert.Equal(0x7FC0u, t.Mxcsr);                                              // MXCSR from the image

        // Only the x87 component requested: SSE and AVX untouched.
        CpuState w = SampleState();
        Assert.True(w.RestoreXsave(area, 1));
        Assert.Equal(s.GetYmm(9), w.GetYmm(9));
    }

    [Theory]
    [InlineData(512, 0x08)]        // XSTATE_BV names component 3 (not implemented)
    [InlineData(520, 0x01)]        // XCOMP_BV nonzero: compacted format is not supported
    [InlineData(528, 0x01)]        // header byte 16: reserved, must be zero
    [InlineData(26, 0x01)]         // MXCSR bit 16 while SSE is requested
    public void Xrstor_rejects_an_invalid_header_and_changes_nothing(int offset, byte value)
    {
        var area = new byte[832];
        SampleState().SaveXsave(area, 7);
        area[offset] |= value;
        var t = new CpuState();
        t.Fpu.ControlWord = 0x0F7F;

        Assert.False(t.RestoreXsave(area, 7));
        Assert.Equal(0x0F7F, t.Fpu.ControlWord);
        Assert.Equal(Vector256<byte>.Zero, t.GetYmm(0));
    }

    [Fact]
    public void Header_bytes_24_to_63_are_ignored_as_on_the_host()
    {
        var area = new byte[832];
        SampleState().SaveXsave(area, 7);
        area[512 + 30] = 1;
        area[512 + 63] = 1;
        Assert.True(new CpuState().RestoreXsave(area, 7));
    }

    [Fact]
    public void State_instructions_check_alignment_level_and_xgetbv_reports_xcr0()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        rig.WriteU64(CpuRig.DataVa, 0);
        rig.Load(a =>
        {
            a.xor(ecx, ecx);
            a.xgetbv();
            a.fxsave64(__[CpuRig.DataVa + 0x400]);
            a.mov(eax, 7);
            a.xor(edx, edx);
            a.xsave64(__[CpuRig.DataVa + 0x800]);
            a.xrstor64(__[CpuRig.DataVa + 0x800]);
            a.fxsave64(__[CpuRig.DataVa + 0x408]);        // misaligned: #GP
            a.syscall();
        });
        CpuExit exit = rig.RunToExit();
        Assert.Equal(CpuExitKind.GeneralProtection, exit.Kind);
        Assert.Equal(7UL, rig.S.Rax);                                // XCR0 at v3: x87 | SSE | AVX (xgetbv, then mov)
        Assert.Equal(7UL, rig.ReadU64(CpuRig.DataVa + 0x800 + 512)); // XSTATE_BV written by xsave64

        var gp = new CpuRig();
        gp.Load(a => { a.mov(ecx, 1); a.xgetbv(); a.syscall(); });
        Assert.Equal(CpuExitKind.GeneralProtection, gp.RunToExit().Kind); // only XCR0 exists

        foreach (CpuLevel level in new[] { CpuLevel.V1, CpuLevel.V2 })
        {
            var low = new CpuRig();
            low.Load(a => { a.xor(ecx, ecx); a.xgetbv(); a.syscall(); });
            var cpu = new Core.Cpu.Cpu(low.Mmu, new CpuOptions { Level = level });
            low.S.CopyTo(cpu.State);
            Assert.Equal(CpuExitKind.InvalidOpcode, cpu.Run(10).Kind);  // no XSAVE in CPUID below v3
        }
    }

    /// <summary>
    /// FXSAVE64/FXSAVE of a state loaded with FRSTOR, and XRSTOR64 of an x87 image (then FNSAVE), on
    /// the host and on the emulator: FCW, FSW, the abridged tags, the registers in ST order and their
    /// zeroed reserved bytes, and what XRSTOR loads (or initialises for XSTATE_BV = 0) must agree. The
    /// pointer fields (this AMD host zeroes them), MXCSR_MASK and XMM contents are not compared.
    /// </summary>
    [GccFact]
    public void Fxsave_and_xrstor_agree_with_the_host_processor()
    {
        byte[] io = new byte[0xC00];
        // FRSTOR image at 0: FCW 027F, FSW TOP = 5 with C0, tags: R5 valid, R6 zero, R7 special (denormal).
        BinaryPrimitives.WriteUInt32LittleEndian(io, 0xFFFF_027F);
        BinaryPrimitives.WriteUInt32LittleEndian(io.AsSpan(4), 0xFFFF_2900);
        BinaryPrimitives.WriteUInt32LittleEndian(io.AsSpan(8), 0xFFFF_97FF);
        Ext80.One.Write(io.AsSpan(28));
        Ext80.PositiveZero.Write(io.AsSpan(38));
        new Ext80(0x0000_0000_0000_0001, 0x8000).Write(io.AsSpan(48));
        // XSAVE image at 0x480: x87 only (XSTATE_BV = 1): TOP = 2, R2 = π, R3 = −∞, MXCSR default.
        Span<byte> x = io.AsSpan(0x480);
        BinaryPrimitives.WriteUInt16LittleEndian(x, 0x0C7F);
        BinaryPrimitives.WriteUInt16LittleEndian(x[2..], 0x1000 | 0x4000);
        x[4] = 0b0000_1100;
        BinaryPrimitives.WriteUInt32LittleEndian(x[24..], 0x1F80);
        new Ext80(0xC90F_DAA2_2168_C235, 0x4000).Write(x[32..]);
        Ext80.NegativeInfinity.Write(x[48..]);
        BinaryPrimitives.WriteUInt64LittleEndian(x[512..], 1);
        // A second XSAVE image at 0x800 with XSTATE_BV = 0: XRSTOR initialises the x87 state.
        BinaryPrimitives.WriteUInt32LittleEndian(io.AsSpan(0x800 + 24), 0x1F80);

        Action<Iced.Intel.Assembler> body = a =>
        {
            a.frstor(__[rdi]);
            a.fxsave64(__[rdi + 0x80]);
            a.fxsave(__[rdi + 0x280]);
            a.mov(eax, 1);
            a.xor(edx, edx);
            a.xrstor64(__[rdi + 0x480]);
            a.fnsave(__[rdi + 0x700]);
            a.fld1();
            a.xrstor64(__[rdi + 0x800]);
            a.fnsave(__[rdi + 0x780]);
        };
        byte[] host = X87Probe.RunBlockOnHost(CpuRig.Assemble(a => { body(a); a.ret(); }, 0), io);

        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, CpuRig.DataVa, 1);
        Assert.Equal(Core.Errno.Ok, rig.Mm.WriteUser(CpuRig.DataVa, io, out _));
        rig.Load(a => { body(a); a.syscall(); });
        rig.S.Rdi = CpuRig.DataVa;
        rig.RunToSyscall();
        byte[] emu = new byte[io.Length];
        Assert.Equal(Core.Errno.Ok, rig.Mm.ReadUser(CpuRig.DataVa, emu, out _));

        Assert.Equal(0b1110_0000, host[0x80 + 4]);                                 // the host's abridged tags: R5..R7 in use
        Assert.Equal(0x0C7F, BinaryPrimitives.ReadUInt16LittleEndian(host.AsSpan(0x700))); // XRSTOR loaded the image's FCW
        Assert.Equal(0x037F, BinaryPrimitives.ReadUInt16LittleEndian(host.AsSpan(0x780))); // XSTATE_BV = 0: FNINIT state
        foreach (int image in new[] { 0x80, 0x280 })
        {
            Assert.Equal(host.AsSpan(image, 6).ToArray(), emu.AsSpan(image, 6).ToArray());          // FCW FSW FTW reserved
            Assert.Equal(host.AsSpan(image + 24, 4).ToArray(), emu.AsSpan(image + 24, 4).ToArray()); // MXCSR
            Assert.Equal(host.AsSpan(image + 32, 128).ToArray(), emu.AsSpan(image + 32, 128).ToArray()); // ST(0..7)
        }
        foreach (int save in new[] { 0x700, 0x780 })
        {
            Assert.Equal(host.AsSpan(save, 12).ToArray(), emu.AsSpan(save, 12).ToArray());          // FCW FSW FTW as loaded
            Assert.Equal(host.AsSpan(save + 28, 80).ToArray(), emu.AsSpan(save + 28, 80).ToArray()); // registers
        }
    }
}

using Emulator.Core.Cpu;
using Emulator.Tests.Mm;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu;

/// <summary>ENTER, XLATB, MOVBE, PUSHFQ/POPFQ and memory SHLD/SHRD in small programs.</summary>
public sealed class CpuMiscInstructionTests
{
    private const ulong Data = CpuRig.DataVa;

    [Fact]
    public void Enter_builds_the_frame_leave_takes_down()
    {
        var rig = new CpuRig();
        rig.Load(a =>
        {
            a.mov(rbp, 0x1234);
            a.enter(0x20, 0);
            a.mov(r8, rsp);
            a.mov(r9, rbp);
            a.mov(r10, __qword_ptr[rbp]);
            a.leave();
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(CpuRig.StackTop - 8, rig.S.R9);          // rbp = where the old rbp was pushed
        Assert.Equal(CpuRig.StackTop - 8 - 0x20, rig.S.R8);   // rsp = rbp − frame size
        Assert.Equal(0x1234UL, rig.S.R10);
        Assert.Equal(0x1234UL, rig.S.Rbp);                    // leave restored both
        Assert.Equal(CpuRig.StackTop, rig.S.Rsp);
    }

    [Fact]
    public void Enter_with_a_nesting_level_is_invalid_opcode_with_nothing_changed()
    {
        var rig = new CpuRig();
        rig.Load(a => a.enter(0x20, 1));

        CpuExit exit = rig.RunToExit();

        Assert.Equal(CpuExitKind.InvalidOpcode, exit.Kind);
        Assert.Equal(CpuRig.StackTop, rig.S.Rsp);
        Assert.Equal(CpuRig.CodeVa, rig.S.Rip);
    }

    [Fact]
    public void Enter_to_an_unfaulted_stack_page_faults_before_rbp_or_rsp_change()
    {
        var rig = new CpuRig();
        rig.Load(a => { a.mov(rbp, 0x1234); a.enter(0x20, 0); a.syscall(); });

        CpuExit exit = rig.Cpu.Run(10);

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(CpuRig.StackTop - 8, exit.FaultAddress);
        Assert.Equal(0x1234UL, rig.S.Rbp);
        Assert.Equal(CpuRig.StackTop, rig.S.Rsp);
        rig.RunToSyscall();
        Assert.Equal(CpuRig.StackTop - 8, rig.S.Rbp);
    }

    [Fact]
    public void Xlatb_looks_up_al_in_the_table_at_rbx()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        var table = new byte[256];
        for (int k = 0; k < 256; k++)
        {
            table[k] = (byte)(255 - k);
        }
        Assert.Equal(Core.Errno.Ok, rig.Mm.WriteUser(Data, table, out _));
        rig.Load(a =>
        {
            a.mov(rbx, Data);
            a.mov(rax, 0x1122_3344_5566_77F0);  // only AL indexes; the other bits are kept
            a.xlatb();
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(0x1122_3344_5566_770FUL, rig.S.Rax);
    }

    [Fact]
    public void Movbe_loads_and_stores_byte_reversed()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0x0102_0304_0506_0708);
        rig.Load(a =>
        {
            a.mov(rbx, Data);
            a.movbe(rax, __qword_ptr[rbx]);
            a.mov(rcx, -1L);
            a.movbe(cx, __word_ptr[rbx]);       // 16-bit: the upper 48 bits stay
            a.mov(edx, 0xAABB_CCDD);
            a.movbe(__dword_ptr[rbx + 8], edx);
            a.mov(r8, rcx);                      // syscall overwrites RCX
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(0x0807_0605_0403_0201UL, rig.S.Rax);
        Assert.Equal(0xFFFF_FFFF_FFFF_0807UL, rig.S.R8);
        Assert.Equal(0xDDCC_BBAAUL, rig.ReadU64(Data + 8));
    }

    [Fact]
    public void Popfq_writes_status_df_ac_and_id_but_not_tf_if_or_iopl()
    {
        const ulong TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, IOPL = 3 << 12, NT = 1 << 14, AC = 1 << 18, ID = 1 << 21;
        var rig = new CpuRig();
        rig.Load(a =>
        {
            a.mov(rax, (long)((ulong)RFlags.Status | TF | DF | IOPL | NT | AC | ID));   // IF clear
            a.push(rax);
            a.popfq();
            a.pushfq();
            a.pop(rbx);
            a.push(0);
            a.popfq();
            a.pushfq();
            a.pop(rdx);
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal((ulong)RFlags.Status | DF | AC | ID | IF | 2, rig.S.Rbx);
        Assert.Equal(IF | 2, rig.S.Rdx);
    }

    [Fact]
    public void Shld_and_shrd_on_memory_shift_the_stored_value()
    {
        var rig = new CpuRig();
        MmKit.MapAt(rig.Mm, Data, 1);
        rig.WriteU64(Data, 0x0000_0000_8000_0001);
        rig.Load(a =>
        {
            a.mov(rbx, Data);
            a.mov(eax, 0xF000_0000);
            a.shld(__dword_ptr[rbx], eax, 4);   // 0x8000_0001 → 0x0000_001F, CF = 0
            a.mov(ecx, 8);
            a.mov(rdx, 0xAB);
            a.shrd(__qword_ptr[rbx], rdx, cl);  // → 0xAB00_0000_0000_0000 | 0x1F >> 8 = 0
            a.syscall();
        });

        rig.RunToSyscall();

        Assert.Equal(0xAB00_0000_0000_0000UL, rig.ReadU64(Data));
    }
}

using System.Runtime.Versioning;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Kernel.Exec;
using Emulator.Core.Kernel.Fs;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>
/// Runs one single-threaded static guest on one vCPU with its file calls going to <see cref="FileSyscalls"/>
/// — the wiring the kernel will do — plus exit, brk and getpid. Anything else is -ENOSYS; a call that
/// would block fails the test (there is no other thread to wake it).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class FsGuestRunner
{
    public static (int ExitCode, string Stdout) Run(byte[] file, string[] argv, GuestFileSystem fs)
    {
        var machine = new Machine(new MachineOptions { RamSize = 128UL << 20 });
        Assert.True(ElfImage.TryParse(file, out var elf, out var error), error.ToString());
        var options = ProcessImage.OptionsFor(elf!, new AddressSpaceOptions { Mode = machine.Options.Paging });
        Assert.True(AddressSpace.TryCreate(machine.Frames, options, out var mm));
        Assert.Equal(Errno.Ok, ProcessImage.Load(mm!, elf!, file, argv, ["HOME=/"], out var loaded));
        var vcpu = new Vcpu(0, machine.Memory, machine.Options.Paging, machine.Frames, new CodeCache(machine.Memory), CpuLevel.V3);
        mm!.AttachCpu(vcpu.Mmu);
        vcpu.Mmu.LoadCr3(mm.RootPa);
        vcpu.Mmu.FlushAll();
        var s = vcpu.Cpu.State;
        s.Rip = loaded!.Entry;
        s.Rsp = loaded.StackPointer;
        var ctx = new TestFsContext(mm, new FsContext(fs.InitialWorkingDirectory()), mapScratch: false);
        var stdout = new MemoryStream();
        ctx.Files.Install(new ConsoleFile(Stream.Null, null, -1, FsAbi.ORdOnly, "/dev/null"), false);
        ctx.Files.Install(new ConsoleFile(null, stdout, -1, FsAbi.OWrOnly, "pipe:[1]"), false);
        ctx.Files.Install(new ConsoleFile(null, stdout, -1, FsAbi.OWrOnly, "pipe:[1]"), false);
        var calls = new FileSyscalls(fs);
        for (long budget = 50_000_000; budget > 0;)
        {
            long before = vcpu.Cpu.InstructionsRetired;
            var exit = vcpu.Cpu.Run(1_000_000);
            budget -= vcpu.Cpu.InstructionsRetired - before;
            ctx.NowNanoseconds += vcpu.Cpu.InstructionsRetired - before;
            switch (exit.Kind)
            {
                case CpuExitKind.BudgetExhausted:
                    continue;
                case CpuExitKind.PageFault:
                    Assert.True(mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch) == FaultResult.Resolved, $"guest crashed: {exit}");
                    continue;
                case CpuExitKind.Syscall:
                    break;
                default:
                    Assert.Fail($"guest crashed: {exit}");
                    break;
            }
            ulong nr = s.Rax;
            ctx.BeginCall();
            if (!calls.TryHandle(nr, s.Rdi, s.Rsi, s.Rdx, s.R10, s.R8, s.R9, ctx, out long r))
            {
                switch (nr)
                {
                    case 60 or 231:
                        return ((int)(s.Rdi & 0xff), System.Text.Encoding.Latin1.GetString(stdout.ToArray()));
                    case 12:
                        r = (long)mm.Brk(s.Rdi);
                        break;
                    case 39:
                        r = ctx.Pid;
                        break;
                    default:
                        r = -(long)Errno.ENOSYS;
                        break;
                }
            }
            Assert.False(FileSyscalls.IsBlocked(r), $"system call {nr} blocked a single-threaded guest");
            s.Rax = (ulong)r;
        }
        Assert.Fail("the guest did not finish");
        return default;
    }
}

using System.Text;
using Emulator.Cli;
using Emulator.Core;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Kernel.Sys;

/// <summary><c>emulator boot --guest FILE</c>: the guest's output, the summary, and the exit status a
/// shell sees.</summary>
public class GuestCommandTests
{
    private static readonly MachineOptions Small = new() { RamSize = 64UL << 20 };

    private static (int Rc, string Out, string Report) Run(byte[] elf, params string[] argv)
    {
        var stdout = new MemoryStream();
        var report = new StringWriter();
        int rc = GuestCommand.Run(elf, argv, Small, report, stdout, Stream.Null);
        return (rc, Encoding.UTF8.GetString(stdout.ToArray()), report.ToString());
    }

    [Fact]
    public void The_exit_status_is_the_guests_and_the_summary_follows_its_output()
    {
        var elf = GuestRig.Asm(a =>
        {
            var msg = a.CreateLabel();
            a.mov(edi, 1);
            a.lea(rsi, __[msg]);
            a.mov(edx, 3);
            a.mov(eax, 1);
            a.syscall();
            a.mov(edi, 42);
            a.mov(eax, 231);
            a.syscall();
            a.Label(ref msg);
            a.db("hi\n"u8.ToArray());
        });

        var (rc, output, report) = Run(elf, "hi");

        Assert.Equal(42, rc); // exit_group(42)
        Assert.Equal("hi\n", output);
        Assert.Contains("instructions", report);
        Assert.Contains("MIPS", report);
        Assert.Contains("ATC invalidations", report);
        Assert.Contains("oracle: coherent", report);
        Assert.Contains("pid 1 (hi): exit 42", report);
    }

    [Fact]
    public void A_crash_exits_128_plus_the_signal_with_the_report()
    {
        var elf = GuestRig.Asm(a =>
        {
            a.xor(eax, eax);
            a.mov(__qword_ptr[rax], 1); // store to address 0
        });

        var (rc, _, report) = Run(elf, "crash");

        Assert.Equal(128 + 11, rc); // SIGSEGV, as a shell reports it
        Assert.Contains("SIGSEGV", report);
        Assert.Contains("address=0", report);
    }

    [Fact]
    public void A_malformed_executable_exits_2_with_the_loaders_message()
    {
        var elf = GuestRig.Asm(a => a.nop());
        elf[18] = 3; // e_machine: not x86-64

        var (rc, output, report) = Run(elf, "bad");

        Assert.Equal(2, rc);
        Assert.Equal("", output);
        Assert.Contains("malformed ELF: e_machine", report);
    }

    [Fact]
    public void The_builtin_guest_passes_every_check_and_stays_coherent()
    {
        var (rc, output, report) = Run(BuiltinGuest.Build(), "builtin");

        Assert.True(rc == 0, $"exit {rc}: {output}\n{report}"); // the exit status is the number of failed checks
        Assert.Equal(BuiltinGuest.Passed, output);
        Assert.Contains("pid 2 (builtin): exit 0", report); // the forked child's checks passed too
        Assert.Contains("oracle: coherent", report); // no DMA through a stale translation after munmap/mremap/COW
        Assert.DoesNotContain(" 0 ATC invalidations", report); // munmap and the COW breaks invalidated the device's ATC
    }

    [Fact]
    public void A_missing_file_exits_3()
    {
        int rc = GuestCommand.Run("/nonexistent/guest", [], Small, new StringWriter(), Stream.Null, Stream.Null);

        Assert.Equal(3, rc); // the environment failed (issue 14's exit-code scheme), not the command line
    }
}

using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Smmu;

/// <summary>The command queue: consumption with wrap, CERROR_ILL / CERROR_ABT / CERROR_ATC_INV_SYNC and
/// recovery, ATC_INV and SYNC reaching the backend, the CMD_SYNC MSI.</summary>
public sealed class SmmuCmdqTests
{
    private static readonly Command Illegal = new(0x7F, 0);   // a Reserved opcode

    [Fact]
    public void Commands_are_consumed_synchronously_and_cons_wraps()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(cmdqLog2: 2);   // four entries

        rig.Submit(Command.CfgiAll(), Command.TlbiNhAll(), Command.Sync(SyncCs.None, 0, 0));
        Assert.Equal(3u, rig.CmdqCons.Index);                      // all consumed before the PROD write returned
        Assert.False(rig.CmdqCons.Wrap);

        rig.Submit(Command.TlbiNhAsid(5), Command.PrefetchConfig(1), Command.Sync(SyncCs.None, 0, 0));
        Assert.Equal(rig.CmdqProd.Raw, rig.CmdqCons.Raw);          // empty again
        Assert.Equal(2u, rig.CmdqCons.Index);                      // 6 mod 4
        Assert.True(rig.CmdqCons.Wrap);                            // wrapped once
        Assert.Equal(2, rig.Smmu.CommandCount(CommandOpcode.Sync));
        Assert.Equal(6, rig.Smmu.TotalCommandCount);
    }

    [Fact]
    public void Nothing_is_consumed_while_cmdqen_is_clear_and_enabling_runs_the_queue()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(cr0: Cr0.SmmuEnBit);
        rig.Submit(Command.TlbiNhAll());
        Assert.Equal(0u, rig.CmdqCons.Index);                      // queue disabled
        rig.Write32(R.Cr0, Cr0.SmmuEnBit | Cr0.CmdqEnBit);
        Assert.Equal(1u, rig.CmdqCons.Index);                      // consumed on enable
    }

    [Fact]
    public void An_illegal_command_stops_the_queue_with_cerror_ill_until_acknowledged()
    {
        var rig = new SmmuRig();
        int gerrorIrqs = 0;
        rig.Smmu.GErrorInterrupt = () => gerrorIrqs++;

        rig.Submit(Command.TlbiNhAll(), Illegal, Command.Sync(SyncCs.None, 0, 0));

        Assert.Equal(1u, rig.CmdqCons.Index);                      // CONS points at the bad command
        Assert.Equal(CommandError.Illegal, rig.CmdqCons.Error);    // CMDQ_CONS.ERR = CERROR_ILL
        Assert.Equal(GError.CmdqErr, rig.ActiveGErrors);           // GERROR.CMDQ_ERR toggled
        Assert.Equal(1, gerrorIrqs);
        Assert.Equal(0, rig.Smmu.CommandCount(CommandOpcode.Sync)); // the SYNC behind it did not run

        rig.Write32(R.CmdqProd, rig.CmdqProd.Raw);                 // ringing again does nothing while the error is active
        Assert.Equal(1u, rig.CmdqCons.Index);

        // Linux arm_smmu_cmdq_skip_err: replace the command with CMD_SYNC, then acknowledge.
        rig.OverwriteCommand(1, Command.Sync(SyncCs.None, 0, 0));
        rig.Write32(R.GErrorN, rig.Read32(R.GError));

        Assert.Equal(0u, rig.ActiveGErrors);
        Assert.Equal(rig.CmdqProd.Raw, rig.CmdqCons.Raw);          // resumed and drained; ERR cleared
        Assert.Equal(2, rig.Smmu.CommandCount(CommandOpcode.Sync));
    }

    [Theory]
    [InlineData(0x02UL, 0UL)]                  // CMD_PREFETCH_ADDR: not accepted by this model
    [InlineData(0x44UL, 0UL)]                  // CMD_RESUME: no stall model
    [InlineData(0x28UL, 0UL)]                  // CMD_TLBI_S12_VMALL: no stage 2
    [InlineData(0x10UL | (1UL << 8), 0UL)]     // CMD_TLBI_NH_ALL with a reserved bit set
    [InlineData(0x46UL | (3UL << 12), 0UL)]    // CMD_SYNC with CS = 0b11 (Reserved)
    public void Malformed_or_unsupported_commands_are_cerror_ill(ulong word0, ulong word1)
    {
        var rig = new SmmuRig();
        rig.Submit(new Command(word0, word1));
        Assert.Equal(CommandError.Illegal, rig.CmdqCons.Error);
        Assert.Equal(0u, rig.CmdqCons.Index);
    }

    [Fact]
    public void A_command_queue_outside_ram_is_cerror_abt()
    {
        var rig = new SmmuRig(enable: false);
        rig.Enable(cmdqPa: 1UL << 30);   // 1 GiB: no RAM there
        rig.Write32(R.CmdqProd, 1);
        Assert.Equal(CommandError.Abort, rig.CmdqCons.Error);
        Assert.Equal(GError.CmdqErr, rig.ActiveGErrors);
    }

    [Fact]
    public void Atc_inv_reaches_the_backend_with_exact_fields()
    {
        var rig = new SmmuRig();
        rig.Submit(
            Command.AtcInv(sid: 0x12, ssid: 0x345, ssv: true, addr: 0x7F00_1234_5000, size: 3, global: true),
            Command.AtcInvAll(sid: 0x13, ssid: 0, ssv: false),
            Command.AtcInv(sid: 0x14, ssid: 9, ssv: false, addr: 0x8000, size: 0, global: true));

        Assert.Equal(
        [
            // 4 KiB × 2^3 = 32 KiB span, address aligned down to it (§4.5.1)
            new AtcInvalidation(0x12, 0x345, true, 0x7F00_1234_0000, 15),
            // SIZE 52 is everything; SSV 0 is a request without PASID
            new AtcInvalidation(0x13, AtcEntry.NoPasid, false, 0, AtcInvalidation.AllAddresses),
            // Global is IGNORED without SSV
            new AtcInvalidation(0x14, AtcEntry.NoPasid, false, 0x8000, 12),
        ], rig.Backend.Invalidations);
        Assert.Empty(rig.Backend.SyncTimeouts);   // no CMD_SYNC yet: nothing waited for
    }

    [Fact]
    public void Sync_waits_for_atc_invalidations_with_the_configured_timeout_and_only_when_needed()
    {
        var rig = new SmmuRig(new SmmuOptions { SyncTimeout = TimeSpan.FromMilliseconds(250) });
        rig.Submit(Command.Sync(SyncCs.None, 0, 0));
        Assert.Empty(rig.Backend.SyncTimeouts);   // nothing outstanding: the backend is not asked

        rig.Submit(Command.AtcInvAll(1, 2, true), Command.Sync(SyncCs.None, 0, 0), Command.Sync(SyncCs.None, 0, 0));
        Assert.Equal([TimeSpan.FromMilliseconds(250)], rig.Backend.SyncTimeouts);   // one wait, for the one invalidation
    }

    [Fact]
    public void A_sync_timeout_is_cerror_atc_inv_sync_at_the_sync_and_a_retry_completes()
    {
        var rig = new SmmuRig();
        rig.Backend.TimeOut = true;
        rig.Submit(Command.AtcInvAll(1, 2, true), Command.Sync(SyncCs.None, 0, 0));

        Assert.Equal(CommandError.AtcInvSync, rig.CmdqCons.Error);
        Assert.Equal(1u, rig.CmdqCons.Index);                 // CONS at the CMD_SYNC
        Assert.Equal(GError.CmdqErr, rig.ActiveGErrors);

        rig.Backend.TimeOut = false;                          // the device answers at last
        rig.Write32(R.GErrorN, rig.Read32(R.GError));         // acknowledge: the SYNC runs again
        Assert.Equal(rig.CmdqProd.Raw, rig.CmdqCons.Raw);
        Assert.Equal(2, rig.Backend.SyncTimeouts.Count);      // it waited again rather than forgetting the invalidation
    }

    [Fact]
    public void Sync_with_sig_irq_writes_msidata_to_msiaddr()
    {
        var rig = new SmmuRig();
        ulong msiPa = rig.AllocFrame() + 0x40;
        rig.Submit(Command.Sync(SyncCs.Irq, msiPa, 0xCAFE_F00D));
        Assert.True(rig.Memory.TryReadU64(msiPa, out ulong word));
        Assert.Equal(0xCAFE_F00DUL, word);                  // a 32-bit write: the upper half untouched (0)

        rig.Submit(Command.Sync(SyncCs.Sev, msiPa, 0x1234)); // SIG_SEV: MSI fields IGNORED
        Assert.True(rig.Memory.TryReadU32(msiPa, out uint after));
        Assert.Equal(0xCAFE_F00Du, after);
    }

    [Fact]
    public void Linux_msi_polling_sync_clears_its_own_first_word()
    {
        var rig = new SmmuRig();
        // Linux points MSIADDR at the CMD_SYNC itself with MSIDATA 0 and polls for the word to clear.
        ulong syncPa = rig.CmdqPa + rig.CmdqProd.Index * (ulong)Command.Size;
        rig.Submit(Command.SyncAsLinux(syncPa));
        Assert.True(rig.Memory.TryReadU32(syncPa, out uint first));
        Assert.Equal(0u, first);
    }

    [Fact]
    public void A_failing_msi_write_raises_msi_cmdq_abt_err_and_the_queue_goes_on()
    {
        var rig = new SmmuRig();
        rig.Submit(Command.Sync(SyncCs.Irq, 1UL << 30, 1), Command.TlbiNhAll());
        Assert.Equal(GError.MsiCmdqAbtErr, rig.ActiveGErrors);
        Assert.Equal(rig.CmdqProd.Raw, rig.CmdqCons.Raw);
    }
}

using Emulator.Core.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>tests/guests/include/sva.h from ordinary glibc and musl programs (no -nostdlib): pthreads
/// sharing a PASID submit while the main thread unmaps, write-protects and moves the buffer under them,
/// then a fork + exec with the device file open binds and submits in the new image. The oracle must
/// stay coherent.</summary>
public sealed class SvaLibcTests
{
    [ToolTheory("gcc:gcc", "musl-gcc:musl-tools")]
    [InlineData("glibc", 1, 1UL)]
    [InlineData("glibc", 3, 9UL)]
    [InlineData("musl", 2, 4UL)]
    public void Threads_share_a_pasid_and_an_exec_child_binds_through_the_inherited_file(string libc, int vcpus, ulong seed)
    {
        string exe = LibcBuild.Build("sva-pthreads", libc, "-I " + Path.Combine(GuestGcc.GuestsDir, "include"));
        var rig = new GuestRig(new GuestKernelOptions { Vcpus = vcpus, Seed = seed });

        var r = rig.Run(File.ReadAllBytes(exe), [exe], ["LC_ALL=C"]);

        Assert.True(r.Init!.ShellStatus == 0, $"{rig.Out}\n{rig.Err}\n{string.Join("\n", r.Processes)}");
        Assert.Equal("bound: ok\nthreads: 0 failures\nchild: bound ok, crc ok\nchild exit: 0\n", rig.Out);
        Assert.True(rig.Machine.SmmuDriver!.Stats.Commands(Core.Smmu.CommandOpcode.AtcInv) > 0); // the unmaps reached the device
        rig.AssertCoherent();
    }
}

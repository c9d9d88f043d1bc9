using System.Globalization;
using Emulator.Core.Kernel.Devices;
using static Emulator.Tests.Kernel.KernelRig;

namespace Emulator.Tests.Kernel;

/// <summary>tests/guests/include (sva.h, sys.h) compiles for freestanding guests, and a host build of
/// sva.h agrees with the C# side on every number and offset.</summary>
public class GuestHeaderTests
{
    private static string IncludeDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "guests", "include");
            if (File.Exists(Path.Combine(candidate, "sva.h")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("tests/guests/include not found above " + AppContext.BaseDirectory);
    }

    [GccFact]
    public void A_freestanding_guest_using_every_wrapper_compiles_and_loads()
    {
        const string guest = """
            #include "sys.h"
            #include "sva.h"
            static struct sva_completion comp __attribute__((aligned(32)));
            void _start(void)
            {
                long fd = sys_openat(AT_FDCWD, "/dev/sva0", O_RDWR, 0);
                long pasid = sys_ioctl(fd, SVA_BIND, 0);
                long buf = sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                struct sva_desc d = { .op = SVA_OP_FILL, .dst = (uint64_t)buf, .len = 4096, .pattern = 0x42, .completion = (uint64_t)&comp };
                long rc = sys_ioctl(fd, SVA_SUBMIT, (unsigned long)&d);
                struct timespec ts;
                sys_clock_gettime(CLOCK_MONOTONIC, &ts);
                if (sys_fork() == 0)
                    sys_exit(0);
                int st;
                sys_wait4(-1, &st, 0, 0);
                sys_madvise((void *)buf, 4096, MADV_DONTNEED);
                sys_mprotect((void *)buf, 4096, PROT_READ);
                sys_mremap((void *)buf, 4096, 8192, MREMAP_MAYMOVE, 0);
                sys_brk(0);
                sys_getpid();
                char c;
                sys_read(0, &c, 1);
                sys_write(1, "x", 1);
                sys_munmap((void *)buf, 4096);
                sys_close(fd);
                sys_exit_group(rc == 0 && comp.status == SVA_STATUS_SUCCESS && pasid > 0 ? 0 : 1);
            }
            """;

        var (file, _) = Gcc.Compile(guest, $"{Gcc.StaticFlags} -std=c11 -Wall -Wextra -Werror -I {IncludeDir()}"); // the _Static_asserts in sva.h hold

        var elf = Parse(file);
        Load(NewMm(NewMachine(), elf), elf, file, ["guest"], []);
    }

    [GccFact]
    public void The_C_header_and_the_CSharp_side_agree_on_every_number_and_offset()
    {
        const string probe = """
            #include <stdio.h>
            #include <stddef.h>
            #include "sva.h"
            int main(void)
            {
                printf("%x %x %zu %zu\n", (unsigned)SVA_BIND, (unsigned)SVA_SUBMIT, sizeof(struct sva_desc), sizeof(struct sva_completion));
                printf("%zu %zu %zu %zu %zu %zu %zu %zu\n", offsetof(struct sva_desc, op), offsetof(struct sva_desc, flags),
                    offsetof(struct sva_desc, src), offsetof(struct sva_desc, dst), offsetof(struct sva_desc, len),
                    offsetof(struct sva_desc, pattern), offsetof(struct sva_desc, completion), offsetof(struct sva_desc, reserved));
                printf("%zu %zu %zu %zu %zu %zu %zu\n", offsetof(struct sva_completion, status), offsetof(struct sva_completion, fault_reason),
                    offsetof(struct sva_completion, fault_flags), offsetof(struct sva_completion, reserved),
                    offsetof(struct sva_completion, bytes_completed), offsetof(struct sva_completion, fault_addr), offsetof(struct sva_completion, result));
                printf("%u %u %u %u %u %u %u %u\n", SVA_OP_COPY, SVA_OP_FILL, SVA_OP_COMPARE, SVA_OP_CRC32C,
                    SVA_STATUS_NONE, SVA_STATUS_SUCCESS, SVA_STATUS_PAGE_FAULT, SVA_STATUS_INVALID);
                printf("%d %d %d %d %d %d %d %d\n", SVA_FAULT_NO_TRANSLATION, SVA_FAULT_PAGE_REQUEST_REFUSED, SVA_FAULT_PAGE_REQUEST_FAILED,
                    SVA_FAULT_ATS_UNSUPPORTED, SVA_FAULT_ABORT, SVA_FAULT_INVALID_PASID, SVA_FAULT_TRANSLATION, SVA_FAULT_WRITE);
                printf("%d %d %d %d %d %d %d %d %llx\n", SVA_INVALID_OP, SVA_INVALID_FLAGS, SVA_INVALID_LEN, SVA_INVALID_SRC, SVA_INVALID_DST,
                    SVA_INVALID_PATTERN, SVA_INVALID_RESERVED, SVA_INVALID_OVERLAP, (unsigned long long)SVA_MAX_LEN);
                return 0;
            }
            """;
        var (_, exe) = Gcc.Compile(probe, $"-O0 -I {IncludeDir()}", "probe");

        string[] lines = Gcc.Run(exe, "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{SvaAbi.Bind:x} {SvaAbi.Submit:x} {SvaDescriptor.Size} {SvaCompletion.Size}"), lines[0]);
        Assert.Equal(string.Join(' ', SvaDescriptor.OffsetOp, SvaDescriptor.OffsetFlags, SvaDescriptor.OffsetSrc, SvaDescriptor.OffsetDst,
            SvaDescriptor.OffsetLen, SvaDescriptor.OffsetPattern, SvaDescriptor.OffsetCompletion, SvaDescriptor.OffsetReserved0), lines[1]);
        Assert.Equal(string.Join(' ', SvaCompletion.OffsetStatus, SvaCompletion.OffsetFaultReason, SvaCompletion.OffsetFaultFlags, SvaCompletion.OffsetReserved,
            SvaCompletion.OffsetBytesCompleted, SvaCompletion.OffsetFaultAddr, SvaCompletion.OffsetResult), lines[2]);
        Assert.Equal(string.Join(' ', (uint)SvaOp.Copy, (uint)SvaOp.Fill, (uint)SvaOp.Compare, (uint)SvaOp.Crc32C,
            (uint)SvaStatus.None, (uint)SvaStatus.Success, (uint)SvaStatus.PageFault, (uint)SvaStatus.Invalid), lines[3]);
        Assert.Equal(string.Join(' ', (int)SvaFaultReason.NoTranslation, (int)SvaFaultReason.PageRequestRefused, (int)SvaFaultReason.PageRequestFailed,
            (int)SvaFaultReason.AtsUnsupported, (int)SvaFaultReason.Abort, (int)SvaFaultReason.InvalidPasid, (int)SvaFaultReason.TranslationFault,
            SvaCompletion.FaultWrite), lines[4]);
        Assert.Equal(string.Join(' ', (ulong)SvaInvalidReason.Op, (ulong)SvaInvalidReason.Flags, (ulong)SvaInvalidReason.Length, (ulong)SvaInvalidReason.Source,
            (ulong)SvaInvalidReason.Destination, (ulong)SvaInvalidReason.Pattern, (ulong)SvaInvalidReason.Reserved, (ulong)SvaInvalidReason.Overlap,
            SvaAbi.MaxLength.ToString("x", CultureInfo.InvariantCulture)), lines[5]);
    }
}

namespace Emulator.Tests.Trace;

/// <summary>One case a line: <c>INPUT | EXPECTED</c>. Each INPUT is parsed as line 5 of a trace whose
/// first four lines are <see cref="Preamble"/>. EXPECTED is the canonical text
/// the statement writes back as, <c>=</c> when that is INPUT itself, or <c>error COL: MESSAGE</c> for
/// the single error expected at line 5, column COL. <c>#</c> lines are comments; an INPUT cannot
/// hold <c>#</c> (it would be a trace comment) — comment handling is tested in TraceFileTests.</summary>
internal static class TraceLineCases
{
    public const string Preamble = "trace 1\nprocess p\nprocess q\ndevice d sid=1 ats pri\n";

    public const string Table = """
        # --- set-up ---------------------------------------------------------------------------
        process r                                    | =
        process p                                    | error 9: process 'p' already declared at line 2
        process R                                    | error 9: invalid name 'R': names match [a-z][a-z0-9_]*
        process 9a                                   | error 9: invalid name '9a': names match [a-z][a-z0-9_]*
        process a_9                                  | =
        process                                      | error 8: missing NAME (usage: process NAME)
        process r s                                  | error 11: unexpected 's'
        device e sid=2                               | =
        device e sid=0x2 pasid-bits=20 pri ats       | device e sid=2 ats pri pasid-bits=20
        device e ats                                 | error 13: missing sid=N (usage: device NAME sid=N [ats] [pri] [pasid-bits=N])
        device e sid=1                               | error 10: sid 1 already used by device 'd'
        device d sid=2                               | error 8: device 'd' already declared at line 4
        device e sid=2 ats ats                       | error 20: duplicate device option 'ats'
        device e sid=2 sid=3                         | error 16: duplicate device option 'sid'
        device e sid=2 pasid-bits=21                 | error 16: pasid-bits must be 1..20, got 21
        device e sid=2 pasid-bits=0                  | error 16: pasid-bits must be 1..20, got 0
        device e sid=0x1_0000_0000                   | error 10: sid must be 0..65535 (the SMMU's StreamIDs are 16 bits), got 4294967296
        device e sid=0x10000                         | error 10: sid must be 0..65535 (the SMMU's StreamIDs are 16 bits), got 65536
        device e sid=0xffff                          | device e sid=65535
        device e sid=2 iommu                         | error 16: unknown device option 'iommu' (usage: device NAME sid=N [ats] [pri] [pasid-bits=N])
        machine ram=1G                               | error 1: 'machine' must come before every statement but 'trace'
        trace 1                                      | error 1: 'trace' may only be the first statement
        frobnicate p                                 | error 1: unknown statement 'frobnicate'
        # --- bind / unbind ----------------------------------------------------------------------
        bind d p                                     | =
        unbind d p => error EINVAL                   | =
        bind e p                                     | error 6: unknown device 'e'
        bind d x                                     | error 8: unknown process 'x'
        bind d                                       | error 7: missing PROC (usage: bind DEV PROC)
        bind d p => ok                               | bind d p
        bind d p =>                                  | error 12: missing RESULT after '=>'
        bind d p => maybe                            | error 13: invalid result 'maybe': expected ok, any, fault, error NAME or a pattern
        bind d p => error                            | error 18: missing errno NAME after 'error'
        bind d p => error EFOO                       | error 19: unknown errno 'EFOO'
        bind d p => error Ok                         | error 19: unknown errno 'Ok'
        bind d p => error 22                         | error 19: unknown errno '22'
        bind d p => error einval                     | error 19: unknown errno 'einval'
        bind d p => error ENOMEM extra               | error 26: unexpected 'extra'
        bind d p => zero                             | error 13: a pattern result is allowed only for 'read' and 'dma ... read', not 'bind'
        bind d p ok                                  | error 10: unexpected 'ok'
        # --- numbers and sizes ------------------------------------------------------------------
        mmap p 0x1000 4K rw                          | mmap p 0x1000 0x1000 rw
        mmap p 4096 0x1_000 r                        | mmap p 0x1000 0x1000 r
        mmap p 0x7fff_0000_0000 2M rwx shared        | mmap p 0x7fff00000000 0x200000 rwx shared
        mmap p 0 1G none                             | mmap p 0x0 0x40000000 none
        mmap p 0x10 0x4K wr                          | mmap p 0x10 0x1000 rw
        mmap p 0x10 16G xr                           | mmap p 0x10 0x400000000 rx
        mmap p 0x1000 4k rw                          | error 15: invalid size '4k'
        mmap p 0x1000 4T rw                          | error 15: invalid size '4T'
        mmap p 0x1000 K rw                           | error 15: invalid size 'K'
        mmap p 4K 4K rw                              | error 8: invalid number '4K'
        mmap p _1 4K rw                              | error 8: invalid number '_1'
        mmap p 0x 4K rw                              | error 8: invalid number '0x'
        mmap p 0xg 4K rw                             | error 8: invalid number '0xg'
        mmap p 18446744073709551615 1 r              | mmap p 0xffffffffffffffff 0x1 r
        mmap p 18446744073709551616 1 r              | error 8: number '18446744073709551616' does not fit in 64 bits
        mmap p 0x1_0000_0000_0000_0000 1 r           | error 8: number '0x1_0000_0000_0000_0000' does not fit in 64 bits
        mmap p 0 17179869184G r                      | error 10: size '17179869184G' does not fit in 64 bits
        mmap p 0 17179869183G r                      | mmap p 0x0 0xffffffffc0000000 r
        mmap p 0 16777215G r                         | mmap p 0x0 0x3fffffc0000000 r
        mmap p 0x1000 4K rwr                         | error 18: invalid protection 'rwr': r, w and x each at most once, or 'none'
        mmap p 0x1000 4K rn                          | error 18: invalid protection 'rn': r, w and x each at most once, or 'none'
        mmap p 0x1000 4K R                           | error 18: invalid protection 'R': r, w and x each at most once, or 'none'
        mmap p 0x1000 4K                             | error 17: missing PROT (usage: mmap PROC ADDR SIZE PROT [shared])
        mmap p 0x1000 4K rw private                  | error 21: unexpected 'private'
        mmap p 0x1000 4K rw => error EEXIST          | mmap p 0x1000 0x1000 rw => error EEXIST
        mmap	p	0x1000	4K	rw                      | mmap p 0x1000 0x1000 rw
        # --- the other mm calls ----------------------------------------------------------------
        munmap p 0x1000 8K                           | munmap p 0x1000 0x2000
        munmap p 0x1000                              | error 16: missing SIZE (usage: munmap PROC ADDR SIZE)
        mprotect p 0x1000 0x1000 none => error ENOMEM| mprotect p 0x1000 0x1000 none => error ENOMEM
        madvise p 0x1000 0x1000 dontneed             | =
        madvise p 0x1000 0x1000 willneed             | error 25: unsupported advice 'willneed' (v1 knows only 'dontneed')
        mremap p 0x1000 4K 8K                        | mremap p 0x1000 0x1000 0x2000
        mremap p 0x1000 4K 8K to=0x10000             | mremap p 0x1000 0x1000 0x2000 to=0x10000
        mremap p 0x1000 4K 8K to=1M                  | error 23: invalid number '1M'
        mremap p 0x1000 4K 8K at=0x10000             | error 23: unexpected 'at=0x10000'
        brk p 0x602000                               | =
        brk p 0x602000 => any                        | =
        fork p c                                     | =
        fork p q                                     | error 8: process 'q' already declared at line 3
        fork x c                                     | error 6: unknown process 'x'
        exit q                                       | =
        exit q now                                   | error 8: unexpected 'now'
        migrate p 0x1000 4K                          | migrate p 0x1000 0x1000
        # --- memory accesses and patterns ------------------------------------------------------
        write p 0x1000 4K zero                       | write p 0x1000 0x1000 zero
        write p 0x1000 4K byte:0xff                  | write p 0x1000 0x1000 byte:255
        write p 0x1000 4K byte:256                   | error 19: byte pattern value must be 0..255, got 256
        write p 0x1000 4K seq32                      | write p 0x1000 0x1000 seq32
        write p 0x1000 4K seq32:0                    | write p 0x1000 0x1000 seq32
        write p 0x1000 4K seq32:16                   | write p 0x1000 0x1000 seq32:0x10
        write p 0x1000 4K seq32:0x1_0000_0000        | error 19: seq32 base must fit in 32 bits, got 4294967296
        write p 0x1000 4K rand:42                    | write p 0x1000 0x1000 rand:42
        write p 0x1000 4K rand:                      | error 19: invalid number ''
        write p 0x1000 4 hex:DEADbeef                | write p 0x1000 0x4 hex:deadbeef
        write p 0x1000 8 hex:deadbeef                | error 18: hex pattern has 4 bytes but SIZE is 8
        write p 0x1000 2 hex:abc                     | error 18: hex pattern needs an even, non-zero number of hex digits, got 3
        write p 0x1000 2 hex:                        | error 18: hex pattern needs an even, non-zero number of hex digits, got 0
        write p 0x1000 2 hex:de-d                    | error 18: invalid hex digits '-d' in hex pattern
        write p 0x1000 2 hex:0x12                    | error 18: invalid hex digits '0x' in hex pattern
        write p 0x1000 4K ones                       | error 19: invalid pattern 'ones': expected zero, byte:N, seq32[:BASE], hex:BYTES or rand:SEED
        write p 0x1000 4K byte                       | error 19: invalid pattern 'byte': expected zero, byte:N, seq32[:BASE], hex:BYTES or rand:SEED
        write p 0x1000 4K                            | error 18: missing PATTERN (usage: write PROC ADDR SIZE PATTERN)
        write p 0x1000 4K zero => fault              | write p 0x1000 0x1000 zero => fault
        write p 0x1000 4K zero => zero               | error 27: a pattern result is allowed only for 'read' and 'dma ... read', not 'write'
        read p 0x1000 4K                             | read p 0x1000 0x1000
        read p 0x1000 4K => seq32:7                  | read p 0x1000 0x1000 => seq32:0x7
        read p 0x1000 2 => hex:0102                  | read p 0x1000 0x2 => hex:0102
        read p 0x1000 3 => hex:0102                  | error 20: hex pattern has 2 bytes but SIZE is 3
        read p 0x1000 4K => byte:999                 | error 21: byte pattern value must be 0..255, got 999
        read p 0x1000 4K => fault                    | read p 0x1000 0x1000 => fault
        dma d p read 0x1000 4K                       | dma d p read 0x1000 0x1000
        dma d p read 0x1000 4K => rand:1             | dma d p read 0x1000 0x1000 => rand:1
        dma d p write 0x1000 4K byte:1 => fault      | dma d p write 0x1000 0x1000 byte:1 => fault
        dma d p write 0x1000 4K byte:1 => byte:1     | error 35: a pattern result is allowed only for 'read' and 'dma ... read', not 'dma'
        dma d p write 0x1000 4K                      | error 24: missing PATTERN (usage: dma DEV PROC read ADDR SIZE | dma DEV PROC write ADDR SIZE PATTERN)
        dma d p copy 0x1000 4K                       | error 9: expected 'read' or 'write', got 'copy'
        dma d p                                      | error 8: missing read|write (usage: dma DEV PROC read ADDR SIZE | dma DEV PROC write ADDR SIZE PATTERN)
        dma e p read 0x1000 4K                       | error 5: unknown device 'e'
        # --- checks ------------------------------------------------------------------------------
        expect atc d p 0x1000 present                | =
        expect atc d p 0x1000 absent                 | =
        expect atc d p 0x1000 maybe                  | error 23: expected 'present' or 'absent', got 'maybe'
        expect atc d p 0x1000                        | error 22: missing present|absent (usage: expect atc DEV PROC ADDR present|absent)
        expect atc d p 0x1000 present => ok          | error 31: unexpected '=>'
        expect count atc-inv == 3                    | =
        expect count stale >= 0x10                   | expect count stale >= 16
        expect count dma-fault <= 0                  | =
        expect count tlbi = 1                        | error 19: invalid comparison '=': expected ==, >= or <=
        expect count tlbi != 1                       | error 19: invalid comparison '!=': expected ==, >= or <=
        expect count misses == 1                     | error 14: unknown counter 'misses'; valid names: atc-inv, tlbi, cfgi, sync, pri, dma-fault, cpu-fault, event, stale
        expect count sync ==                         | error 21: missing N (usage: expect count NAME OP N)
        expect count                                 | error 13: missing NAME (usage: expect count NAME OP N)
        expect iotlb d p 0x1000 present              | error 8: expected 'atc' or 'count' after 'expect', got 'iotlb'
        expect                                       | error 7: missing 'atc' or 'count' after 'expect'
        """;

    public static IEnumerable<(int TableLine, string Input, string Expected)> Cases()
    {
        string[] lines = Table.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int bar = line.IndexOf('|');
            yield return (i + 1, line[..bar].TrimEnd(), line[(bar + 1)..].Trim());
        }
    }
}

using System.Globalization;
using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>
/// Command encodings as data, one case a line, in the manner of Iced's test files: the factory call on
/// the left of <c>=&gt;</c>, the two words computed by hand on the right, and the hand computation in the
/// <c>#</c> comment above. A failing case is reported with its line number.
/// </summary>
/// <remarks>
/// The table lives in a C# raw string rather than a .txt file beside it because the test project does
/// not copy data files to its output; moving it out needs one <c>&lt;None CopyToOutputDirectory&gt;</c>
/// line in Emulator.Tests.csproj. Field positions are Linux <c>arm-smmu-v3.h</c>:
/// OP 7:0, SSV 11, SSID 31:12, SID 63:32, VMID 47:32, ASID 63:48, NUM 16:12, SCALE 24:20, ATC GLOBAL 9;
/// word 1 LEAF 0, RANGE 4:0, TTL 9:8, TG 11:10, VA/ADDR 63:12, ATC SIZE 5:0, GRPID 8:0, PRI RESP 13:12,
/// STAG 15:0, MSIADDR 51:2; SYNC CS 13:12, MSH 23:22, MSIATTR 27:24, MSIDATA 63:32.
/// </remarks>
internal static class CommandEncodingCases
{
    public const string Table = """
        # ---- CMD_PREFETCH_CONFIG (0x01) ----
        # op 0x01 | sid 0x1234<<32
        prefetch_config sid=0x1234 => 0x0000123400000001 0x0000000000000000
        # op 0x01 | SSV 0x800 | ssid 3<<12 = 0x3000 | sid 7<<32
        prefetch_config sid=7 ssid=3 ssv=1 => 0x0000000700003801 0x0000000000000000

        # ---- CMD_CFGI_STE (0x03) ----
        # op 0x03 | sid 0x100<<32; word 1 LEAF
        cfgi_ste sid=0x100 leaf=1 => 0x0000010000000003 0x0000000000000001
        # op 0x03 | sid 0xffffffff<<32; not leaf
        cfgi_ste sid=0xffffffff leaf=0 => 0xffffffff00000003 0x0000000000000000

        # ---- CMD_CFGI_STE_RANGE / CMD_CFGI_ALL (0x04) ----
        # op 0x04 | sid 0x200<<32; RANGE 7 (256 StreamIDs)
        cfgi_ste_range sid=0x200 range=7 => 0x0000020000000004 0x0000000000000007
        # Linux CMDQ_OP_CFGI_ALL: op 0x04, sid 0; RANGE 31
        cfgi_all => 0x0000000000000004 0x000000000000001f

        # ---- CMD_CFGI_CD (0x05) ----
        # op 0x05 | ssid 0xfffff<<12 = 0xfffff000 | sid 0x12<<32; LEAF
        cfgi_cd sid=0x12 ssid=0xfffff leaf=1 => 0x00000012fffff005 0x0000000000000001
        # op 0x05 | sid 3<<32
        cfgi_cd sid=3 ssid=0 leaf=0 => 0x0000000300000005 0x0000000000000000

        # ---- CMD_CFGI_CD_ALL (0x06) ----
        # op 0x06 | sid 0xabcd<<32
        cfgi_cd_all sid=0xabcd => 0x0000abcd00000006 0x0000000000000000

        # ---- CMD_TLBI_NH_ALL (0x10) ----
        tlbi_nh_all => 0x0000000000000010 0x0000000000000000
        # op 0x10 | vmid 5<<32
        tlbi_nh_all vmid=5 => 0x0000000500000010 0x0000000000000000

        # ---- CMD_TLBI_NH_ASID (0x11) ----
        # op 0x11 | asid 0x42<<48
        tlbi_nh_asid asid=0x42 => 0x0042000000000011 0x0000000000000000
        # op 0x11 | vmid 0x1234<<32 | asid 0xffff<<48
        tlbi_nh_asid asid=0xffff vmid=0x1234 => 0xffff123400000011 0x0000000000000000

        # ---- CMD_TLBI_NH_VA (0x12) ----
        # op 0x12 | asid 7<<48; LEAF | va 0x7fff12345678 & 63:12 = 0x7fff12345000
        tlbi_nh_va asid=7 va=0x7fff12345678 leaf=1 => 0x0007000000000012 0x00007fff12345001
        # range form: op 0x12 | num 3<<12 = 0x3000 | scale 2<<20 = 0x200000 | asid 1<<48; TG 1<<10 = 0x400 | va 0x40000000
        tlbi_nh_va asid=1 va=0x40000000 leaf=0 vmid=0 num=3 scale=2 ttl=0 tg=1 => 0x0001000000203012 0x0000000040000400
        # leaf hint: op 0x12 | asid 0x10<<48; LEAF 1 | TTL 3<<8 = 0x300 | TG 1<<10 = 0x400 | va 0xffff800000001000
        tlbi_nh_va asid=0x10 va=0xffff800000001000 leaf=1 vmid=0 num=0 scale=0 ttl=3 tg=1 => 0x0010000000000012 0xffff800000001701

        # ---- CMD_TLBI_NH_VAA (0x13) ----
        tlbi_nh_vaa va=0x1000 leaf=0 => 0x0000000000000013 0x0000000000001000
        # op 0x13 | num 31<<12 = 0x1f000 | scale 31<<20 = 0x1f00000 | vmid 9<<32; LEAF | TTL 2<<8 = 0x200 | TG 3<<10 = 0xc00 | va 0x200000
        tlbi_nh_vaa va=0x200000 leaf=1 vmid=9 num=31 scale=31 ttl=2 tg=3 => 0x0000000901f1f013 0x0000000000200e01

        # ---- CMD_TLBI_EL2_ALL (0x20), CMD_TLBI_S12_VMALL (0x28), CMD_TLBI_NSNH_ALL (0x30) ----
        tlbi_el2_all => 0x0000000000000020 0x0000000000000000
        # op 0x28 | vmid 0xffff<<32
        tlbi_s12_vmall vmid=0xffff => 0x0000ffff00000028 0x0000000000000000
        tlbi_nsnh_all => 0x0000000000000030 0x0000000000000000

        # ---- CMD_ATC_INV (0x40) ----
        # op 0x40 | SSV 0x800 | ssid 5<<12 = 0x5000 | sid 0x12<<32; size 0 | addr 0x7000
        atc_inv sid=0x12 ssid=5 ssv=1 addr=0x7000 size=0 global=0 => 0x0000001200005840 0x0000000000007000
        # as above | GLOBAL 1<<9 = 0x200
        atc_inv sid=0x12 ssid=5 ssv=1 addr=0x7000 size=0 global=1 => 0x0000001200005a40 0x0000000000007000
        # op 0x40 | sid 1<<32; size 52 = 0x34 (all)
        atc_inv sid=1 ssid=0 ssv=0 addr=0 size=52 global=0 => 0x0000000100000040 0x0000000000000034
        # op 0x40 | SSV | ssid 0xabcde<<12 = 0xabcde000 | sid 2<<32; size 3 | addr 0x123456789abc & 63:12 = 0x123456789000
        atc_inv sid=2 ssid=0xabcde ssv=1 addr=0x123456789abc size=3 global=0 => 0x00000002abcde840 0x0000123456789003
        # AtcInvAll: op 0x40 | SSV | ssid 9<<12 = 0x9000 | sid 4<<32; size 52
        atc_inv_all sid=4 ssid=9 ssv=1 => 0x0000000400009840 0x0000000000000034

        # ---- AtcInvRange: arm_smmu_atc_inv_to_cmd; pages s..e, span 2^fls(s^e) pages at s rounded down ----
        # pages 5..5: s^e = 0, fls 0 -> size 0, addr 0x5000
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x5000 end=0x6000 => 0x0000000100000040 0x0000000000005000
        # pages 8..11: 8^11 = 0b11, fls 2 -> size 2, addr 8<<12 = 0x8000 (already the ideal range)
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x8000 end=0xc000 => 0x0000000100000040 0x0000000000008002
        # pages 7..10: 7^10 = 0b1101, fls 4 -> 16 pages, 7 & ~15 = 0 -> size 4, addr 0
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x7000 end=0xb000 => 0x0000000100000040 0x0000000000000004
        # pages 3..4: 3^4 = 0b111, fls 3 -> 8 pages [0, 7] -> size 3, addr 0
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x3000 end=0x5000 => 0x0000000100000040 0x0000000000000003
        # two pages across the 2 MiB boundary, 0x1ff..0x200: 0x1ff^0x200 = 0x3ff, fls 10 -> 1024 pages (4 MiB),
        # 0x1ff & ~0x3ff = 0 -> size 10 = 0xa, addr 0
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x1ff000 end=0x201000 => 0x0000000100000040 0x000000000000000a
        # one 2 MiB page, pages 0x200..0x3ff: xor 0x1ff, fls 9 -> size 9, addr 0x200000
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x200000 end=0x400000 => 0x0000000100000040 0x0000000000200009
        # sub-page range 0x1234..0x1235: page 1 -> size 0, addr 0x1000
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x1234 end=0x1235 => 0x0000000100000040 0x0000000000001000
        # 1 GiB at 0x7f0000000000: pages 0x7f0000000..0x7f003ffff, xor 0x3ffff, fls 18 -> size 18 = 0x12, addr 0x7f0000000000
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x7f0000000000 end=0x7f0040000000 => 0x0000000100000040 0x00007f0000000012
        # [0, 2^64 - 4 KiB): pages 0..0xffffffffffffe, fls 52 -> size 52, addr 0
        atc_inv_range sid=1 ssid=0 ssv=0 start=0 end=0xfffffffffffff000 => 0x0000000100000040 0x0000000000000034
        # the last page: end 0 wraps to 2^64; pages 0xfffffffffffff..same -> size 0, addr 0xfffffffffffff000
        atc_inv_range sid=1 ssid=0 ssv=0 start=0xfffffffffffff000 end=0 => 0x0000000100000040 0xfffffffffffff000
        # start 0, end 0: Linux size 0, the whole space -> size 52, addr 0
        atc_inv_range sid=1 ssid=0 ssv=0 start=0 end=0 => 0x0000000100000040 0x0000000000000034
        # any zero-length range is Linux size 0 too -> whole space
        atc_inv_range sid=1 ssid=0 ssv=0 start=0x5000 end=0x5000 => 0x0000000100000040 0x0000000000000034
        # with a PASID: same words as the single-page atc_inv above
        atc_inv_range sid=0x12 ssid=5 ssv=1 start=0x7000 end=0x8000 => 0x0000001200005840 0x0000000000007000

        # ---- CMD_PRI_RESP (0x41) ----
        # op 0x41 | SSV | ssid 0x20<<12 = 0x20000 | sid 0x10<<32; grpid 0x1ff | RESP 2<<12 = 0x2000
        pri_resp sid=0x10 ssid=0x20 ssv=1 grpid=0x1ff resp=Success => 0x0000001000020841 0x00000000000021ff
        # op 0x41 | sid 0x10<<32; grpid 3 | RESP 0
        pri_resp sid=0x10 ssid=0 ssv=0 grpid=3 resp=ResponseFailure => 0x0000001000000041 0x0000000000000003
        # grpid 0 | RESP 1<<12 = 0x1000
        pri_resp sid=0x10 ssid=0 ssv=0 grpid=0 resp=InvalidRequest => 0x0000001000000041 0x0000000000001000

        # ---- CMD_RESUME (0x44) ----
        # op 0x44 | RESP 1<<12 = 0x1000 (Ac) | sid 0x55<<32; STAG 0xbeef
        resume sid=0x55 stag=0xbeef resp=Retry => 0x0000005500001044 0x000000000000beef
        # RESP 2<<12 = 0x2000 (Ab)
        resume sid=0x55 stag=1 resp=Abort => 0x0000005500002044 0x0000000000000001
        resume sid=0 stag=0 resp=Terminate => 0x0000000000000044 0x0000000000000000

        # ---- CMD_SYNC (0x46) ----
        # op 0x46 | CS SEV 2<<12 = 0x2000 | MSH 3<<22 = 0xc00000 | MSIATTR 0xf<<24 = 0xf000000
        sync cs=Sev msiaddr=0 msidata=0 => 0x000000000fc02046 0x0000000000000000
        # op 0x46 | CS IRQ 0x1000 | 0xc00000 | 0xf000000 | msidata 0xcafe<<32; msiaddr 0x80001000
        sync cs=Irq msiaddr=0x80001000 msidata=0xcafe => 0x0000cafe0fc01046 0x0000000080001000
        # every field explicit and zero
        sync cs=None msiaddr=0 msidata=0 msh=0 msiattr=0 => 0x0000000000000046 0x0000000000000000
        # msiaddr all ones & 51:2 = 0x000ffffffffffffc; msidata 0xffffffff<<32
        sync cs=Irq msiaddr=0xffffffffffffffff msidata=0xffffffff msh=3 msiattr=15 => 0xffffffff0fc01046 0x000ffffffffffffc
        # Linux arm_smmu_cmdq_build_sync_cmd without MSI polling: SEV, MSH ISH, MSIATTR OIWB
        sync_linux msiaddr=0 => 0x000000000fc02046 0x0000000000000000
        # with MSI polling: IRQ, msidata 0, msiaddr = the CMD_SYNC's own slot
        sync_linux msiaddr=0x90000040 => 0x000000000fc01046 0x0000000090000040
        """;

    /// <summary>Every case line with its 1-based line number in <see cref="Table"/>.</summary>
    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        string[] lines = Table.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length != 0 && !line.StartsWith('#'))
            {
                data.Add(i + 1, line);
            }
        }
        return data;
    }

    /// <summary>Parses one case: the command its factory call builds and the two expected words.</summary>
    public static (Command Built, ulong Word0, ulong Word1) Parse(string line)
    {
        string[] sides = line.Split("=>");
        if (sides.Length != 2)
        {
            throw new FormatException($"expected 'factory args => word0 word1': {line}");
        }
        string[] call = sides[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] words = sides[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var args = new Args(call);
        Command built = Build(call[0], args);
        args.CheckAllUsed();
        return (built, ParseNumber(words[0]), ParseNumber(words[1]));
    }

    private static Command Build(string factory, Args a) => factory switch
    {
        "prefetch_config" when a.Has("ssv") => Command.PrefetchConfig(a.U32("sid"), a.U32("ssid"), a.Bool("ssv")),
        "prefetch_config" => Command.PrefetchConfig(a.U32("sid")),
        "cfgi_ste" => Command.CfgiSte(a.U32("sid"), a.Bool("leaf")),
        "cfgi_ste_range" => Command.CfgiSteRange(a.U32("sid"), a.Int("range")),
        "cfgi_all" => Command.CfgiAll(),
        "cfgi_cd" => Command.CfgiCd(a.U32("sid"), a.U32("ssid"), a.Bool("leaf")),
        "cfgi_cd_all" => Command.CfgiCdAll(a.U32("sid")),
        "tlbi_nh_all" when a.Has("vmid") => Command.TlbiNhAll(a.U16("vmid")),
        "tlbi_nh_all" => Command.TlbiNhAll(),
        "tlbi_nh_asid" when a.Has("vmid") => Command.TlbiNhAsid(a.U16("asid"), a.U16("vmid")),
        "tlbi_nh_asid" => Command.TlbiNhAsid(a.U16("asid")),
        "tlbi_nh_va" when a.Has("tg") => Command.TlbiNhVa(a.U16("asid"), a.U64("va"), a.Bool("leaf"), a.U16("vmid"),
            a.Int("num"), a.Int("scale"), a.Int("ttl"), a.Int("tg")),
        "tlbi_nh_va" => Command.TlbiNhVa(a.U16("asid"), a.U64("va"), a.Bool("leaf")),
        "tlbi_nh_vaa" when a.Has("tg") => Command.TlbiNhVaa(a.U64("va"), a.Bool("leaf"), a.U16("vmid"),
            a.Int("num"), a.Int("scale"), a.Int("ttl"), a.Int("tg")),
        "tlbi_nh_vaa" => Command.TlbiNhVaa(a.U64("va"), a.Bool("leaf")),
        "tlbi_el2_all" => Command.TlbiEl2All(),
        "tlbi_s12_vmall" => Command.TlbiS12Vmall(a.U16("vmid")),
        "tlbi_nsnh_all" => Command.TlbiNsnhAll(),
        "atc_inv" => Command.AtcInv(a.U32("sid"), a.U32("ssid"), a.Bool("ssv"), a.U64("addr"), a.Int("size"), a.Bool("global")),
        "atc_inv_all" => Command.AtcInvAll(a.U32("sid"), a.U32("ssid"), a.Bool("ssv")),
        "atc_inv_range" => Command.AtcInvRange(a.U32("sid"), a.U32("ssid"), a.Bool("ssv"), a.U64("start"), a.U64("end")),
        "pri_resp" => Command.PriResp(a.U32("sid"), a.U32("ssid"), a.Bool("ssv"), a.U16("grpid"), a.Enum<PriResponse>("resp")),
        "resume" => Command.Resume(a.U32("sid"), a.U16("stag"), a.Enum<ResumeResponse>("resp")),
        "sync" when a.Has("msh") => Command.Sync(a.Enum<SyncCs>("cs"), a.U64("msiaddr"), a.U32("msidata"), a.Int("msh"), a.Int("msiattr")),
        "sync" => Command.Sync(a.Enum<SyncCs>("cs"), a.U64("msiaddr"), a.U32("msidata")),
        "sync_linux" => Command.SyncAsLinux(a.U64("msiaddr")),
        _ => throw new FormatException($"unknown factory '{factory}'"),
    };

    private static ulong ParseNumber(string text) => text.StartsWith("0x", StringComparison.Ordinal)
        ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : ulong.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>The <c>name=value</c> arguments of one call; every argument must be used, so a typo fails.</summary>
    private sealed class Args
    {
        private readonly Dictionary<string, string> _values = new();
        private readonly HashSet<string> _used = new();

        public Args(string[] call)
        {
            for (int i = 1; i < call.Length; i++)
            {
                string[] kv = call[i].Split('=');
                _values.Add(kv[0], kv[1]);
            }
        }

        public bool Has(string name) => _values.ContainsKey(name);

        private string Get(string name)
        {
            _used.Add(name);
            return _values.TryGetValue(name, out string? v) ? v : throw new FormatException($"missing argument '{name}'");
        }

        public ulong U64(string name) => ParseNumber(Get(name));
        public uint U32(string name) => checked((uint)U64(name));
        public ushort U16(string name) => checked((ushort)U64(name));
        public int Int(string name) => checked((int)U64(name));
        public bool Bool(string name) => U64(name) != 0;
        public T Enum<T>(string name) where T : struct, Enum => System.Enum.Parse<T>(Get(name));

        public void CheckAllUsed()
        {
            foreach (string key in _values.Keys)
            {
                if (!_used.Contains(key))
                {
                    throw new FormatException($"argument '{key}' is not used by the factory");
                }
            }
        }
    }
}

// atc_core: the reference device ATC (Address Translation Cache) of the board: ENTRIES translations,
// fully associative, tagged by SID and PASID, with the Global bit and ranged (S = 1) spans, and the
// insert and invalidation rules of the emulator's C# model (emulator/Emulator.Core/Pcie/Atc.cs).
//
// This module is the plug-in point for a device under test: the protocol engine uses only the
// interface below, so an ATC of your own with the same ports (and the same completion rule) can replace
// it. See hw/README.md §The ATC interface.
//
// Rules (PCIe Base §10.2.3 Translation Completion, §10.3.1 Invalidate Request; SMMUv3 §4.5.1):
//   * An entry maps [va, va + 2^size) to [pa, ...), size 12..63, va and pa aligned; G only with a PASID.
//   * Fill (an ATS Translation Completion the endpoint caches): first removes every entry of the same
//     SID and scope - the PASID's own non-global entries (the untagged ones for no PASID), or the global
//     ones - that overlaps the new span ("the latest translation wins"), then writes the new entry into a
//     free slot, or over the oldest entry (FIFO by insertion age, across all SIDs) when none is free.
//   * Invalidate [address aligned down to 2^size, + 2^size) (size 64: everything) of one SID removes every
//     selected entry overlapping it, a ranged entry whole: no PASID -> every entry; PASID + Global ->
//     every entry requested with a PASID, global ones included; PASID alone -> that PASID's non-global
//     entries. Each invalidation is answered by exactly one completion carrying its itag, after the
//     entries are gone (the Invalidate Completion).
//   * Lookup: the SID and PASID's own non-global entry covering va, else (with a PASID) a global one;
//     a hit needs every R/W/X right asked for and the same Privileged bit.
//   * Dump: the SID's entries, oldest insertion first, preceded by their count.
//
// Implementation: entries live in one RAM word each (block RAM on an iCE40), valid bits in flops.
// Every operation is one pass over the RAM, one entry per clock, through a 3-stage pipeline (address,
// compare, act), so an invalidation takes ENTRIES + 5 clocks: within the 40 byte-clocks of one ATC_INV
// frame up to 32 entries. Results keep only an entry's index; the entry a lookup or dump returns is read
// again afterwards (2 clocks). A dump takes (count + 1) passes. Commands are taken one at a time.
//
// Parameters:
//   ENTRIES_LOG2   log2 of the number of entries (ENTRIES = 2^ENTRIES_LOG2)
//   HAS_LOOKUP     0 drops OP_LOOKUP's logic (it then always misses): the wire protocol never looks up,
//                  so a small part can spend those cells elsewhere
// Ports:
//   clk, rst          synchronous, active high; rst empties the cache
//   cmd_valid/cmd_ready   one command; fields by op:
//     cmd_op [2:0]    OP_FILL, OP_INV, OP_RESET (empty everything), OP_DUMP, OP_LOOKUP
//     cmd_sid [31:0]  all but OP_RESET
//     cmd_pasid [31:0] 0xFFFFFFFF = no PASID, else < 2^20 (FILL, INV, LOOKUP)
//     cmd_global      FILL: the entry's G bit; INV: Global Invalidate (ignored without a PASID)
//     cmd_va [63:0]   FILL: span base; INV: any address in the span; LOOKUP: the address
//     cmd_size [6:0]  FILL: 12..63; INV: 12..64 (64 = all addresses)
//     cmd_pa [63:0]   FILL: translated base
//     cmd_perms [3:0] FILL: granted R(0) W(1) X(2) Priv(3); LOOKUP: needed
//     cmd_itag [15:0] INV: echoed by the completion
//   cpl_valid/cpl_ready, cpl_itag   one completion per OP_INV, after its entries are removed
//   rsp_valid/rsp_ready             OP_DUMP: RSP_COUNT then that many RSP_ENTRY beats; OP_LOOKUP: RSP_LOOKUP
//     rsp_kind [1:0], rsp_count [15:0], rsp_hit
//     rsp_pasid [31:0], rsp_size [5:0], rsp_perms [3:0], rsp_global, rsp_va [63:0],
//     rsp_pa [63:0]   (RSP_LOOKUP: the translated address of cmd_va on a hit)
//   busy_o           a command is in progress (its completion or responses not all taken)
module atc_core #(
    parameter integer ENTRIES_LOG2 = 5,
    parameter integer HAS_LOOKUP   = 1
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        cmd_valid,
    output wire        cmd_ready,
    input  wire [2:0]  cmd_op,
    input  wire [31:0] cmd_sid,
    input  wire [31:0] cmd_pasid,
    input  wire        cmd_global,
    input  wire [63:0] cmd_va,
    input  wire [6:0]  cmd_size,
    input  wire [63:0] cmd_pa,
    input  wire [3:0]  cmd_perms,
    input  wire [15:0] cmd_itag,
    output wire        cpl_valid,
    input  wire        cpl_ready,
    output wire [15:0] cpl_itag,
    output wire        rsp_valid,
    input  wire        rsp_ready,
    output wire [1:0]  rsp_kind,
    output wire [15:0] rsp_count,
    output wire        rsp_hit,
    output wire [31:0] rsp_pasid,
    output wire [5:0]  rsp_size,
    output wire [3:0]  rsp_perms,
    output wire        rsp_global,
    output wire [63:0] rsp_va,
    output wire [63:0] rsp_pa,
    output wire        busy_o
);
    localparam integer ENTRIES = 1 << ENTRIES_LOG2;
    localparam [2:0] OP_FILL = 3'd0, OP_INV = 3'd1, OP_RESET = 3'd2, OP_DUMP = 3'd3, OP_LOOKUP = 3'd4;
    localparam [1:0] RSP_COUNT = 2'd0, RSP_ENTRY = 2'd1, RSP_LOOKUP = 2'd2;
    localparam [1:0] SC_PASID = 2'd0, SC_GLOBAL = 2'd1, SC_TAGGED = 2'd2, SC_ALL = 2'd3;
    localparam [2:0] S_IDLE = 3'd0, S_SCAN = 3'd1, S_WRITE = 3'd2, S_CPL = 3'd3, S_RSP = 3'd4, S_FETCH = 3'd5,
                     S_PICK = 3'd6;

    // RAM word layout.
    localparam integer W = 252;
    `define E_SID(w)     w[31:0]
    `define E_NOPASID(w) w[32]
    `define E_PASID(w)   w[52:33]
    `define E_TAG(w)     w[52:32]
    `define E_GLOBAL(w)  w[53]
    `define E_SIZE(w)    w[59:54]
    `define E_PERMS(w)   w[63:60]
    `define E_VA(w)      w[115:64]
    `define E_LAST(w)    w[167:116]
    `define E_PA(w)      w[219:168]
    `define E_AGE(w)     w[251:220]

    reg [W-1:0] mem [0:ENTRIES-1];
    reg [W-1:0] rd_q;
    reg [ENTRIES-1:0] valid_q;

    reg [2:0]  state_q;
    reg [2:0]  op_q;
    reg [1:0]  scope_q;
    reg [31:0] sid_q;
    reg [20:0] tag_q;        // {pasid (0 without one), nopasid}
    reg        global_q;
    reg [5:0]  size_q;
    reg [3:0]  perms_q;
    reg [15:0] itag_q;
    reg [51:0] first_q, last_q, pa_q;
    reg [11:0] va_lo_q;
    reg [31:0] age_ctr_q;

    // The scan: stage A addresses the RAM, stage B compares the entry read, stage C acts on the result.
    reg [ENTRIES_LOG2-1:0] idx_a_q, idx_b_q, idx_c_q;
    reg a_active_q, b_valid_q, c_valid_q;
    reg c_used_q;            // the entry is valid
    reg c_mine_q;            // ... and of the command's SID
    reg c_remove_q;          // ... and overlapping, in the scope: a fill or invalidation removes it
    reg c_own_q;             // ... a lookup's own (non-global, same PASID) entry covering the address
    reg c_glob_q;            // ... a lookup's global entry covering the address
    reg [31:0] c_age_q;

    reg                    have_free_q, have_old_q;
    reg [ENTRIES_LOG2-1:0] free_idx_q, old_idx_q;
    reg [31:0]             old_age_q;
    reg                    counting_q;     // dump: the counting pass
    reg [15:0]             count_q;        // dump: entries counted / still to send
    reg [31:0]             last_age_q;     // dump: age of the entry sent last
    reg                    have_best_q;    // dump: the oldest entry not yet sent; lookup: the own entry
    reg [ENTRIES_LOG2-1:0] best_idx_q;
    reg [31:0]             best_age_q;
    reg                    have_glob_q;    // lookup: the global entry
    reg [ENTRIES_LOG2-1:0] glob_idx_q;
    reg                    found_q;        // lookup: rd_q holds the entry that serves it
    reg [1:0]              fetch_q;        // clocks until rd_q holds the fetched entry
    reg [1:0]              rsp_kind_q;

    // ---- stage B: the entry read last clock, compared with the command ----
    wire e_used    = b_valid_q && valid_q[idx_b_q];
    wire e_mine    = e_used && `E_SID(rd_q) == sid_q;
    wire e_overlap = (`E_VA(rd_q) <= last_q) && (`E_LAST(rd_q) >= first_q);
    reg  e_selected;
    always @(*) begin
        case (scope_q)
            SC_PASID:  e_selected = !`E_GLOBAL(rd_q) && (`E_TAG(rd_q) == tag_q);
            SC_GLOBAL: e_selected = `E_GLOBAL(rd_q);
            SC_TAGGED: e_selected = !`E_NOPASID(rd_q);
            default:   e_selected = 1'b1;
        endcase
    end
    wire scan_end = c_valid_q && (idx_c_q == ENTRIES[ENTRIES_LOG2-1:0] - 1'b1);

    // ---- the command as latched ----
    wire        c_nopasid = (cmd_pasid == 32'hFFFFFFFF);
    wire [63:0] c_mask64;
    size_mask u_mask (.size_i(cmd_size), .mask_o(c_mask64));
    wire [51:0] c_mask    = c_mask64[63:12];   // address bits 63:12 below 2^size
    wire [51:0] c_va_hi   = cmd_va[63:12];

    // ---- lookup result, from the fetched entry ----
    wire [3:0]  l_gr   = `E_PERMS(rd_q);
    wire        l_perm = ((l_gr ^ perms_q) & 4'b1000) == 4'd0 && (perms_q & ~l_gr) == 4'd0;
    wire [51:0] l_pa   = `E_PA(rd_q) | (first_q & (`E_LAST(rd_q) ^ `E_VA(rd_q)));

    // ---- the new entry of a fill ----
    wire [W-1:0] new_word = {age_ctr_q + 32'd1, pa_q, last_q, first_q, perms_q, size_q, global_q, tag_q, sid_q};
    wire [ENTRIES_LOG2-1:0] wr_idx = have_free_q ? free_idx_q : old_idx_q;

    always @(posedge clk) begin
        rd_q <= mem[idx_a_q];
        if (state_q == S_WRITE) mem[wr_idx] <= new_word;
    end

    task start_scan;
        begin
            state_q    <= S_SCAN;
            idx_a_q    <= {ENTRIES_LOG2{1'b0}};
            a_active_q <= 1'b1;
        end
    endtask

    task fetch;
        input [ENTRIES_LOG2-1:0] idx;
        begin
            state_q <= S_FETCH;
            idx_a_q <= idx;
            fetch_q <= 2'd2;
        end
    endtask

    always @(posedge clk) begin
        if (rst) begin
            state_q    <= S_IDLE;
            valid_q    <= {ENTRIES{1'b0}};
            a_active_q <= 1'b0;
            b_valid_q  <= 1'b0;
            c_valid_q  <= 1'b0;
            idx_a_q    <= {ENTRIES_LOG2{1'b0}};
            age_ctr_q  <= 32'd0;
        end else begin
            idx_b_q    <= idx_a_q;
            b_valid_q  <= a_active_q;
            idx_c_q    <= idx_b_q;
            c_valid_q  <= b_valid_q;
            c_used_q   <= e_used;
            c_mine_q   <= e_mine;
            c_remove_q <= e_mine && e_overlap && e_selected;
            c_own_q    <= HAS_LOOKUP != 0 && e_mine && e_overlap && !`E_GLOBAL(rd_q) && (`E_TAG(rd_q) == tag_q);
            c_glob_q   <= HAS_LOOKUP != 0 && e_mine && e_overlap && `E_GLOBAL(rd_q) && !tag_q[0];
            c_age_q    <= `E_AGE(rd_q);
            if (a_active_q) begin
                idx_a_q <= idx_a_q + 1'b1;
                if (idx_a_q == ENTRIES[ENTRIES_LOG2-1:0] - 1'b1) a_active_q <= 1'b0;
            end
            case (state_q)
                S_IDLE: if (cmd_valid) begin
                    op_q     <= cmd_op;
                    sid_q    <= cmd_sid;
                    tag_q    <= c_nopasid ? 21'd1 : {cmd_pasid[19:0], 1'b0};
                    global_q <= cmd_global && !c_nopasid;
                    size_q   <= cmd_size[5:0];
                    perms_q  <= cmd_perms;
                    itag_q   <= cmd_itag;
                    pa_q     <= cmd_pa[63:12];
                    va_lo_q  <= cmd_va[11:0];
                    first_q  <= c_va_hi & ~c_mask;
                    last_q   <= c_va_hi | c_mask;
                    if (cmd_op == OP_INV)
                        scope_q <= c_nopasid ? SC_ALL : (cmd_global ? SC_TAGGED : SC_PASID);
                    else
                        scope_q <= (cmd_global && !c_nopasid) ? SC_GLOBAL : SC_PASID;
                    have_free_q <= 1'b0;
                    have_old_q  <= 1'b0;
                    have_best_q <= 1'b0;
                    have_glob_q <= 1'b0;
                    found_q     <= 1'b0;
                    counting_q  <= 1'b1;
                    count_q     <= 16'd0;
                    last_age_q  <= 32'd0;
                    if (cmd_op == OP_RESET) valid_q <= {ENTRIES{1'b0}};
                    else start_scan();
                end
                S_SCAN: begin
                    if (c_valid_q && c_remove_q && (op_q == OP_FILL || op_q == OP_INV))
                        valid_q[idx_c_q] <= 1'b0;
                    if (op_q == OP_FILL && c_valid_q) begin
                        if (!have_free_q && (!c_used_q || c_remove_q)) begin
                            have_free_q <= 1'b1;
                            free_idx_q  <= idx_c_q;
                        end
                        if (c_used_q && !c_remove_q && (!have_old_q || c_age_q < old_age_q)) begin
                            have_old_q <= 1'b1;
                            old_idx_q  <= idx_c_q;
                            old_age_q  <= c_age_q;
                        end
                    end
                    if (op_q == OP_LOOKUP && c_valid_q) begin
                        if (c_own_q && !have_best_q) begin
                            have_best_q <= 1'b1;
                            best_idx_q  <= idx_c_q;
                        end
                        if (c_glob_q && !have_glob_q) begin
                            have_glob_q <= 1'b1;
                            glob_idx_q  <= idx_c_q;
                        end
                    end
                    if (op_q == OP_DUMP && c_valid_q && c_mine_q) begin
                        if (counting_q) count_q <= count_q + 16'd1;
                        else if (c_age_q > last_age_q && (!have_best_q || c_age_q < best_age_q)) begin
                            have_best_q <= 1'b1;
                            best_idx_q  <= idx_c_q;
                            best_age_q  <= c_age_q;
                        end
                    end
                    if (scan_end) begin
                        case (op_q)
                            OP_INV:  state_q <= S_CPL;
                            OP_FILL: state_q <= S_WRITE;
                            // The last entry's result lands this clock: pick the one to fetch next clock.
                            default: state_q <= S_PICK;
                        endcase
                    end
                end
                S_PICK: begin
                    if (op_q == OP_LOOKUP) begin
                        rsp_kind_q <= RSP_LOOKUP;
                        // The PASID's own entry wins over a global one.
                        found_q    <= have_best_q || have_glob_q;
                        if (have_best_q || have_glob_q) fetch(have_best_q ? best_idx_q : glob_idx_q);
                        else state_q <= S_RSP;
                    end else begin
                        rsp_kind_q <= counting_q ? RSP_COUNT : RSP_ENTRY;
                        if (counting_q) state_q <= S_RSP;
                        else fetch(best_idx_q);
                    end
                end
                S_FETCH: begin
                    fetch_q <= fetch_q - 2'd1;
                    if (fetch_q == 2'd1) state_q <= S_RSP;
                end
                S_WRITE: begin
                    valid_q[wr_idx] <= 1'b1;
                    age_ctr_q       <= age_ctr_q + 32'd1;
                    state_q         <= S_IDLE;
                end
                S_CPL: if (cpl_ready) state_q <= S_IDLE;
                default: if (rsp_ready) begin // S_RSP
                    if (op_q == OP_LOOKUP) begin
                        state_q <= S_IDLE;
                    end else begin
                        if (counting_q) begin
                            counting_q <= 1'b0;
                        end else begin
                            count_q    <= count_q - 16'd1;
                            last_age_q <= best_age_q;
                        end
                        have_best_q <= 1'b0;
                        if ((counting_q && count_q == 16'd0) || (!counting_q && count_q == 16'd1)) state_q <= S_IDLE;
                        else start_scan();
                    end
                end
            endcase
        end
    end

    assign cmd_ready  = (state_q == S_IDLE);
    assign cpl_valid  = (state_q == S_CPL);
    assign cpl_itag   = itag_q;
    assign rsp_valid  = (state_q == S_RSP);
    assign rsp_kind   = rsp_kind_q;
    assign rsp_count  = count_q;
    assign rsp_hit    = found_q && l_perm;
    assign rsp_pasid  = `E_NOPASID(rd_q) ? 32'hFFFFFFFF : {12'd0, `E_PASID(rd_q)};
    assign rsp_size   = `E_SIZE(rd_q);
    assign rsp_perms  = `E_PERMS(rd_q);
    assign rsp_global = `E_GLOBAL(rd_q);
    assign rsp_va     = {`E_VA(rd_q), 12'd0};
    assign rsp_pa     = (HAS_LOOKUP != 0 && rsp_kind_q == RSP_LOOKUP) ? {l_pa, va_lo_q} : {`E_PA(rd_q), 12'd0};
    assign busy_o     = (state_q != S_IDLE);

    `undef E_SID
    `undef E_NOPASID
    `undef E_PASID
    `undef E_TAG
    `undef E_GLOBAL
    `undef E_SIZE
    `undef E_PERMS
    `undef E_VA
    `undef E_LAST
    `undef E_PA
    `undef E_AGE
endmodule

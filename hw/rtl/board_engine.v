// board_engine: the board side of the wire protocol (docs/wire-protocol.md §The software board),
// between the frame receiver, the ATC and the transmit framer. It answers every request exactly as the
// software board (firmware-stubs/) does:
//   HELLO -> CAPS (another major -> ERROR version refused, then the session closes), HEARTBEAT echoed,
//   ATC_INV -> the ATC's invalidate (completion batched), SYNC -> SYNC_ACK, ATC_DUMP -> ATC_DUMP_REPLY,
//   ATC_FILL -> the ATC's fill (no reply), RESET -> ATC emptied + RESET_ACK, host NAK ignored, host ERROR
//   -> back to awaiting HELLO, requests before HELLO -> ERROR "HELLO expected before ...", BadCrc /
//   BadLength -> NAK(seq), unknown or board->host type -> NAK UnknownType, malformed payload -> NAK
//   BadPayload, a request in another major -> NAK UnsupportedVersion, over maxBatch / maxOutstanding ->
//   NAK Busy (not applied).
//
// The completion rule: each ATC_INV's itag, once the ATC has completed it, waits in the pending FIFO.
// Before any other reply the engine waits for the ATC to complete everything it was given ("drain"),
// then sends one INV_COMPLETE with every pending itag, then the reply: replies leave in the order of
// the requests, and a SYNC_ACK always follows the INV_COMPLETEs it covers. Pending itags are also sent
// when the host has nothing more to say (host_idle_i) - the hardware form of the stub's "end of a read".
//
// Throughput: an ATC_INV is taken from the receiver as soon as the ATC accepts a command, so a stream
// of ATC_INVs runs at line rate while the ATC completes one within a frame time (40 clocks).
//
// Parameters:
//   BOARD_ID [63:0]          CAPS boardId
//   ATC_ENTRIES_LOG2         log2 of the ATC's entries (CAPS atcEntries = atcWays = 2^this: fully associative)
//   MAX_BATCH                CAPS maxBatch, 1..65536
//   MAX_OUTSTANDING_LOG2     CAPS maxOutstanding = 2^this (the pending FIFO's depth), 1..14
// Ports:
//   clk, rst                 synchronous, active high
//   session_reset_i          a new connection: await HELLO, forget pending itags (ATC kept); only while !busy_o
//   host_idle_i              no host byte is waiting
//   evt_*                    frame events from frame_rx
//   cmd_* / cpl_* / rsp_*    the ATC interface (atc_core)
//   atc_busy_i               the ATC is working on a command
//   tx_start_* / pl_*        frames to frame_tx
//   hangup_o                 the session was refused: drop the connection (bytes are ignored until session_reset_i)
//   busy_o                   something is left to do
module board_engine #(
    parameter [63:0]  BOARD_ID             = 64'h4657_4741_0000_0001,
    parameter integer ATC_ENTRIES_LOG2     = 5,
    parameter integer MAX_BATCH            = 1024,
    parameter integer MAX_OUTSTANDING_LOG2 = 10
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         session_reset_i,
    input  wire         host_idle_i,
    input  wire         evt_valid,
    output reg          evt_ready,
    input  wire [1:0]   evt_kind,
    input  wire [7:0]   evt_major,
    input  wire [7:0]   evt_minor,
    input  wire [7:0]   evt_type,
    input  wire [31:0]  evt_seq,
    input  wire [16:0]  evt_len,
    input  wire [223:0] evt_head,
    input  wire         evt_name_ok,
    output reg          cmd_valid,
    input  wire         cmd_ready,
    output reg  [2:0]   cmd_op,
    output wire [31:0]  cmd_sid,
    output wire [31:0]  cmd_pasid,
    output wire         cmd_global,
    output wire [63:0]  cmd_va,
    output wire [6:0]   cmd_size,
    output wire [63:0]  cmd_pa,
    output wire [3:0]   cmd_perms,
    output wire [15:0]  cmd_itag,
    input  wire         cpl_valid,
    output wire         cpl_ready,
    input  wire [15:0]  cpl_itag,
    input  wire         rsp_valid,
    output reg          rsp_ready,
    input  wire [15:0]  rsp_count,
    input  wire [31:0]  rsp_pasid,
    input  wire [5:0]   rsp_size,
    input  wire [3:0]   rsp_perms,
    input  wire         rsp_global,
    input  wire [63:0]  rsp_va,
    input  wire [63:0]  rsp_pa,
    input  wire         atc_busy_i,
    output reg          tx_start_valid,
    input  wire         tx_start_ready,
    output reg  [7:0]   tx_start_type,
    output reg  [16:0]  tx_start_len,
    output wire         pl_valid,
    input  wire         pl_ready,
    output wire [7:0]   pl_data,
    input  wire         tx_busy_i,
    output wire         hangup_o,
    output wire         busy_o
);
    // Message types (docs/wire-protocol.md §Message types).
    localparam [7:0] T_HELLO = 8'h01, T_ATC_INV = 8'h02, T_SYNC = 8'h03, T_ATC_DUMP = 8'h04, T_RESET = 8'h05,
                     T_HEARTBEAT = 8'h06, T_ATC_FILL = 8'h07, T_CAPS = 8'h81, T_INV_COMPLETE = 8'h82,
                     T_SYNC_ACK = 8'h83, T_DUMP_REPLY = 8'h84, T_RESET_ACK = 8'h85, T_NAK = 8'hF0, T_ERROR = 8'hF1;
    localparam [7:0] NAK_BAD_CRC = 8'd1, NAK_BAD_LENGTH = 8'd2, NAK_UNKNOWN_TYPE = 8'd3,
                     NAK_UNSUPPORTED_VERSION = 8'd4, NAK_BUSY = 8'd5, NAK_BAD_PAYLOAD = 8'd6;
    localparam [1:0] EVT_FRAME = 2'd0, EVT_BAD_CRC = 2'd1;
    localparam [2:0] OP_FILL = 3'd0, OP_INV = 3'd1, OP_RESET = 3'd2, OP_DUMP = 3'd3;
    localparam [1:0] SS_AWAIT = 2'd0, SS_OPEN = 2'd1, SS_CLOSED = 2'd2;
    // What to send after the drain and flush.
    localparam [2:0] RK_NONE = 3'd0, RK_FIXED = 3'd1, RK_DUMP = 3'd2, RK_ERROR = 3'd3;
    // Engine states.
    localparam [4:0] S_IDLE = 5'd0, S_DRAIN = 5'd1, S_CLEAR = 5'd2, S_ATC_RESET = 5'd3, S_FLUSH = 5'd4,
                     S_FLUSH_PAY = 5'd5, S_REPLY = 5'd6, S_REPLY_PAY = 5'd7, S_DUMP_CMD = 5'd8,
                     S_DUMP_COUNT = 5'd9, S_DUMP_PAY = 5'd10, S_ERR_START = 5'd11, S_ERR_LEN = 5'd12,
                     S_ERR_PAY = 5'd13, S_DONE = 5'd14, S_ACT = 5'd15, S_CHECK = 5'd16;
    localparam [31:0] ATC_ENTRIES     = 32'd1 << ATC_ENTRIES_LOG2;
    localparam [31:0] MAX_BATCH32     = MAX_BATCH;
    localparam [16:0] MAX_OUTSTANDING = 17'd1 << MAX_OUTSTANDING_LOG2;
    // CAPS: boardId, major 1, minor 0, atcWays, atcEntries, maxBatch, maxOutstanding.
    localparam [15:0]  ATC_WAYS16 = 16'd1 << ATC_ENTRIES_LOG2;
    localparam [31:0]  MAX_OUTSTANDING32 = 32'd1 << MAX_OUTSTANDING_LOG2;
    // (Every field is sized; Verilator still sees the integer parameters behind them as unsized.)
    /* verilator lint_off WIDTHCONCAT */
    localparam [191:0] CAPS_CHUNK = {MAX_OUTSTANDING32, MAX_BATCH32, ATC_ENTRIES, ATC_WAYS16, 8'd0, 8'd1, BOARD_ID};
    /* verilator lint_on WIDTHCONCAT */

    function pasid_ok;        // < 2^20, or 0xFFFFFFFF (no PASID)
        input [31:0] pasid;
        pasid_ok = (pasid[31:20] == 12'd0) || (pasid == 32'hFFFFFFFF);
    endfunction

    // ---------------------------------------------------------------- state
    reg [4:0]   state_q;
    reg [1:0]   sess_q;
    reg [16:0]  since_sync_q;
    reg [16:0]  outstanding_q;
    reg [2:0]   rk_q;            // reply after the flush
    reg         clear_q;         // forget pending itags after the drain
    reg         atc_reset_q;     // empty the ATC after the drain
    reg         close_q;         // close the session after the reply
    reg [7:0]   rtype_q;         // RK_FIXED: type and length; payload CAPS, or rword_q's low rn_q bytes
    reg [16:0]  rlen_q;
    reg [63:0]  rword_q;
    reg [4:0]   rn_q;
    // The event's decoding, registered (S_IDLE -> S_ACT), so that no path runs from the receiver's
    // event through the decoder into the ATC, the receiver's ready or the transmitter in one clock.
    reg [2:0]   d_kind_q, d_rk_q;
    reg [7:0]   d_rtype_q;
    reg [16:0]  d_rlen_q;
    reg [63:0]  d_word_q;
    reg [4:0]   d_n_q;
    reg         d_clear_q, d_atc_reset_q, d_close_q, d_err_kind_q, d_sync_q;
    reg [1:0]   d_sess_q;
    reg [31:0]  dump_sid_q;
    reg         err_kind_q;
    reg [7:0]   err_type_q, err_major_q, err_minor_q;
    reg [31:0]  err_seq_q;
    // The payload being sent is a sequence of pieces, each read in place byte by byte (no copy):
    // a fixed reply (CAPS or rword_q), INV_COMPLETE's header then one piece per itag (the pending FIFO's
    // head), ATC_DUMP_REPLY's header then one piece per entry (the ATC's response, held until taken).
    localparam [2:0] P_NONE = 3'd0, P_FIXED = 3'd1, P_FLUSH_HDR = 3'd2, P_ITAG = 3'd3, P_DUMP_HDR = 3'd4, P_ENTRY = 3'd5;
    reg [2:0]   piece_q;
    reg [4:0]   bidx_q;          // byte of the piece
    reg [15:0]  dump_count_q;
    reg         src_err_q;       // payload comes from error_msg
    reg [16:0]  left_q;          // itags / dump entries still to load
    reg [16:0]  flushed_q;       // itags in the INV_COMPLETE being sent

    // ---------------------------------------------------------------- pending itags
    wire        fifo_out_valid;
    reg         fifo_pop;
    wire [15:0] fifo_out;
    wire [MAX_OUTSTANDING_LOG2:0] fifo_count;
    reg         fifo_clear;
    sync_fifo #(.WIDTH(16), .DEPTH_LOG2(MAX_OUTSTANDING_LOG2)) u_pending (
        .clk(clk), .rst(rst), .clear_i(fifo_clear),
        .in_valid(cpl_valid), .in_ready(cpl_ready), .in_data(cpl_itag),
        .out_valid(fifo_out_valid), .out_ready(fifo_pop), .out_data(fifo_out), .count_o(fifo_count)
    );

    // ---------------------------------------------------------------- ERROR payloads
    reg         err_start;
    wire        err_idle, err_len_valid, err_out_valid;
    wire [16:0] err_len;
    wire [7:0]  err_out;
    error_msg u_err (
        .clk(clk), .rst(rst), .start_i(err_start), .kind_i(err_kind_q), .type_i(err_type_q),
        .seq_i(err_seq_q), .major_i(err_major_q), .minor_i(err_minor_q), .idle_o(err_idle),
        .len_valid_o(err_len_valid), .len_o(err_len),
        .out_valid(err_out_valid), .out_ready(src_err_q && pl_ready), .out_data(err_out)
    );

    reg  [4:0]   piece_len;
    reg          piece_valid;
    reg  [7:0]   piece_byte;
    wire [191:0] entry_bytes = {rsp_pa, rsp_va, 8'd0, 7'd0, rsp_global, 4'd0, rsp_perms, 2'd0, rsp_size, rsp_pasid};
    wire [63:0]  small_bytes = (piece_q == P_FLUSH_HDR) ? {48'd0, flushed_q[15:0]}
                             : (piece_q == P_ITAG)      ? {48'd0, fifo_out}
                             : (piece_q == P_DUMP_HDR)  ? {16'd0, dump_count_q, dump_sid_q}
                             : rword_q;
    always @(*) begin
        case (piece_q)
            P_FIXED:     begin piece_len = rn_q;  piece_valid = 1'b1; end
            P_FLUSH_HDR: begin piece_len = 5'd4;  piece_valid = 1'b1; end
            P_ITAG:      begin piece_len = 5'd2;  piece_valid = fifo_out_valid; end
            P_DUMP_HDR:  begin piece_len = 5'd8;  piece_valid = 1'b1; end
            P_ENTRY:     begin piece_len = 5'd24; piece_valid = rsp_valid; end
            default:     begin piece_len = 5'd0;  piece_valid = 1'b0; end
        endcase
        if (piece_q == P_ENTRY)                          piece_byte = entry_bytes[8*bidx_q +: 8];
        else if (piece_q == P_FIXED && rtype_q == T_CAPS) piece_byte = CAPS_CHUNK[8*bidx_q +: 8];
        else                                             piece_byte = small_bytes[8*bidx_q[2:0] +: 8];
    end
    assign pl_valid = src_err_q ? err_out_valid : piece_valid;
    assign pl_data  = src_err_q ? err_out : piece_byte;
    wire   pl_beat    = !src_err_q && pl_ready && piece_valid;
    wire   piece_done = pl_beat && (bidx_q == piece_len - 5'd1);

    // ---------------------------------------------------------------- decoding the event
    wire [31:0] h_u32_0  = evt_head[31:0];
    wire [31:0] h_pasid  = evt_head[63:32];
    // ATC_INV: sid 0, pasid 4, address 8, itag 16, sizeLog2 18, flags 19.
    wire [7:0]  inv_size  = evt_head[151:144];
    wire [7:0]  inv_flags = evt_head[159:152];
    wire inv_ok = evt_len >= 17'd20 && pasid_ok(h_pasid) && inv_size >= 8'd12 && inv_size <= 8'd64
                  && inv_flags[7:1] == 7'd0;
    // ATC_FILL: sid 0, pasid 4, sizeLog2 8, perms 9, flags 10, reserved 11, va 12, pa 20.
    wire [7:0]  fill_size  = evt_head[71:64];
    wire [7:0]  fill_perms = evt_head[79:72];
    wire [7:0]  fill_flags = evt_head[87:80];
    wire [7:0]  fill_rsvd  = evt_head[95:88];
    wire [63:0] fill_va    = evt_head[159:96];
    wire [63:0] fill_pa    = evt_head[223:160];
    wire [63:0] fill_mask;
    size_mask u_fill_mask (.size_i(fill_size[7] ? 7'h7F : fill_size[6:0]), .mask_o(fill_mask));
    wire fill_ok = evt_len >= 17'd28 && pasid_ok(h_pasid) && fill_size >= 8'd12 && fill_size <= 8'd63
                   && fill_perms[7:4] == 4'd0 && fill_flags[7:1] == 7'd0 && fill_rsvd == 8'd0
                   && (fill_va & fill_mask) == 64'd0 && (fill_pa & fill_mask) == 64'd0
                   && !(fill_flags[0] && h_pasid == 32'hFFFFFFFF);
    // HELLO: major 0, minor 1, nameLength 2, name 4.
    wire [15:0] hello_name_len = evt_head[31:16];
    wire hello_ok = evt_len >= 17'd4 && hello_name_len <= 16'd255
                    && evt_len >= {1'b0, hello_name_len} + 17'd4 && evt_name_ok;

    // The payload checks, registered (S_IDLE -> S_CHECK): the decoder's priority chain then starts
    // from flops, not from the receiver's head bytes through carry chains.
    reg k_inv_ok_q, k_fill_ok_q, k_hello_ok_q, k_len4_q, k_len8_q, k_limits_q, k_request_q, k_major1_q, k_hello_v1_q;

    wire is_request = evt_type == T_ATC_INV || evt_type == T_SYNC || evt_type == T_ATC_DUMP
                      || evt_type == T_ATC_FILL || evt_type == T_RESET;
    wire limits_hit = since_sync_q >= MAX_BATCH32[16:0] || outstanding_q >= MAX_OUTSTANDING;

    // The ATC command of an ATC_INV / ATC_FILL comes straight from the event; OP_DUMP / OP_RESET from state.
    wire ev_fill = evt_type == T_ATC_FILL;
    assign cmd_sid    = (state_q == S_ACT) ? h_u32_0 : dump_sid_q;
    assign cmd_pasid  = h_pasid;
    assign cmd_global = ev_fill ? fill_flags[0] : inv_flags[0];
    assign cmd_va     = ev_fill ? fill_va : evt_head[127:64];
    assign cmd_size   = ev_fill ? fill_size[6:0] : inv_size[6:0];
    assign cmd_pa     = fill_pa;
    assign cmd_perms  = fill_perms[3:0];
    assign cmd_itag   = evt_head[143:128];

    // Decoded action of the event at the head (valid in S_IDLE with evt_valid).
    localparam [2:0] A_IGNORE = 3'd0, A_INV = 3'd1, A_FILL = 3'd2, A_REPLY = 3'd3;
    reg [2:0]   a_kind;
    reg [2:0]   a_rk;
    reg [7:0]   a_rtype;
    reg [16:0]  a_rlen;
    reg [63:0]  a_word;
    reg [4:0]   a_n;
    reg         a_clear, a_atc_reset, a_close, a_err_kind, a_sync;
    reg [1:0]   a_sess;

    task nak;
        input [7:0] reason;
        begin
            a_kind  = A_REPLY;
            a_rk    = RK_FIXED;
            a_rtype = T_NAK;
            a_rlen  = 17'd8;
            a_word  = {24'd0, reason, evt_seq};
            a_n     = 5'd8;
        end
    endtask

    always @(*) begin
        a_kind = A_IGNORE; a_rk = RK_NONE; a_rtype = T_NAK; a_rlen = 17'd0; a_word = 64'd0; a_n = 5'd0;
        a_clear = 1'b0; a_atc_reset = 1'b0; a_close = 1'b0; a_err_kind = 1'b0; a_sync = 1'b0; a_sess = sess_q;
        if (sess_q == SS_CLOSED) begin
            a_kind = A_IGNORE;
        end else if (evt_kind != EVT_FRAME) begin
            nak(evt_kind == EVT_BAD_CRC ? NAK_BAD_CRC : NAK_BAD_LENGTH);
        end else if (evt_type != T_HELLO && !k_major1_q) begin
            nak(NAK_UNSUPPORTED_VERSION);
        end else if (evt_type == T_HELLO) begin
            if (!k_major1_q || (k_hello_ok_q && !k_hello_v1_q)) begin
                // Refused: ERROR(version refused) naming the header's version, else the payload's.
                a_kind = A_REPLY; a_rk = RK_ERROR; a_err_kind = 1'b1; a_close = 1'b1;
            end else if (!k_hello_ok_q) begin
                nak(NAK_BAD_PAYLOAD);
            end else begin
                a_kind = A_REPLY; a_rk = RK_FIXED; a_rtype = T_CAPS; a_rlen = 17'd24; a_n = 5'd24;
                a_clear = 1'b1; a_sess = SS_OPEN;
            end
        end else if (evt_type == T_HEARTBEAT) begin
            if (!k_len8_q) nak(NAK_BAD_PAYLOAD);
            else begin
                a_kind = A_REPLY; a_rk = RK_FIXED; a_rtype = T_HEARTBEAT; a_rlen = 17'd8; a_n = 5'd8;
                a_word = evt_head[63:0];
            end
        end else if (evt_type == T_NAK) begin
            a_kind = A_IGNORE;                       // the board keeps no resend buffer
        end else if (evt_type == 8'hF1) begin        // ERROR from the host: back to awaiting HELLO
            a_kind = A_REPLY; a_rk = RK_NONE; a_clear = 1'b1; a_sess = SS_AWAIT;
        end else if (k_request_q && sess_q != SS_OPEN) begin
            a_kind = A_REPLY; a_rk = RK_ERROR; a_err_kind = 1'b0;
        end else if (evt_type == T_ATC_INV) begin
            if (!k_inv_ok_q) nak(NAK_BAD_PAYLOAD);
            else if (k_limits_q) nak(NAK_BUSY);
            else a_kind = A_INV;
        end else if (evt_type == T_SYNC) begin
            if (!k_len4_q) nak(NAK_BAD_PAYLOAD);
            else begin
                a_kind = A_REPLY; a_rk = RK_FIXED; a_rtype = T_SYNC_ACK; a_rlen = 17'd4; a_n = 5'd4;
                a_word = {32'd0, h_u32_0}; a_sync = 1'b1;
            end
        end else if (evt_type == T_ATC_DUMP) begin
            if (!k_len4_q) nak(NAK_BAD_PAYLOAD);
            else begin
                a_kind = A_REPLY; a_rk = RK_DUMP;
            end
        end else if (evt_type == T_ATC_FILL) begin
            if (!k_fill_ok_q) nak(NAK_BAD_PAYLOAD);
            else a_kind = A_FILL;
        end else if (evt_type == T_RESET) begin
            a_kind = A_REPLY; a_rk = RK_FIXED; a_rtype = T_RESET_ACK; a_rlen = 17'd0; a_n = 5'd0;
            a_clear = 1'b1; a_atc_reset = 1'b1; a_sync = 1'b1;
        end else begin
            nak(NAK_UNKNOWN_TYPE);
        end
    end

    // ---------------------------------------------------------------- the engine
    wire idle_flush   = host_idle_i && !atc_busy_i && !cpl_valid
                        && fifo_count != {(MAX_OUTSTANDING_LOG2+1){1'b0}} && sess_q != SS_CLOSED;

    always @(*) begin
        evt_ready      = 1'b0;
        cmd_valid      = 1'b0;
        cmd_op         = OP_INV;
        rsp_ready      = 1'b0;
        tx_start_valid = 1'b0;
        tx_start_type  = T_NAK;
        tx_start_len   = 17'd0;
        fifo_pop       = 1'b0;
        fifo_clear     = 1'b0;
        err_start      = 1'b0;
        case (state_q)
            S_ACT: begin
                if (d_kind_q == A_INV || d_kind_q == A_FILL) begin
                    cmd_valid = 1'b1;
                    cmd_op    = (d_kind_q == A_FILL) ? OP_FILL : OP_INV;
                    evt_ready = cmd_ready;
                end else begin
                    evt_ready = 1'b1;
                end
            end
            S_CLEAR:     fifo_clear = 1'b1;
            S_ATC_RESET: begin cmd_valid = 1'b1; cmd_op = OP_RESET; end
            S_FLUSH: if (fifo_count != {(MAX_OUTSTANDING_LOG2+1){1'b0}}) begin
                tx_start_valid = 1'b1;
                tx_start_type  = T_INV_COMPLETE;
                tx_start_len   = 17'd4 + {{(15-MAX_OUTSTANDING_LOG2){1'b0}}, fifo_count, 1'b0};
            end
            S_FLUSH_PAY: fifo_pop = piece_done && piece_q == P_ITAG;
            S_REPLY: if (rk_q == RK_FIXED) begin
                tx_start_valid = 1'b1;
                tx_start_type  = rtype_q;
                tx_start_len   = rlen_q;
            end
            S_DUMP_CMD: begin cmd_valid = 1'b1; cmd_op = OP_DUMP; end
            S_DUMP_COUNT: if (rsp_valid && tx_start_ready) begin
                tx_start_valid = 1'b1;
                tx_start_type  = T_DUMP_REPLY;
                tx_start_len   = 17'd8 + 17'd24 * {1'b0, rsp_count};
                rsp_ready      = 1'b1;
            end
            S_DUMP_PAY: rsp_ready = piece_done && piece_q == P_ENTRY;
            S_ERR_START: err_start = err_idle;
            S_ERR_LEN: if (err_len_valid) begin
                tx_start_valid = 1'b1;
                tx_start_type  = T_ERROR;
                tx_start_len   = err_len;
            end
            default: ;
        endcase
    end

    always @(posedge clk) begin
        if (pl_beat) bidx_q <= piece_done ? 5'd0 : bidx_q + 5'd1;
        if (rst || session_reset_i) begin
            state_q       <= S_IDLE;
            sess_q        <= SS_AWAIT;
            since_sync_q  <= 17'd0;
            outstanding_q <= 17'd0;
            piece_q       <= P_NONE;
            bidx_q        <= 5'd0;
            src_err_q     <= 1'b0;
        end else begin
            case (state_q)
                S_IDLE: begin
                    if (evt_valid) begin
                        k_inv_ok_q   <= inv_ok;
                        k_fill_ok_q  <= fill_ok;
                        k_hello_ok_q <= hello_ok;
                        k_len4_q     <= evt_len >= 17'd4;
                        k_len8_q     <= evt_len >= 17'd8;
                        k_limits_q   <= limits_hit;
                        k_request_q  <= is_request;
                        k_major1_q   <= evt_major == 8'd1;
                        k_hello_v1_q <= evt_head[7:0] == 8'd1;
                        state_q      <= S_CHECK;
                    end else if (idle_flush) begin
                        rk_q <= RK_NONE; clear_q <= 1'b0; atc_reset_q <= 1'b0; close_q <= 1'b0;
                        state_q <= S_FLUSH;
                    end
                end
                S_CHECK: begin
                    begin
                        d_kind_q      <= a_kind;
                        d_rk_q        <= a_rk;
                        d_rtype_q     <= a_rtype;
                        d_rlen_q      <= a_rlen;
                        d_word_q      <= a_word;
                        d_n_q         <= a_n;
                        d_clear_q     <= a_clear;
                        d_atc_reset_q <= a_atc_reset;
                        d_close_q     <= a_close;
                        d_err_kind_q  <= a_err_kind;
                        d_sync_q      <= a_sync;
                        d_sess_q      <= a_sess;
                        state_q       <= S_ACT;
                    end
                end
                S_ACT: if (evt_ready) begin
                    sess_q <= d_sess_q;
                    if (d_kind_q == A_INV) begin
                        since_sync_q  <= since_sync_q + 17'd1;
                        outstanding_q <= outstanding_q + 17'd1;
                    end
                    if (d_sync_q) since_sync_q <= 17'd0;
                    if (d_kind_q == A_REPLY) begin
                        rk_q        <= d_rk_q;
                        rtype_q     <= d_rtype_q;
                        rlen_q      <= d_rlen_q;
                        rword_q     <= d_word_q;
                        rn_q        <= d_n_q;
                        clear_q     <= d_clear_q;
                        atc_reset_q <= d_atc_reset_q;
                        close_q     <= d_close_q;
                        dump_sid_q  <= h_u32_0;
                        err_kind_q  <= d_err_kind_q;
                        err_type_q  <= evt_type;
                        err_seq_q   <= evt_seq;
                        // Refusal quotes the header's version when it is another major, else the payload's.
                        err_major_q <= (evt_major != 8'd1) ? evt_major : evt_head[7:0];
                        err_minor_q <= (evt_major != 8'd1) ? evt_minor : evt_head[15:8];
                        state_q     <= S_DRAIN;
                    end else begin
                        state_q <= S_IDLE;
                    end
                end
                S_DRAIN: if (!atc_busy_i && !cpl_valid && cmd_ready)
                    state_q <= clear_q ? S_CLEAR : S_FLUSH;
                S_CLEAR: begin
                    outstanding_q <= 17'd0;
                    since_sync_q  <= 17'd0;
                    state_q       <= atc_reset_q ? S_ATC_RESET : S_FLUSH;
                end
                S_ATC_RESET: if (cmd_ready) state_q <= S_FLUSH;
                S_FLUSH: begin
                    if (fifo_count == {(MAX_OUTSTANDING_LOG2+1){1'b0}}) begin
                        state_q <= S_REPLY;
                    end else if (tx_start_ready) begin
                        flushed_q <= {{(16-MAX_OUTSTANDING_LOG2){1'b0}}, fifo_count};
                        left_q    <= {{(16-MAX_OUTSTANDING_LOG2){1'b0}}, fifo_count};
                        piece_q   <= P_FLUSH_HDR;
                        state_q   <= S_FLUSH_PAY;
                    end
                end
                S_FLUSH_PAY: if (piece_done) begin
                    if (piece_q == P_ITAG) left_q <= left_q - 17'd1;
                    if (piece_q == P_FLUSH_HDR || left_q != 17'd1) begin
                        piece_q <= P_ITAG;
                    end else begin
                        piece_q       <= P_NONE;
                        outstanding_q <= outstanding_q - flushed_q;
                        state_q       <= S_REPLY;
                    end
                end
                S_REPLY: begin
                    case (rk_q)
                        RK_FIXED: if (tx_start_ready) begin
                            piece_q <= (rn_q == 5'd0) ? P_NONE : P_FIXED;
                            state_q <= (rn_q == 5'd0) ? S_DONE : S_REPLY_PAY;
                        end
                        RK_DUMP:  state_q <= S_DUMP_CMD;
                        RK_ERROR: state_q <= S_ERR_START;
                        default:  state_q <= S_DONE;
                    endcase
                end
                S_REPLY_PAY: if (piece_done) begin
                    piece_q <= P_NONE;
                    state_q <= S_DONE;
                end
                S_DUMP_CMD:  if (cmd_ready) state_q <= S_DUMP_COUNT;
                S_DUMP_COUNT: if (rsp_valid && tx_start_ready) begin
                    dump_count_q <= rsp_count;
                    left_q       <= {1'b0, rsp_count};
                    piece_q      <= P_DUMP_HDR;
                    state_q      <= S_DUMP_PAY;
                end
                S_DUMP_PAY: if (piece_done) begin
                    if (piece_q == P_ENTRY) left_q <= left_q - 17'd1;
                    if ((piece_q == P_DUMP_HDR && left_q != 17'd0) || (piece_q == P_ENTRY && left_q != 17'd1)) begin
                        piece_q <= P_ENTRY;
                    end else begin
                        piece_q <= P_NONE;
                        state_q <= S_DONE;
                    end
                end
                S_ERR_START: if (err_idle) state_q <= S_ERR_LEN;
                S_ERR_LEN: if (err_len_valid && tx_start_ready) begin
                    src_err_q <= 1'b1;
                    state_q   <= S_ERR_PAY;
                end
                S_ERR_PAY: if (err_idle) begin
                    src_err_q <= 1'b0;
                    state_q   <= S_DONE;
                end
                default: begin  // S_DONE
                    if (close_q) sess_q <= SS_CLOSED;
                    state_q <= S_IDLE;
                end
            endcase
        end
    end

    assign hangup_o = (sess_q == SS_CLOSED);
    assign busy_o   = (state_q != S_IDLE) || evt_valid || atc_busy_i || cpl_valid || tx_busy_i || !err_idle
                      || (sess_q != SS_CLOSED && fifo_count != {(MAX_OUTSTANDING_LOG2+1){1'b0}});
endmodule

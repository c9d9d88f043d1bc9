// frame_rx: the frame receiver of the board wire protocol (docs/wire-protocol.md §Frame, §Receiving).
//
// Takes the host's byte stream one byte per clock and delivers, per frame, one event: a good frame
// (header fields and the first HEAD_BYTES payload bytes), a CRC error, or a length above MaxPayload.
// It resynchronises exactly as the host's FrameCodec.TryParseFrame does:
//   * bytes that do not start the magic "SVAB" are skipped (no event: the board logs garbage only);
//     "SVAB" has no proper self-overlap, so a one-counter matcher that restarts on 'S' finds the first
//     magic at or after every position;
//   * a length > 65536 is a BadLength event (seq and type as claimed) and the search for the next magic
//     restarts at the byte after this frame's magic: header bytes 4..15 are replayed through the matcher
//     (the upstream is held for those 12 cycles) before new input is taken;
//   * a CRC mismatch is a BadCrc event; the frame, as delimited by its length, is consumed.
// CRC-32C is folded one byte per clock (crc32c_byte), so a frame is checked on its last byte.
//
// Timing: one byte per clock while no event is pending. The event (header fields registered, payload head
// in place) is held until taken; meanwhile the next frame's magic and header are received, and the input
// stalls at that frame's first payload byte (or last header byte) if the event is still not taken - 17
// clocks after it was raised, which the engine meets for every ATC_INV and ATC_FILL. Payload bytes beyond
// HEAD_BYTES are counted and checked, not stored (no layout the board reads is longer than ATC_FILL's 28).
//
// Parameters:
//   HEAD_BYTES   payload bytes kept for the consumer (28: the ATC_FILL layout), at most 32
// Ports:
//   clk, rst               rst synchronous, active high: back to hunting for a magic, event dropped
//   s_valid/s_ready/s_data the host's bytes (valid/ready, one byte per beat)
//   evt_valid/evt_ready    one event per frame; held until taken
//   evt_kind [1:0]         EVT_FRAME (good CRC), EVT_BAD_CRC, EVT_BAD_LEN
//   evt_major/minor/type   header bytes 4, 5, 6 (as received; BadCrc/BadLength: as claimed)
//   evt_seq [31:0]         header seq (the one a NAK names)
//   evt_len [16:0]         payload length (EVT_BAD_LEN: saturated at 65537)
//   evt_head               payload bytes 0..HEAD_BYTES-1, byte i at [8*i +: 8]; 0 beyond the length
//   evt_name_ok            the bytes at payload [4, 4 + u16 at payload[2]) that arrived are well-formed
//                          UTF-8 with no sequence left open (HELLO's host name; the consumer checks lengths)
//   idle_o                 hunting with nothing matched and nothing replayed: between frames
module frame_rx #(
    parameter integer HEAD_BYTES = 28
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire                    s_valid,
    output wire                    s_ready,
    input  wire [7:0]              s_data,
    output wire                    evt_valid,
    input  wire                    evt_ready,
    output wire [1:0]              evt_kind,
    output wire [7:0]              evt_major,
    output wire [7:0]              evt_minor,
    output wire [7:0]              evt_type,
    output wire [31:0]             evt_seq,
    output wire [16:0]             evt_len,
    output wire [8*HEAD_BYTES-1:0] evt_head,
    output wire                    evt_name_ok,
    output wire                    idle_o
);
    localparam [1:0] EVT_FRAME = 2'd0, EVT_BAD_CRC = 2'd1, EVT_BAD_LEN = 2'd2;

    localparam [1:0] S_HUNT = 2'd0, S_HDR = 2'd1, S_PAY = 2'd2, S_CRC = 2'd3;
    localparam [31:0] CRC_INIT = 32'hFFFFFFFF;
    localparam [31:0] MAX_PAYLOAD = 32'd65536;
    localparam [3:0]  REPLAY_BYTES = 4'd12;

    // 17-bit constants 0..HEAD_BYTES-1, so the head's write enables compare like with like.
    function [17*HEAD_BYTES-1:0] head_index;
        input integer n;
        integer k;
        begin
            for (k = 0; k < n; k = k + 1)
                head_index[17*k +: 17] = k[16:0];
        end
    endfunction
    localparam [17*HEAD_BYTES-1:0] HEAD_INDEX = head_index(HEAD_BYTES);

    reg [1:0]   state_q, state_d;
    reg [1:0]   magic_q, magic_d;      // magic bytes matched while hunting (0..3)
    reg [3:0]   cnt_hdr_q, cnt_hdr_d;  // header bytes 4..15 received (0..11)
    reg [16:0]  cnt_q, cnt_d;          // payload bytes received, or CRC bytes (0..3)
    reg [95:0]  hdr_q, hdr_d;          // header bytes 4..15, byte 4 at [7:0]
    reg [31:0]  crc_q, crc_d;
    reg [23:0]  crc_rx_q, crc_rx_d;    // CRC trailer bytes 0..2
    reg [8*HEAD_BYTES-1:0] head_q, head_d;
    reg [3:0]   replay_n_q, replay_n_d;

    reg                    ev_valid_q, ev_valid_d;
    reg [1:0]              ev_kind_q, ev_kind_d;
    reg [95:0]             ev_hdr_q, ev_hdr_d;
    reg [16:0]             ev_len_q, ev_len_d;
    reg                    ev_name_q, ev_name_d;

    // The byte offered this cycle: replayed header bytes first, then the host's.
    wire       replaying = (replay_n_q != 4'd0);
    wire       in_valid  = replaying ? 1'b1 : s_valid;
    // Replayed bytes come from the BadLength event's own copy of header bytes 4..15, which stays put while
    // they replay: no other event can be raised before the replay ends (a header needs 16 bytes).
    reg  [3:0] replay_at_q;   // the replayed byte's index in ev_hdr_q (0 = header byte 4)
    wire [7:0] in_data   = replaying ? ev_hdr_q[8*replay_at_q +: 8] : s_data;

    // Would this byte produce an event, or change the payload head the pending event shows? Then it waits
    // until the consumer has taken the event. (Not evt_ready of this same clock: that would chain the
    // consumer's decoding into this input's ready.)
    wire emits   = (state_q == S_HDR && cnt_hdr_q == 4'd11) || (state_q == S_CRC && cnt_q[1:0] == 2'd3);
    wire blocked = ev_valid_q && (emits || state_q == S_PAY);
    wire take    = in_valid && !blocked;

    assign s_ready = !replaying && !blocked;

    wire [31:0] crc_step;
    crc32c_byte u_crc (.crc_i(crc_q), .data_i(in_data), .crc_o(crc_step));
    wire [31:0] crc_from_s;
    crc32c_byte u_crc_s (.crc_i(CRC_INIT), .data_i(in_data), .crc_o(crc_from_s));

    // HELLO's name: payload bytes [4, 4 + nameLength).
    wire [15:0] name_len = {head_q[31:24], head_q[23:16]};
    wire        name_en  = take && state_q == S_PAY && cnt_q >= 17'd4 && cnt_q < ({1'b0, name_len} + 17'd4);
    wire        name_clear = take && state_q == S_HDR && cnt_hdr_q == 4'd11;
    wire        utf8_complete;
    wire        utf8_ok_unused;
    // The name check runs one clock behind (its verdict is read at the CRC's last byte, 4 clocks after
    // the last name byte), so the input mux does not chain into its range compares.
    reg       name_en_q;
    reg [7:0] name_data_q;
    always @(posedge clk) begin
        name_en_q   <= name_en && !name_clear;
        name_data_q <= in_data;
    end
    utf8_check u_utf8 (
        .clk(clk), .rst(rst), .clear_i(name_clear), .en_i(name_en_q), .data_i(name_data_q),
        .ok_o(utf8_ok_unused), .complete_o(utf8_complete)
    );

    wire [95:0] hdr_next = {in_data, hdr_q[95:8]};
    wire [31:0] len_next = hdr_next[95:64];

    integer i;
    always @(*) begin
        state_d    = state_q;
        magic_d    = magic_q;
        cnt_hdr_d  = cnt_hdr_q;
        cnt_d      = cnt_q;
        hdr_d      = hdr_q;
        crc_d      = crc_q;
        crc_rx_d   = crc_rx_q;
        head_d     = head_q;
        replay_n_d = replay_n_q;
        ev_valid_d = ev_valid_q && !evt_ready;
        ev_kind_d  = ev_kind_q;
        ev_hdr_d   = ev_hdr_q;
        ev_len_d   = ev_len_q;
        ev_name_d  = ev_name_q;

        if (take) begin
            if (replaying) begin
                replay_n_d = replay_n_q - 4'd1;
            end
            case (state_q)
                S_HUNT: begin
                    crc_d = crc_step;
                    if (in_data == 8'h53) begin          // 'S' always (re)starts a match
                        magic_d = 2'd1;
                        crc_d   = crc_from_s;
                    end else if ((magic_q == 2'd1 && in_data == 8'h56) ||   // 'V'
                                 (magic_q == 2'd2 && in_data == 8'h41)) begin // 'A'
                        magic_d = magic_q + 2'd1;
                    end else if (magic_q == 2'd3 && in_data == 8'h42) begin  // 'B'
                        magic_d   = 2'd0;
                        state_d   = S_HDR;
                        cnt_hdr_d = 4'd0;
                    end else begin
                        magic_d = 2'd0;
                    end
                end
                S_HDR: begin
                    crc_d     = crc_step;
                    hdr_d     = hdr_next;
                    cnt_hdr_d = cnt_hdr_q + 4'd1;
                    if (cnt_hdr_q == 4'd11) begin
                        head_d = {8*HEAD_BYTES{1'b0}};
                        cnt_d  = 17'd0;
                        if (len_next > MAX_PAYLOAD) begin
                            ev_valid_d = 1'b1;
                            ev_kind_d  = EVT_BAD_LEN;
                            ev_hdr_d   = hdr_next;
                            ev_len_d   = 17'h10001;
                            ev_name_d  = 1'b0;
                            // Search again from the byte after the magic: replay bytes 4..15.
                            replay_n_d = REPLAY_BYTES;
                            state_d    = S_HUNT;
                        end else if (len_next == 32'd0) begin
                            state_d = S_CRC;
                        end else begin
                            state_d = S_PAY;
                        end
                    end
                end
                S_PAY: begin
                    crc_d = crc_step;
                    for (i = 0; i < HEAD_BYTES; i = i + 1)
                        if (cnt_q[16:5] == 12'd0 && cnt_q[4:0] == HEAD_INDEX[17*i +: 5]) head_d[8*i +: 8] = in_data;
                    cnt_d = cnt_q + 17'd1;
                    if (cnt_q + 17'd1 == hdr_q[80:64]) begin
                        state_d = S_CRC;
                        cnt_d   = 17'd0;
                    end
                end
                default: begin // S_CRC
                    cnt_d = cnt_q + 17'd1;
                    case (cnt_q[1:0])
                        2'd0: crc_rx_d[7:0]   = in_data;
                        2'd1: crc_rx_d[15:8]  = in_data;
                        2'd2: crc_rx_d[23:16] = in_data;
                        default: begin
                            ev_valid_d = 1'b1;
                            ev_kind_d  = ({in_data, crc_rx_q} == ~crc_q) ? EVT_FRAME : EVT_BAD_CRC;
                            ev_hdr_d   = hdr_q;
                            ev_len_d   = hdr_q[80:64];
                            ev_name_d  = utf8_complete;
                            state_d    = S_HUNT;
                            magic_d    = 2'd0;
                        end
                    endcase
                end
            endcase
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            state_q    <= S_HUNT;
            magic_q    <= 2'd0;
            cnt_hdr_q  <= 4'd0;
            cnt_q      <= 17'd0;
            replay_n_q <= 4'd0;
            ev_valid_q <= 1'b0;
            crc_q      <= CRC_INIT;
        end else begin
            state_q    <= state_d;
            magic_q    <= magic_d;
            cnt_hdr_q  <= cnt_hdr_d;
            cnt_q      <= cnt_d;
            replay_n_q <= replay_n_d;
            replay_at_q <= (replay_n_d == REPLAY_BYTES) ? 4'd0 : replay_at_q + {3'd0, replaying && take};
            ev_valid_q <= ev_valid_d;
            crc_q      <= crc_d;
        end
        // Data registers: no reset needed, each is written before it is read.
        hdr_q     <= hdr_d;
        crc_rx_q  <= crc_rx_d;
        head_q    <= head_d;
        ev_kind_q <= ev_kind_d;
        ev_hdr_q  <= ev_hdr_d;
        ev_len_q  <= ev_len_d;
        ev_name_q <= ev_name_d;
    end

    assign evt_valid   = ev_valid_q;
    assign evt_kind    = ev_kind_q;
    assign evt_major   = ev_hdr_q[7:0];
    assign evt_minor   = ev_hdr_q[15:8];
    assign evt_type    = ev_hdr_q[23:16];
    assign evt_seq     = ev_hdr_q[63:32];
    assign evt_len     = ev_len_q;
    assign evt_head    = head_q;      // held: payload bytes wait while an event is pending
    assign evt_name_ok = ev_name_q;
    assign idle_o      = state_q == S_HUNT && magic_q == 2'd0 && !replaying;
endmodule

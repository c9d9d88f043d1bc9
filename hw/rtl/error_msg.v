// error_msg: the payload of the two ERROR frames the board sends, byte by byte, worded exactly as the
// software board words them (firmware-stubs/Emulator.FirmwareStub/SoftBoardSession.Requests.cs):
//   KIND_HELLO_EXPECTED  code 0 (unspecified)     "HELLO expected before <Type> (seq <seq>)"
//   KIND_REFUSED         code 1 (version refused) "refused: host speaks protocol <M>.<m>, board speaks 1.0"
// <Type> is the C# MessageType name of a request (AtcInv, Sync, AtcDump, Reset, AtcFill); numbers are
// decimal. The payload is code (u16), message length (u16), message (docs/wire-protocol.md §ERROR).
//
// The message is five segments: constant, variable, constant, variable, constant. After start_i the
// numbers are converted (bin2bcd, 32 clocks), len_valid_o rises with the payload length, and the bytes
// then stream on out_* (one per clock).
//
// Ports:
//   clk, rst                  synchronous, active high
//   start_i                   latch the fields below and build (only when idle_o)
//   kind_i, type_i, seq_i, major_i, minor_i
//   idle_o                    nothing being built or sent
//   len_valid_o, len_o [16:0] payload length, valid until the last byte is taken
//   out_valid/out_ready/out_data   the payload bytes
module error_msg (
    input  wire        clk,
    input  wire        rst,
    input  wire        start_i,
    input  wire        kind_i,
    input  wire [7:0]  type_i,
    input  wire [31:0] seq_i,
    input  wire [7:0]  major_i,
    input  wire [7:0]  minor_i,
    output wire        idle_o,
    output wire        len_valid_o,
    output wire [16:0] len_o,
    output wire        out_valid,
    input  wire        out_ready,
    output reg  [7:0]  out_data
);
    localparam KIND_HELLO_EXPECTED = 1'b0;   // else KIND_REFUSED (1)
    localparam [1:0] S_IDLE = 2'd0, S_CONV = 2'd1, S_WAIT = 2'd2, S_SEND = 2'd3;

    localparam [8*22-1:0] H_A = "HELLO expected before ";
    localparam [8*6-1:0]  H_B = " (seq ";
    localparam [8*30-1:0] R_A = "refused: host speaks protocol ";
    localparam [8*18-1:0] R_C = ", board speaks 1.0";
    localparam [8*7-1:0]  T_ATCINV  = "AtcInv ";
    localparam [8*7-1:0]  T_SYNC    = "Sync   ";
    localparam [8*7-1:0]  T_ATCDUMP = "AtcDump";
    localparam [8*7-1:0]  T_RESET   = "Reset  ";
    localparam [8*7-1:0]  T_ATCFILL = "AtcFill";

    reg [1:0]  state_q;
    reg        kind_q;
    reg [7:0]  type_q;
    reg [2:0]  seg_q;     // 0..4 message segments; 5, 6 = code and length bytes come first (see below)
    reg [5:0]  off_q;
    reg [16:0] left_q;    // payload bytes still to send
    reg [1:0]  pre_q;     // header bytes sent (code, length)

    wire        seq_done, maj_done, min_done;
    wire [39:0] seq_bcd;
    wire [11:0] maj_bcd, min_bcd;
    wire [4:0]  seq_nd, maj_nd, min_nd;
    wire        conv = (state_q == S_IDLE) && start_i;
    bin2bcd #(.WIDTH(32), .DIGITS(10)) u_seq (.clk(clk), .rst(rst), .start_i(conv), .value_i(seq_i),
        .done_o(seq_done), .bcd_o(seq_bcd), .ndigits_o(seq_nd));
    bin2bcd #(.WIDTH(8), .DIGITS(3)) u_maj (.clk(clk), .rst(rst), .start_i(conv), .value_i(major_i),
        .done_o(maj_done), .bcd_o(maj_bcd), .ndigits_o(maj_nd));
    bin2bcd #(.WIDTH(8), .DIGITS(3)) u_min (.clk(clk), .rst(rst), .start_i(conv), .value_i(minor_i),
        .done_o(min_done), .bcd_o(min_bcd), .ndigits_o(min_nd));

    reg [5:0] type_len;
    always @(*) begin
        case (type_q)
            8'h02:   type_len = 6'd6;
            8'h03:   type_len = 6'd4;
            8'h05:   type_len = 6'd5;
            default: type_len = 6'd7;   // 0x04 AtcDump, 0x07 AtcFill
        endcase
    end

    // Segment lengths.
    reg [5:0] seg_len [0:4];
    always @(*) begin
        if (kind_q == KIND_HELLO_EXPECTED) begin
            seg_len[0] = 6'd22;  seg_len[1] = type_len;  seg_len[2] = 6'd6;
            seg_len[3] = {1'b0, seq_nd};  seg_len[4] = 6'd1;
        end else begin
            seg_len[0] = 6'd30;  seg_len[1] = {1'b0, maj_nd};  seg_len[2] = 6'd1;
            seg_len[3] = {1'b0, min_nd};  seg_len[4] = 6'd18;
        end
    end
    wire [16:0] msg_len = {11'd0, seg_len[0]} + {11'd0, seg_len[1]} + {11'd0, seg_len[2]}
                        + {11'd0, seg_len[3]} + {11'd0, seg_len[4]};

    function [7:0] digit;
        input [3:0] d;
        digit = 8'h30 + {4'd0, d};
    endfunction

    reg [7:0] msg_byte;
    reg [6:0] rev;   // off counted from the segment's end, for MSB-first constants
    reg [55:0] tname;
    always @(*) begin
        case (type_q)
            8'h02:   tname = T_ATCINV;
            8'h03:   tname = T_SYNC;
            8'h04:   tname = T_ATCDUMP;
            8'h05:   tname = T_RESET;
            default: tname = T_ATCFILL;
        endcase
        msg_byte = 8'h3F;
        rev = 7'd0;
        if (kind_q == KIND_HELLO_EXPECTED) begin
            case (seg_q)
                3'd0: msg_byte = H_A[8*(21 - off_q) +: 8];
                3'd1: msg_byte = tname[8*(6 - off_q) +: 8];
                3'd2: msg_byte = H_B[8*(5 - off_q) +: 8];
                3'd3: begin
                    rev = {2'd0, seq_nd} - 7'd1 - {1'b0, off_q};
                    msg_byte = digit(seq_bcd[4*rev[3:0] +: 4]);
                end
                default: msg_byte = 8'h29;   // ')'
            endcase
        end else begin
            case (seg_q)
                3'd0: msg_byte = R_A[8*(29 - off_q) +: 8];
                3'd1: begin
                    rev = {2'd0, maj_nd} - 7'd1 - {1'b0, off_q};
                    msg_byte = digit(maj_bcd[4*rev[1:0] +: 4]);
                end
                3'd2: msg_byte = 8'h2E;   // '.'
                3'd3: begin
                    rev = {2'd0, min_nd} - 7'd1 - {1'b0, off_q};
                    msg_byte = digit(min_bcd[4*rev[1:0] +: 4]);
                end
                default: msg_byte = R_C[8*(17 - off_q) +: 8];
            endcase
        end
    end

    // The four header bytes (code, length) go first; hdr_done_q then selects the message.
    reg hdr_done_q;
    always @(*) begin
        if (hdr_done_q) begin
            out_data = msg_byte;
        end else begin
            case (pre_q)
                2'd0:    out_data = {7'd0, kind_q};   // code, low byte (0 unspecified, 1 version refused)
                2'd1:    out_data = 8'd0;
                2'd2:    out_data = msg_len[7:0];
                default: out_data = msg_len[15:8];
            endcase
        end
    end

    wire beat = (state_q == S_SEND) && out_ready;

    always @(posedge clk) begin
        if (rst) begin
            state_q    <= S_IDLE;
            pre_q      <= 2'd0;
            hdr_done_q <= 1'b0;
        end else begin
            case (state_q)
                S_IDLE: if (start_i) begin
                    state_q <= S_CONV;
                    kind_q  <= kind_i;
                    type_q  <= type_i;
                end
                S_CONV: state_q <= S_WAIT;   // the converters are busy from this clock on
                S_WAIT: if (seq_done && maj_done && min_done) begin
                    state_q    <= S_SEND;
                    left_q     <= msg_len + 17'd4;
                    pre_q      <= 2'd0;
                    hdr_done_q <= 1'b0;
                    seg_q      <= 3'd0;
                    off_q      <= 6'd0;
                end
                default: if (beat) begin
                    left_q <= left_q - 17'd1;
                    if (!hdr_done_q) begin
                        pre_q <= pre_q + 2'd1;
                        if (pre_q == 2'd3) hdr_done_q <= 1'b1;
                    end else if (off_q + 6'd1 == seg_len[seg_q]) begin
                        seg_q <= seg_q + 3'd1;
                        off_q <= 6'd0;
                    end else begin
                        off_q <= off_q + 6'd1;
                    end
                    if (left_q == 17'd1) state_q <= S_IDLE;
                end
            endcase
        end
    end

    assign idle_o      = (state_q == S_IDLE);
    assign len_valid_o = (state_q == S_SEND);
    assign len_o       = msg_len + 17'd4;
    assign out_valid   = (state_q == S_SEND);
endmodule

// frame_tx: the transmit framer. Wraps one payload in the 16-byte header and the CRC-32C trailer
// (docs/wire-protocol.md §Frame) and numbers the board's frames.
//
// A frame is started with its type and payload length; the payload then streams through from pl_*
// (exactly that many bytes), one byte per clock, and the CRC follows. The board's sequence number
// starts at 0 after rst or seq_reset_i (a new connection) and increments per frame sent.
//
// Ports:
//   clk, rst                       synchronous, active high
//   seq_reset_i                    next frame is seq 0 (only between frames)
//   start_valid/start_ready        start a frame; accepted only when idle
//   start_type [7:0], start_len [16:0]   MessageType and payload length (<= 65536)
//   pl_valid/pl_ready/pl_data      payload bytes, in order
//   m_valid/m_ready/m_data         the framed byte stream to the host
//   busy_o                         a frame is being sent
module frame_tx (
    input  wire        clk,
    input  wire        rst,
    input  wire        seq_reset_i,
    input  wire        start_valid,
    output wire        start_ready,
    input  wire [7:0]  start_type,
    input  wire [16:0] start_len,
    input  wire        pl_valid,
    output wire        pl_ready,
    input  wire [7:0]  pl_data,
    output wire        m_valid,
    input  wire        m_ready,
    output wire [7:0]  m_data,
    output wire        busy_o
);
    localparam [1:0] S_IDLE = 2'd0, S_HDR = 2'd1, S_PAY = 2'd2, S_CRC = 2'd3;
    localparam [31:0] CRC_INIT = 32'hFFFFFFFF;

    reg [1:0]  state_q, state_d;
    reg [16:0] cnt_q, cnt_d;
    reg [7:0]  type_q, type_d;
    reg [16:0] len_q, len_d;
    reg [31:0] seq_q, seq_d;
    reg [31:0] crc_q, crc_d;

    reg [7:0] hdr_byte;
    always @(*) begin
        case (cnt_q[3:0])
            4'd0:  hdr_byte = 8'h53;          // 'S'
            4'd1:  hdr_byte = 8'h56;          // 'V'
            4'd2:  hdr_byte = 8'h41;          // 'A'
            4'd3:  hdr_byte = 8'h42;          // 'B'
            4'd4:  hdr_byte = 8'd1;           // major
            4'd5:  hdr_byte = 8'd0;           // minor
            4'd6:  hdr_byte = type_q;
            4'd7:  hdr_byte = 8'd0;           // flags
            4'd8:  hdr_byte = seq_q[7:0];
            4'd9:  hdr_byte = seq_q[15:8];
            4'd10: hdr_byte = seq_q[23:16];
            4'd11: hdr_byte = seq_q[31:24];
            4'd12: hdr_byte = len_q[7:0];
            4'd13: hdr_byte = len_q[15:8];
            4'd14: hdr_byte = {7'd0, len_q[16]};
            default: hdr_byte = 8'd0;
        endcase
    end

    wire [31:0] crc_fin = ~crc_q;
    reg  [7:0]  out_byte;
    always @(*) begin
        case (state_q)
            S_HDR:   out_byte = hdr_byte;
            S_PAY:   out_byte = pr_data;
            default: case (cnt_q[1:0])
                         2'd0: out_byte = crc_fin[7:0];
                         2'd1: out_byte = crc_fin[15:8];
                         2'd2: out_byte = crc_fin[23:16];
                         default: out_byte = crc_fin[31:24];
                     endcase
        endcase
    end

    // The payload passes a register slice first: the engine's byte muxes (ERROR text, dump entries, itags)
    // then never chain into the CRC update below.
    wire       pr_valid;
    wire [7:0] pr_data;
    wire       pr_ready = (state_q == S_PAY) && m_ready;
    stream_reg #(.WIDTH(8)) u_pl (
        .clk(clk), .rst(rst), .s_valid(pl_valid), .s_ready(pl_ready), .s_data(pl_data),
        .m_valid(pr_valid), .m_ready(pr_ready), .m_data(pr_data)
    );

    wire out_valid = (state_q == S_HDR) || (state_q == S_CRC) || (state_q == S_PAY && pr_valid);
    wire beat      = out_valid && m_ready;

    wire [31:0] crc_step;
    crc32c_byte u_crc (.crc_i(crc_q), .data_i(out_byte), .crc_o(crc_step));

    always @(*) begin
        state_d = state_q;
        cnt_d   = cnt_q;
        type_d  = type_q;
        len_d   = len_q;
        seq_d   = seq_q;
        crc_d   = crc_q;
        case (state_q)
            S_IDLE: begin
                if (seq_reset_i) seq_d = 32'd0;
                if (start_valid) begin
                    state_d = S_HDR;
                    cnt_d   = 17'd0;
                    type_d  = start_type;
                    len_d   = start_len;
                    crc_d   = CRC_INIT;
                end
            end
            S_HDR: if (beat) begin
                crc_d = crc_step;
                cnt_d = cnt_q + 17'd1;
                if (cnt_q == 17'd15) begin
                    cnt_d   = 17'd0;
                    state_d = (len_q == 17'd0) ? S_CRC : S_PAY;
                end
            end
            S_PAY: if (beat) begin
                crc_d = crc_step;
                cnt_d = cnt_q + 17'd1;
                if (cnt_q + 17'd1 == len_q) begin
                    cnt_d   = 17'd0;
                    state_d = S_CRC;
                end
            end
            default: if (beat) begin
                cnt_d = cnt_q + 17'd1;
                if (cnt_q[1:0] == 2'd3) begin
                    state_d = S_IDLE;
                    seq_d   = seq_q + 32'd1;
                end
            end
        endcase
    end

    always @(posedge clk) begin
        if (rst) begin
            state_q <= S_IDLE;
            cnt_q   <= 17'd0;
            seq_q   <= 32'd0;
            crc_q   <= CRC_INIT;
        end else begin
            state_q <= state_d;
            cnt_q   <= cnt_d;
            seq_q   <= seq_d;
            crc_q   <= crc_d;
        end
        type_q <= type_d;
        len_q  <= len_d;
    end

    assign start_ready = (state_q == S_IDLE);
    assign m_valid     = out_valid;
    assign m_data      = out_byte;
    assign busy_o      = (state_q != S_IDLE);
endmodule

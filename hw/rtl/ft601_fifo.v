// ft601_fifo: the board's byte streams over an FTDI FT601 (USB 3.0) in 245 synchronous FIFO mode:
// 100 MHz, 32-bit half-duplex bus with byte enables (FTDI DS_FT600/FT601, AN_412).
//
// The FT601 drives the clock; bus rules as the FT245 mode (ft245_sync_fifo.v) with 32-bit words: a word
// and its BE[3:0] cross on a rising edge where RD_N and RXF_N (read) or WR_N and TXE_N (write) are low;
// BE bit i marks byte i (DATA[8i+7:8i], little-endian on the wire) as present. Reads land in a 16-word
// skid FIFO (RD_N released with fewer than 4 free places) and leave as bytes, byte 0 first, skipping
// absent ones. Writes gather up to four bytes from the board into a word; a short word is sent when the
// board has nothing more (its BE marks the bytes), so a lone SYNC_ACK never waits for a fourth byte.
// One byte per clock leaves the adapter toward the board: at 100 MHz that is the board's line rate,
// a quarter of the bus's; the skid FIFO and RD_N throttle the bus to it.
//
// Ports:
//   clk, rst                  the FT601 CLK domain; rst synchronous, active high
//   ft_data_i/o [31:0], ft_be_i/o [3:0], ft_oe   the bus (the part's top makes the tristates)
//   ft_rxf_n, ft_txe_n        FIFO status (active low)
//   ft_rd_n, ft_wr_n, ft_oe_n strobes (active low)
//   m_valid/m_ready/m_data    bytes from the host, to board_top's s_*
//   s_valid/s_ready/s_data    bytes to the host, from board_top's m_*
module ft601_fifo (
    input  wire        clk,
    input  wire        rst,
    input  wire [31:0] ft_data_i,
    output wire [31:0] ft_data_o,
    input  wire [3:0]  ft_be_i,
    output wire [3:0]  ft_be_o,
    output wire        ft_oe,
    input  wire        ft_rxf_n,
    input  wire        ft_txe_n,
    output wire        ft_rd_n,
    output wire        ft_wr_n,
    output wire        ft_oe_n,
    output wire        m_valid,
    input  wire        m_ready,
    output wire [7:0]  m_data,
    input  wire        s_valid,
    output wire        s_ready,
    input  wire [7:0]  s_data
);
    localparam [1:0] B_IDLE = 2'd0, B_READ = 2'd1, B_WRITE = 2'd2, B_TURN = 2'd3;

    reg [1:0] bus_q;
    reg       oe_n_q, rd_n_q, wr_n_q;

    // ---- read: bus words -> skid FIFO -> bytes ----
    wire [4:0]  skid_count;
    wire        skid_push = !rd_n_q && !ft_rxf_n;
    wire        skid_room = skid_count <= 5'd12;
    wire        word_valid;
    reg         word_pop;
    wire [35:0] word;
    wire        skid_in_ready_unused;
    sync_fifo #(.WIDTH(36), .DEPTH_LOG2(4)) u_skid (
        .clk(clk), .rst(rst), .clear_i(1'b0),
        .in_valid(skid_push), .in_ready(skid_in_ready_unused), .in_data({ft_be_i, ft_data_i}),
        .out_valid(word_valid), .out_ready(word_pop), .out_data(word), .count_o(skid_count)
    );
    reg  [3:0] sent_q;                       // bytes of the head word already passed on
    wire [3:0] left = word[35:32] & ~sent_q; // present bytes not yet passed on
    reg  [1:0] pick;
    always @(*) begin
        casez (left)
            4'b???1: pick = 2'd0;
            4'b??10: pick = 2'd1;
            4'b?100: pick = 2'd2;
            default: pick = 2'd3;
        endcase
    end
    wire       has_byte = word_valid && left != 4'd0;
    wire [3:0] pick_bit = 4'd1 << pick;
    assign m_valid = has_byte;
    assign m_data  = word[8*pick +: 8];
    always @(*) word_pop = word_valid && (left == 4'd0 || (m_ready && (left & ~pick_bit) == 4'd0));
    always @(posedge clk) begin
        if (rst || word_pop) sent_q <= 4'd0;
        else if (has_byte && m_ready) sent_q <= sent_q | pick_bit;
    end

    // ---- write: bytes -> words ----
    reg [31:0] wdata_q;
    reg [3:0]  wbe_q;                        // bytes gathered
    reg [31:0] out_data_q;
    reg [3:0]  out_be_q;
    wire       wrote   = !wr_n_q && !ft_txe_n;
    wire       gather  = s_valid && s_ready;
    wire       full    = wbe_q == 4'b1111;
    // A word is ready to go when four bytes are in, or when the board paused with some in.
    wire       word_out = full || (wbe_q != 4'd0 && !s_valid);
    assign s_ready = !full;

    always @(posedge clk) begin
        if (rst) begin
            bus_q  <= B_IDLE;
            oe_n_q <= 1'b1;
            rd_n_q <= 1'b1;
            wr_n_q <= 1'b1;
            wbe_q  <= 4'd0;
        end else begin
            if (gather) begin
                wdata_q[8*wbe_count(wbe_q) +: 8] <= s_data;
                wbe_q <= {wbe_q[2:0], 1'b1};
            end
            case (bus_q)
                B_IDLE: begin
                    if (!ft_rxf_n && skid_room) begin
                        bus_q  <= B_READ;
                        oe_n_q <= 1'b0;
                    end else if (word_out && !ft_txe_n) begin
                        bus_q <= B_WRITE;
                    end
                end
                B_READ: begin
                    if (ft_rxf_n || !skid_room) begin
                        rd_n_q <= 1'b1;
                        oe_n_q <= 1'b1;
                        bus_q  <= B_TURN;
                    end else begin
                        rd_n_q <= 1'b0;
                    end
                end
                B_WRITE: begin
                    if ((wr_n_q || wrote) && word_out && !gather) begin
                        out_data_q <= wdata_q;
                        out_be_q   <= wbe_q;
                        wbe_q      <= 4'd0;
                        wr_n_q     <= 1'b0;
                    end else if (wr_n_q || wrote) begin
                        wr_n_q <= 1'b1;
                        if (!word_out || !ft_rxf_n) bus_q <= B_TURN;
                    end
                end
                default: bus_q <= B_IDLE;
            endcase
        end
    end

    function [1:0] wbe_count;   // bytes gathered so far: the next byte's lane
        input [3:0] be;
        case (be)
            4'b0000: wbe_count = 2'd0;
            4'b0001: wbe_count = 2'd1;
            4'b0011: wbe_count = 2'd2;
            default: wbe_count = 2'd3;
        endcase
    endfunction

    assign ft_data_o = out_data_q;
    assign ft_be_o   = out_be_q;
    assign ft_oe     = (bus_q == B_WRITE);
    assign ft_rd_n   = rd_n_q;
    assign ft_wr_n   = wr_n_q;
    assign ft_oe_n   = oe_n_q;
endmodule

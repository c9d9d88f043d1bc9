// ft245_sync_fifo: the board's byte streams over an FTDI FT232H (or FT2232H channel A) in FT245
// synchronous FIFO mode: 60 MHz, 8-bit half-duplex bus, USB 2.0 high speed (FTDI AN_130).
//
// The FTDI chip drives the clock (CLKOUT, 60 MHz); this module and the board run on it. Bus rules:
//   read:  when RXF# is low, drive OE# low (the FTDI chip then drives the bus), one clock later RD# low;
//          a byte is transferred on every rising edge where RD# and RXF# are both low.
//   write: drive the byte and WR# low; it is transferred on a rising edge where WR# and TXE# are both low.
// All outputs are registered, so each transfer is judged by what was driven in the previous clock and
// sampled at this edge. Reads land in a small skid FIFO (RD# is released while it has fewer than 4 free
// places: two bytes can still arrive after the decision), so the board's s_ready never has to be seen by
// the bus in the same clock. The bus is turned round only between bursts; reads have priority (the host's
// invalidations are the line-rate direction), a write burst runs while RXF# is high or the skid FIFO is full.
//
// Ports:
//   clk, rst                 the FTDI CLKOUT domain; rst synchronous, active high
//   ftdi_data_i [7:0]        the bus as read (from the pad)
//   ftdi_data_o [7:0]        the bus as driven, when ftdi_data_oe is high (the part's top makes the tristate)
//   ftdi_data_oe
//   ftdi_rxf_n, ftdi_txe_n   FIFO status from the FTDI chip (active low)
//   ftdi_rd_n, ftdi_wr_n, ftdi_oe_n   strobes to the FTDI chip (active low)
//   m_valid/m_ready/m_data   bytes from the host, to board_top's s_*
//   s_valid/s_ready/s_data   bytes to the host, from board_top's m_*
module ft245_sync_fifo (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] ftdi_data_i,
    output wire [7:0] ftdi_data_o,
    output wire       ftdi_data_oe,
    input  wire       ftdi_rxf_n,
    input  wire       ftdi_txe_n,
    output wire       ftdi_rd_n,
    output wire       ftdi_wr_n,
    output wire       ftdi_oe_n,
    output wire       m_valid,
    input  wire       m_ready,
    output wire [7:0] m_data,
    input  wire       s_valid,
    output wire       s_ready,
    input  wire [7:0] s_data
);
    localparam [1:0] B_IDLE = 2'd0, B_READ = 2'd1, B_WRITE = 2'd2, B_TURN = 2'd3;

    reg [1:0] bus_q;
    reg       oe_n_q, rd_n_q, wr_n_q;
    reg [7:0] wdata_q;

    wire [4:0] skid_count;
    wire       skid_push = !rd_n_q && !ftdi_rxf_n;   // a byte crossed at this edge
    wire       skid_room = skid_count <= 5'd12;      // 16 deep, 4 kept free
    wire       skid_in_ready_unused;
    sync_fifo #(.WIDTH(8), .DEPTH_LOG2(4)) u_skid (
        .clk(clk), .rst(rst), .clear_i(1'b0),
        .in_valid(skid_push), .in_ready(skid_in_ready_unused), .in_data(ftdi_data_i),
        .out_valid(m_valid), .out_ready(m_ready), .out_data(m_data), .count_o(skid_count)
    );

    wire wrote = !wr_n_q && !ftdi_txe_n;              // the byte in wdata_q crossed at this edge
    // Take a new byte from the board when the write register is free or being emptied now.
    assign s_ready = (bus_q == B_WRITE) && (wr_n_q || wrote) && !ftdi_txe_n;

    always @(posedge clk) begin
        if (rst) begin
            bus_q  <= B_IDLE;
            oe_n_q <= 1'b1;
            rd_n_q <= 1'b1;
            wr_n_q <= 1'b1;
        end else begin
            case (bus_q)
                B_IDLE: begin
                    if (!ftdi_rxf_n && skid_room) begin
                        bus_q  <= B_READ;
                        oe_n_q <= 1'b0;             // the FTDI chip drives the bus from the next clock
                    end else if (s_valid && !ftdi_txe_n) begin
                        bus_q <= B_WRITE;
                    end
                end
                B_READ: begin
                    if (ftdi_rxf_n || !skid_room) begin
                        rd_n_q <= 1'b1;
                        oe_n_q <= 1'b1;
                        bus_q  <= B_TURN;           // one clock with nobody driving
                    end else begin
                        rd_n_q <= 1'b0;
                    end
                end
                B_WRITE: begin
                    if (s_valid && s_ready) begin
                        wdata_q <= s_data;
                        wr_n_q  <= 1'b0;
                    end else if (wrote || wr_n_q) begin
                        wr_n_q <= 1'b1;
                        // nothing more to send, or the host has bytes: end the burst
                        if (!s_valid || !ftdi_rxf_n) bus_q <= B_TURN;
                    end
                end
                default: bus_q <= B_IDLE;        // B_TURN
            endcase
        end
    end

    assign ftdi_data_o  = wdata_q;
    assign ftdi_data_oe = (bus_q == B_WRITE);
    assign ftdi_rd_n    = rd_n_q;
    assign ftdi_wr_n    = wr_n_q;
    assign ftdi_oe_n    = oe_n_q;
endmodule

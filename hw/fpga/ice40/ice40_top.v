// ice40_top: the board on an iCE40 HX8K (ct256) with an FT232H in FT245 synchronous FIFO mode.
// The FT232H's 60 MHz CLKOUT clocks everything; the only part-specific logic here is the bidirectional
// data bus (SB_IO tristates, inferred by Yosys from the assign below) and the power-on reset.
// Pins: ice40_hx8k_ft232h.pcf. LEDs: 0 link active (a byte moved), 1 refused host, 2 board busy.
module ice40_top (
    input  wire       ft_clk,      // FT232H CLKOUT, 60 MHz (a global buffer input pin)
    inout  wire [7:0] ft_data,
    input  wire       ft_rxf_n,
    input  wire       ft_txe_n,
    output wire       ft_rd_n,
    output wire       ft_wr_n,
    output wire       ft_oe_n,
    output wire       ft_siwu_n,   // send immediate: unused, held high
    output wire [2:0] led
);
    // Power-on reset: 16 clocks after configuration.
    reg [4:0] por_q = 5'd0;
    wire      rst = !por_q[4];
    always @(posedge ft_clk) if (rst) por_q <= por_q + 5'd1;

    wire [7:0] data_o;
    wire       data_oe;
    assign ft_data   = data_oe ? data_o : 8'bzzzzzzzz;
    assign ft_siwu_n = 1'b1;

    wire       h2b_valid, h2b_ready, b2h_valid, b2h_ready, hangup, busy;
    wire [7:0] h2b_data, b2h_data;

    ft245_sync_fifo u_fifo (
        .clk(ft_clk), .rst(rst),
        .ftdi_data_i(ft_data), .ftdi_data_o(data_o), .ftdi_data_oe(data_oe),
        .ftdi_rxf_n(ft_rxf_n), .ftdi_txe_n(ft_txe_n), .ftdi_rd_n(ft_rd_n), .ftdi_wr_n(ft_wr_n), .ftdi_oe_n(ft_oe_n),
        .m_valid(h2b_valid), .m_ready(h2b_ready), .m_data(h2b_data),
        .s_valid(b2h_valid), .s_ready(b2h_ready), .s_data(b2h_data)
    );

    // A USB link has no connections: the session starts at power-on, and a host that was refused is
    // forgotten when it sends again after the link idled (it will start with HELLO).
    board_top #(
        .BOARD_ID(64'h4657_4741_0000_0001), .ATC_ENTRIES_LOG2(`ATC_ENTRIES_LOG2),
        .MAX_BATCH(256), .MAX_OUTSTANDING_LOG2(8), .ATC_LOOKUP(0)
    ) u_board (
        .clk(ft_clk), .rst(rst), .session_reset_i(hangup && !busy && !h2b_valid),
        .s_valid(h2b_valid), .s_ready(h2b_ready), .s_data(h2b_data),
        .m_valid(b2h_valid), .m_ready(b2h_ready), .m_data(b2h_data),
        .hangup_o(hangup), .busy_o(busy)
    );

    reg [21:0] act_q = 22'd0;
    always @(posedge ft_clk) act_q <= (h2b_valid || b2h_valid) ? 22'h3FFFFF : (act_q != 22'd0 ? act_q - 22'd1 : 22'd0);
    assign led = {busy, hangup, act_q != 22'd0};
endmodule

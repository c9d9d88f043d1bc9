// bin2bcd: binary to packed BCD, sequential shift-and-add-3 ("double dabble"), WIDTH clocks.
//
// The board's ERROR messages quote numbers in decimal, as the software board's string interpolation
// does ("HELLO expected before Sync (seq 7)"); a divider would cost far more LUTs than this.
//
// Parameters:
//   WIDTH    bits of the value
//   DIGITS   decimal digits of the result (enough for 2^WIDTH - 1)
// Ports:
//   clk, rst       synchronous, active high
//   start_i        load value_i and convert (ignored while busy)
//   value_i        the number
//   done_o         bcd_o and ndigits_o hold the result of the last conversion
//   bcd_o          digit k (units = 0) at [4*k +: 4]
//   ndigits_o      significant digits, 1..DIGITS (0 prints as "0")
module bin2bcd #(
    parameter integer WIDTH  = 32,
    parameter integer DIGITS = 10
) (
    input  wire                clk,
    input  wire                rst,
    input  wire                start_i,
    input  wire [WIDTH-1:0]    value_i,
    output wire                done_o,
    output wire [4*DIGITS-1:0] bcd_o,
    output reg  [4:0]          ndigits_o
);
    reg [WIDTH-1:0]    bin_q;
    reg [4*DIGITS-1:0] bcd_q;
    reg [6:0]          left_q;   // bits still to shift in
    reg                busy_q;

    reg [4*DIGITS-1:0] adj;
    integer k;
    always @(*) begin
        adj = bcd_q;
        for (k = 0; k < DIGITS; k = k + 1)
            if (adj[4*k +: 4] >= 4'd5) adj[4*k +: 4] = adj[4*k +: 4] + 4'd3;
    end

    always @(*) begin
        ndigits_o = 5'd1;
        for (k = 1; k < DIGITS; k = k + 1)
            if (bcd_q[4*k +: 4] != 4'd0) ndigits_o = k[4:0] + 5'd1;
    end

    always @(posedge clk) begin
        if (rst) begin
            busy_q <= 1'b0;
            left_q <= 7'd0;
            bcd_q  <= {4*DIGITS{1'b0}};
        end else if (!busy_q && start_i) begin
            busy_q <= 1'b1;
            bin_q  <= value_i;
            bcd_q  <= {4*DIGITS{1'b0}};
            left_q <= WIDTH[6:0];
        end else if (busy_q) begin
            bcd_q  <= {adj[4*DIGITS-2:0], bin_q[WIDTH-1]};
            bin_q  <= {bin_q[WIDTH-2:0], 1'b0};
            left_q <= left_q - 7'd1;
            if (left_q == 7'd1) busy_q <= 1'b0;
        end
    end

    assign done_o = !busy_q;
    assign bcd_o  = bcd_q;
endmodule

// stream_reg: a register slice for a valid/ready byte stream - full throughput, and no combinational
// path from the output side's ready to the input side's ready or from the input data to the output.
// Two places (the classic "skid buffer"): the second catches the byte that arrives while the output stalls.
//
// Parameters:
//   WIDTH    bits per beat
// Ports:
//   clk, rst                         synchronous, active high (empties it)
//   s_valid/s_ready/s_data           in
//   m_valid/m_ready/m_data           out
module stream_reg #(
    parameter integer WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             s_valid,
    output wire             s_ready,
    input  wire [WIDTH-1:0] s_data,
    output wire             m_valid,
    input  wire             m_ready,
    output wire [WIDTH-1:0] m_data
);
    reg             out_valid_q, skid_valid_q;
    reg [WIDTH-1:0] out_q, skid_q;

    assign s_ready = !skid_valid_q;
    assign m_valid = out_valid_q;
    assign m_data  = out_q;

    always @(posedge clk) begin
        if (rst) begin
            out_valid_q  <= 1'b0;
            skid_valid_q <= 1'b0;
        end else begin
            if (!out_valid_q || m_ready) begin
                // The output place is free (or freeing): fill it from the skid place, else from the input.
                out_valid_q  <= skid_valid_q || s_valid;
                out_q        <= skid_valid_q ? skid_q : s_data;
                skid_valid_q <= 1'b0;
            end else if (s_valid && !skid_valid_q) begin
                skid_valid_q <= 1'b1;
                skid_q       <= s_data;
            end
        end
    end
endmodule

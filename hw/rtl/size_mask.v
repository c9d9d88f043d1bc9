// size_mask: the mask of the address bits below 2^size (bit j set when j < size), size 0..127 (64 and
// above: all ones). Built from two 3-bit thermometers and a 3-bit decoder, so it costs ~90 LUTs and no
// carry chain: written as 64 comparisons "j < size", synthesis makes 64 small subtractors.
//
// Ports:
//   size_i [6:0]   log2 of the span
//   mask_o [63:0]  bits below 2^size
module size_mask (
    input  wire [6:0]  size_i,
    output wire [63:0] mask_o
);
    // t[k] = (x > k): a 3-bit thermometer.
    function [7:0] therm3;
        input [2:0] x;
        case (x)
            3'd0: therm3 = 8'b0000_0000;
            3'd1: therm3 = 8'b0000_0001;
            3'd2: therm3 = 8'b0000_0011;
            3'd3: therm3 = 8'b0000_0111;
            3'd4: therm3 = 8'b0000_1111;
            3'd5: therm3 = 8'b0001_1111;
            3'd6: therm3 = 8'b0011_1111;
            default: therm3 = 8'b0111_1111;
        endcase
    endfunction

    wire [7:0] hi_gt = therm3(size_i[5:3]);                  // size[5:3] > J
    wire [7:0] hi_eq = 8'd1 << size_i[5:3];                   // size[5:3] == J
    wire [7:0] lo_gt = therm3(size_i[2:0]);                  // size[2:0] > k

    genvar j;
    generate
        for (j = 0; j < 64; j = j + 1) begin : g_bit
            // j = 8J + k < size  <=>  J < size[5:3], or J == size[5:3] and k < size[2:0]
            assign mask_o[j] = size_i[6] | hi_gt[j / 8] | (hi_eq[j / 8] & lo_gt[j % 8]);
        end
    endgenerate
endmodule

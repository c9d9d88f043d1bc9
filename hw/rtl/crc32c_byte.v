// crc32c_byte: one byte of CRC-32C (Castagnoli), combinational.
//
// The wire protocol's frame check (docs/wire-protocol.md §Frame): reflected polynomial 0x82F63B78,
// init 0xFFFFFFFF, xor-out 0xFFFFFFFF. This module is the per-byte step only; the caller holds the
// running value (init and xor-out are its business), so a receiver and a transmitter can each fold one
// byte per clock. Eight shift/xor steps unrolled: an XOR network of at most ~16 inputs per output bit.
//
// Ports:
//   crc_i   [31:0]  running CRC before this byte (not inverted)
//   data_i  [7:0]   the byte
//   crc_o   [31:0]  running CRC after it
module crc32c_byte (
    input  wire [31:0] crc_i,
    input  wire [7:0]  data_i,
    output wire [31:0] crc_o
);
    localparam [31:0] POLY = 32'h82F63B78;

    function [31:0] step8;
        input [31:0] crc;
        input [7:0]  data;
        integer      i;
        reg   [31:0] c;
        begin
            c = crc ^ {24'd0, data};
            for (i = 0; i < 8; i = i + 1)
                c = c[0] ? ((c >> 1) ^ POLY) : (c >> 1);
            step8 = c;
        end
    endfunction

    assign crc_o = step8(crc_i, data_i);
endmodule

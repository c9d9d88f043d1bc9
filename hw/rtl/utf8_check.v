// utf8_check: streaming well-formedness check of UTF-8, one byte per clock.
//
// The board must refuse a HELLO whose host name is not valid UTF-8 exactly as the C# HelloPayload
// does (System.Text.Unicode.Utf8.IsValid): no overlong forms, no surrogates (U+D800..DFFF), nothing
// above U+10FFFF, no stray continuation byte, nothing cut short. The Unicode Standard's Table 3-7
// ("Well-Formed UTF-8 Byte Sequences") is the rule: the byte after a lead byte has a lead-specific range,
// every later continuation byte is 80..BF.
//
// Ports:
//   clk, rst     rst (synchronous, active high) starts a new string (valid, nothing pending)
//   clear_i      same as rst for one string boundary, without resetting the design
//   en_i         data_i is the next byte of the string
//   data_i [7:0]
//   ok_o         the bytes so far are a valid prefix and no error was seen
//   complete_o   ok_o and no multi-byte sequence is open: the string so far is valid UTF-8
module utf8_check (
    input  wire       clk,
    input  wire       rst,
    input  wire       clear_i,
    input  wire       en_i,
    input  wire [7:0] data_i,
    output wire       ok_o,
    output wire       complete_o
);
    reg       ok_q,   ok_d;
    reg [1:0] need_q, need_d;  // continuation bytes still expected
    reg [7:0] lo_q,   lo_d;    // range of the next continuation byte
    reg [7:0] hi_q,   hi_d;

    always @(*) begin
        ok_d   = ok_q;
        need_d = need_q;
        lo_d   = lo_q;
        hi_d   = hi_q;
        if (en_i && ok_q) begin
            if (need_q != 2'd0) begin
                if (data_i < lo_q || data_i > hi_q) ok_d = 1'b0;
                need_d = need_q - 2'd1;
                lo_d   = 8'h80;
                hi_d   = 8'hBF;
            end else begin
                lo_d = 8'h80;
                hi_d = 8'hBF;
                if (data_i < 8'h80) begin
                    need_d = 2'd0;
                end else if (data_i >= 8'hC2 && data_i <= 8'hDF) begin
                    need_d = 2'd1;
                end else if (data_i == 8'hE0) begin
                    need_d = 2'd2; lo_d = 8'hA0;
                end else if (data_i == 8'hED) begin
                    need_d = 2'd2; hi_d = 8'h9F;
                end else if (data_i >= 8'hE1 && data_i <= 8'hEF) begin
                    need_d = 2'd2;
                end else if (data_i == 8'hF0) begin
                    need_d = 2'd3; lo_d = 8'h90;
                end else if (data_i >= 8'hF1 && data_i <= 8'hF3) begin
                    need_d = 2'd3;
                end else if (data_i == 8'hF4) begin
                    need_d = 2'd3; hi_d = 8'h8F;
                end else begin
                    ok_d = 1'b0;  // 80..C1 (continuation or overlong lead), F5..FF
                end
            end
        end
    end

    always @(posedge clk) begin
        if (rst || clear_i) begin
            ok_q   <= 1'b1;
            need_q <= 2'd0;
            lo_q   <= 8'h80;
            hi_q   <= 8'hBF;
        end else begin
            ok_q   <= ok_d;
            need_q <= need_d;
            lo_q   <= lo_d;
            hi_q   <= hi_d;
        end
    end

    assign ok_o       = ok_q;
    assign complete_o = ok_q && (need_q == 2'd0);
endmodule

// sync_fifo: single-clock FIFO, first-word-fall-through, storage in one inferred RAM.
//
// The RAM is read synchronously into an output register (so Yosys maps it to iCE40 block RAM) and
// written on a separate port; a word written this cycle is readable from the next one. count_o counts
// every word held, the output register's included.
//
// Parameters:
//   WIDTH        bits per word
//   DEPTH_LOG2   capacity 2^DEPTH_LOG2 words
// Ports:
//   clk, rst                 synchronous, active high; rst and clear_i empty the FIFO
//   in_valid/in_ready/in_data    write side (in_ready = not full)
//   out_valid/out_ready/out_data read side (out_data valid while out_valid)
//   count_o                  words held, 0..2^DEPTH_LOG2
module sync_fifo #(
    parameter integer WIDTH      = 16,
    parameter integer DEPTH_LOG2 = 10
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  clear_i,
    input  wire                  in_valid,
    output wire                  in_ready,
    input  wire [WIDTH-1:0]      in_data,
    output wire                  out_valid,
    input  wire                  out_ready,
    output wire [WIDTH-1:0]      out_data,
    output wire [DEPTH_LOG2:0]   count_o
);
    localparam [DEPTH_LOG2:0] DEPTH = {1'b1, {DEPTH_LOG2{1'b0}}};

    reg [WIDTH-1:0]      mem [0:(1<<DEPTH_LOG2)-1];
    reg [DEPTH_LOG2-1:0] wr_ptr_q, rd_ptr_q;
    reg [DEPTH_LOG2:0]   mem_count_q;   // words in the RAM, not yet in the output register
    reg                  out_valid_q;
    reg [WIDTH-1:0]      out_q;

    wire [DEPTH_LOG2:0] count = mem_count_q + {{DEPTH_LOG2{1'b0}}, out_valid_q};
    wire push = in_valid && (count != DEPTH);
    wire pop  = out_valid_q && out_ready;
    wire load = (mem_count_q != {(DEPTH_LOG2+1){1'b0}}) && (!out_valid_q || pop);

    always @(posedge clk) begin
        if (push) mem[wr_ptr_q] <= in_data;
        if (load) out_q <= mem[rd_ptr_q];
    end

    always @(posedge clk) begin
        if (rst || clear_i) begin
            wr_ptr_q    <= {DEPTH_LOG2{1'b0}};
            rd_ptr_q    <= {DEPTH_LOG2{1'b0}};
            mem_count_q <= {(DEPTH_LOG2+1){1'b0}};
            out_valid_q <= 1'b0;
        end else begin
            if (push) wr_ptr_q <= wr_ptr_q + {{(DEPTH_LOG2-1){1'b0}}, 1'b1};
            if (load) rd_ptr_q <= rd_ptr_q + {{(DEPTH_LOG2-1){1'b0}}, 1'b1};
            mem_count_q <= mem_count_q + {{DEPTH_LOG2{1'b0}}, push} - {{DEPTH_LOG2{1'b0}}, load};
            out_valid_q <= load ? 1'b1 : (pop ? 1'b0 : out_valid_q);
        end
    end

    assign in_ready  = (count != DEPTH);
    assign out_valid = out_valid_q;
    assign out_data  = out_q;
    assign count_o   = count;
endmodule

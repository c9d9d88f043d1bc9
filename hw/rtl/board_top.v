// board_top: the whole board, portable (no vendor primitives): frame receiver -> protocol engine ->
// ATC, and the engine's replies -> transmit framer. The host link is a synchronous byte stream with
// valid/ready in each direction; a USB FIFO adapter (ft245_sync_fifo, ft601_fifo) or the simulator's
// socket bridge (hw/sim) drives it.
//
//        s_* bytes --> frame_rx --evt--> board_engine --cmd--> atc_core
//                                           |   ^  <--cpl/rsp--'
//        m_* bytes <-- frame_tx <--frames---'   '-- pending itags (sync_fifo)
//
// Parameters: see board_engine (BOARD_ID, ATC_ENTRIES_LOG2, MAX_BATCH, MAX_OUTSTANDING_LOG2) and
// atc_core (ATC_LOOKUP = its HAS_LOOKUP: the protocol never looks up).
// Ports:
//   clk, rst            synchronous, active high; rst also empties the ATC
//   session_reset_i     a new host connection (one clock, while !busy_o): the receiver drops a partial
//                       frame, the board's seq restarts at 0, HELLO is awaited; the ATC is kept
//   s_valid/s_ready/s_data   host -> board bytes
//   m_valid/m_ready/m_data   board -> host bytes
//   hangup_o            the board refused the host (version): the link should be dropped
//   busy_o              work or output remains (false: the board waits for input)
module board_top #(
    parameter [63:0]  BOARD_ID             = 64'h4657_4741_0000_0001,
    parameter integer ATC_ENTRIES_LOG2     = 5,
    parameter integer MAX_BATCH            = 1024,
    parameter integer MAX_OUTSTANDING_LOG2 = 10,
    parameter integer ATC_LOOKUP           = 1
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       session_reset_i,
    input  wire       s_valid,
    output wire       s_ready,
    input  wire [7:0] s_data,
    output wire       m_valid,
    input  wire       m_ready,
    output wire [7:0] m_data,
    output wire       hangup_o,
    output wire       busy_o
);
    wire         evt_valid, evt_ready, evt_name_ok;
    wire [1:0]   evt_kind;
    wire [7:0]   evt_major, evt_minor, evt_type;
    wire [31:0]  evt_seq;
    wire [16:0]  evt_len;
    wire [223:0] evt_head;
    wire         rx_idle;

    frame_rx #(.HEAD_BYTES(28)) u_rx (
        .clk(clk), .rst(rst || session_reset_i),
        .s_valid(s_valid), .s_ready(s_ready), .s_data(s_data),
        .evt_valid(evt_valid), .evt_ready(evt_ready), .evt_kind(evt_kind), .evt_major(evt_major),
        .evt_minor(evt_minor), .evt_type(evt_type), .evt_seq(evt_seq), .evt_len(evt_len),
        .evt_head(evt_head), .evt_name_ok(evt_name_ok), .idle_o(rx_idle)
    );

    wire        cmd_valid, cmd_ready, cmd_global;
    wire [2:0]  cmd_op;
    wire [31:0] cmd_sid, cmd_pasid;
    wire [63:0] cmd_va, cmd_pa;
    wire [6:0]  cmd_size;
    wire [3:0]  cmd_perms;
    wire [15:0] cmd_itag;
    wire        cpl_valid, cpl_ready;
    wire [15:0] cpl_itag;
    wire        rsp_valid, rsp_ready, rsp_hit, rsp_global;
    wire [1:0]  rsp_kind;
    wire [15:0] rsp_count;
    wire [31:0] rsp_pasid;
    wire [5:0]  rsp_size;
    wire [3:0]  rsp_perms;
    wire [63:0] rsp_va, rsp_pa;
    wire        atc_busy;

    atc_core #(.ENTRIES_LOG2(ATC_ENTRIES_LOG2), .HAS_LOOKUP(ATC_LOOKUP)) u_atc (
        .clk(clk), .rst(rst),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_sid(cmd_sid),
        .cmd_pasid(cmd_pasid), .cmd_global(cmd_global), .cmd_va(cmd_va), .cmd_size(cmd_size),
        .cmd_pa(cmd_pa), .cmd_perms(cmd_perms), .cmd_itag(cmd_itag),
        .cpl_valid(cpl_valid), .cpl_ready(cpl_ready), .cpl_itag(cpl_itag),
        .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_kind(rsp_kind), .rsp_count(rsp_count),
        .rsp_hit(rsp_hit), .rsp_pasid(rsp_pasid), .rsp_size(rsp_size), .rsp_perms(rsp_perms),
        .rsp_global(rsp_global), .rsp_va(rsp_va), .rsp_pa(rsp_pa), .busy_o(atc_busy)
    );

    wire        tx_start_valid, tx_start_ready, pl_valid, pl_ready, tx_busy;
    wire [7:0]  tx_start_type, pl_data;
    wire [16:0] tx_start_len;
    wire        engine_busy;

    board_engine #(
        .BOARD_ID(BOARD_ID), .ATC_ENTRIES_LOG2(ATC_ENTRIES_LOG2),
        .MAX_BATCH(MAX_BATCH), .MAX_OUTSTANDING_LOG2(MAX_OUTSTANDING_LOG2)
    ) u_engine (
        .clk(clk), .rst(rst), .session_reset_i(session_reset_i), .host_idle_i(!s_valid),
        .evt_valid(evt_valid), .evt_ready(evt_ready), .evt_kind(evt_kind), .evt_major(evt_major),
        .evt_minor(evt_minor), .evt_type(evt_type), .evt_seq(evt_seq), .evt_len(evt_len),
        .evt_head(evt_head), .evt_name_ok(evt_name_ok),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_op(cmd_op), .cmd_sid(cmd_sid),
        .cmd_pasid(cmd_pasid), .cmd_global(cmd_global), .cmd_va(cmd_va), .cmd_size(cmd_size),
        .cmd_pa(cmd_pa), .cmd_perms(cmd_perms), .cmd_itag(cmd_itag),
        .cpl_valid(cpl_valid), .cpl_ready(cpl_ready), .cpl_itag(cpl_itag),
        .rsp_valid(rsp_valid), .rsp_ready(rsp_ready), .rsp_count(rsp_count), .rsp_pasid(rsp_pasid),
        .rsp_size(rsp_size), .rsp_perms(rsp_perms), .rsp_global(rsp_global), .rsp_va(rsp_va),
        .rsp_pa(rsp_pa), .atc_busy_i(atc_busy),
        .tx_start_valid(tx_start_valid), .tx_start_ready(tx_start_ready), .tx_start_type(tx_start_type),
        .tx_start_len(tx_start_len), .pl_valid(pl_valid), .pl_ready(pl_ready), .pl_data(pl_data),
        .tx_busy_i(tx_busy), .hangup_o(hangup_o), .busy_o(engine_busy)
    );

    frame_tx u_tx (
        .clk(clk), .rst(rst), .seq_reset_i(session_reset_i),
        .start_valid(tx_start_valid), .start_ready(tx_start_ready), .start_type(tx_start_type),
        .start_len(tx_start_len), .pl_valid(pl_valid), .pl_ready(pl_ready), .pl_data(pl_data),
        .m_valid(m_valid), .m_ready(m_ready), .m_data(m_data), .busy_o(tx_busy)
    );

    // rx_idle is not part of busy: a frame cut short waits for its bytes, as the software board does.
    assign busy_o = engine_busy;
endmodule

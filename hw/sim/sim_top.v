// sim_top: what board-sim simulates. The board (board_top) serves the socket; beside it, standalone
// instances of the CRC step, the frame receiver and the ATC core with their ports brought out, so the
// same Verilator build also runs the unit benches (board-sim --unit, driven from the C# tests).
// Simulation only: hw/fpga/<part>/ has its own top.
module sim_top #(
    parameter [63:0]  BOARD_ID             = 64'h4657_4741_0000_0001,
    parameter integer ATC_ENTRIES_LOG2     = 5,
    parameter integer MAX_BATCH            = 1024,
    parameter integer MAX_OUTSTANDING_LOG2 = 10,
    parameter integer UNIT_ATC_LOG2        = 4
) (
    input  wire         clk,
    input  wire         rst,
    // the board
    input  wire         session_reset_i,
    input  wire         s_valid,
    output wire         s_ready,
    input  wire [7:0]   s_data,
    output wire         m_valid,
    input  wire         m_ready,
    output wire [7:0]   m_data,
    output wire         hangup_o,
    output wire         busy_o,
    // unit bench: CRC-32C step
    input  wire [31:0]  ucrc_i,
    input  wire [7:0]   ucrc_data_i,
    output wire [31:0]  ucrc_o,
    // unit bench: frame receiver
    input  wire         urx_valid,
    output wire         urx_ready,
    input  wire [7:0]   urx_data,
    output wire         urx_evt_valid,
    input  wire         urx_evt_ready,
    output wire [1:0]   urx_evt_kind,
    output wire [7:0]   urx_evt_major,
    output wire [7:0]   urx_evt_minor,
    output wire [7:0]   urx_evt_type,
    output wire [31:0]  urx_evt_seq,
    output wire [16:0]  urx_evt_len,
    output wire [223:0] urx_evt_head,
    output wire         urx_evt_name_ok,
    // unit bench: ATC core (2^UNIT_ATC_LOG2 entries)
    input  wire         uatc_cmd_valid,
    output wire         uatc_cmd_ready,
    input  wire [2:0]   uatc_cmd_op,
    input  wire [31:0]  uatc_cmd_sid,
    input  wire [31:0]  uatc_cmd_pasid,
    input  wire         uatc_cmd_global,
    input  wire [63:0]  uatc_cmd_va,
    input  wire [6:0]   uatc_cmd_size,
    input  wire [63:0]  uatc_cmd_pa,
    input  wire [3:0]   uatc_cmd_perms,
    input  wire [15:0]  uatc_cmd_itag,
    output wire         uatc_cpl_valid,
    input  wire         uatc_cpl_ready,
    output wire [15:0]  uatc_cpl_itag,
    output wire         uatc_rsp_valid,
    input  wire         uatc_rsp_ready,
    output wire [1:0]   uatc_rsp_kind,
    output wire [15:0]  uatc_rsp_count,
    output wire         uatc_rsp_hit,
    output wire [31:0]  uatc_rsp_pasid,
    output wire [5:0]   uatc_rsp_size,
    output wire [3:0]   uatc_rsp_perms,
    output wire         uatc_rsp_global,
    output wire [63:0]  uatc_rsp_va,
    output wire [63:0]  uatc_rsp_pa,
    output wire         uatc_busy_o
);
    board_top #(
        .BOARD_ID(BOARD_ID), .ATC_ENTRIES_LOG2(ATC_ENTRIES_LOG2),
        .MAX_BATCH(MAX_BATCH), .MAX_OUTSTANDING_LOG2(MAX_OUTSTANDING_LOG2)
    ) u_board (
        .clk(clk), .rst(rst), .session_reset_i(session_reset_i),
        .s_valid(s_valid), .s_ready(s_ready), .s_data(s_data),
        .m_valid(m_valid), .m_ready(m_ready), .m_data(m_data),
        .hangup_o(hangup_o), .busy_o(busy_o)
    );

    crc32c_byte u_crc (.crc_i(ucrc_i), .data_i(ucrc_data_i), .crc_o(ucrc_o));

    wire urx_idle_unused;
    frame_rx #(.HEAD_BYTES(28)) u_rx (
        .clk(clk), .rst(rst), .s_valid(urx_valid), .s_ready(urx_ready), .s_data(urx_data),
        .evt_valid(urx_evt_valid), .evt_ready(urx_evt_ready), .evt_kind(urx_evt_kind),
        .evt_major(urx_evt_major), .evt_minor(urx_evt_minor), .evt_type(urx_evt_type),
        .evt_seq(urx_evt_seq), .evt_len(urx_evt_len), .evt_head(urx_evt_head),
        .evt_name_ok(urx_evt_name_ok), .idle_o(urx_idle_unused)
    );

    atc_core #(.ENTRIES_LOG2(UNIT_ATC_LOG2)) u_atc (
        .clk(clk), .rst(rst),
        .cmd_valid(uatc_cmd_valid), .cmd_ready(uatc_cmd_ready), .cmd_op(uatc_cmd_op),
        .cmd_sid(uatc_cmd_sid), .cmd_pasid(uatc_cmd_pasid), .cmd_global(uatc_cmd_global),
        .cmd_va(uatc_cmd_va), .cmd_size(uatc_cmd_size), .cmd_pa(uatc_cmd_pa),
        .cmd_perms(uatc_cmd_perms), .cmd_itag(uatc_cmd_itag),
        .cpl_valid(uatc_cpl_valid), .cpl_ready(uatc_cpl_ready), .cpl_itag(uatc_cpl_itag),
        .rsp_valid(uatc_rsp_valid), .rsp_ready(uatc_rsp_ready), .rsp_kind(uatc_rsp_kind),
        .rsp_count(uatc_rsp_count), .rsp_hit(uatc_rsp_hit), .rsp_pasid(uatc_rsp_pasid),
        .rsp_size(uatc_rsp_size), .rsp_perms(uatc_rsp_perms), .rsp_global(uatc_rsp_global),
        .rsp_va(uatc_rsp_va), .rsp_pa(uatc_rsp_pa), .busy_o(uatc_busy_o)
    );
endmodule

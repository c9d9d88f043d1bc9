#!/bin/sh
# report.sh NEXTPNR_REPORT TARGET_MHZ ATC_ENTRIES: the summary hw/README.md documents, from nextpnr's
# --report JSON: logic cells used (the iCE40's LUT4+FF cells), block RAMs, and the worst Fmax over clocks.
set -eu
jq -c --argjson target "$2" --argjson entries "$3" '{
  lut: .utilization.ICESTORM_LC.used,
  lut_total: .utilization.ICESTORM_LC.available,
  bram: .utilization.ICESTORM_RAM.used,
  fmax_mhz: ([.fmax[] | .achieved] | min | . * 100 | floor / 100),
  target_mhz: $target,
  atc_entries: $entries
}' "$1"

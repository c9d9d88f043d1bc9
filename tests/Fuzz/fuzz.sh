#!/bin/sh
# Runs one standing fuzzer for longer than `dotnet test` does (a few seconds each there).
#   tests/Fuzz/fuzz.sh TARGET [SECONDS] [SEED]      TARGET: trace, strace, elf, yaml, frames
# Crashing inputs are written to $EMULATOR_FUZZ_FINDINGS (default tests/Fuzz/findings/TARGET/, with a
# .txt saying what failed); once fixed, move each into tests/Fuzz/regressions/TARGET/ so it stays fixed.
set -eu
target=${1:?usage: fuzz.sh trace|strace|elf|yaml|frames [SECONDS] [SEED]}
seconds=${2:-600}
seed=${3:-$(date +%s)}
root=$(cd "$(dirname "$0")/../.." && pwd)
export EMULATOR_FUZZ_TARGET="$target"
export EMULATOR_FUZZ_SECONDS="$seconds"
export EMULATOR_FUZZ_SEED="$seed"
export EMULATOR_FUZZ_FINDINGS="${EMULATOR_FUZZ_FINDINGS:-$root/tests/Fuzz/findings}"
echo "fuzzing $target for $seconds s, seed $seed; findings in $EMULATOR_FUZZ_FINDINGS"
exec dotnet test "$root/tests/Emulator.Tests" -c Release \
  --filter "FullyQualifiedName~Emulator.Tests.Fuzz.FuzzSmokeTests.Fuzz_smoke_finds_no_crash" \
  --logger "console;verbosity=detailed"

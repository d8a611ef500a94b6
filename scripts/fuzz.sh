#!/usr/bin/env bash
# Runs every libFuzzer harness for a bounded time (docs/testing.md "Fuzzers").
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS]      default build-san, PMUSIM_FUZZ_SECONDS or 30 each
#   scripts/fuzz.sh build-san 600 msr          one harness, longer
#   PMUSIM_FUZZ_SEED=0 scripts/fuzz.sh ...      another exploration (0: libFuzzer picks the seed)
# Each harness starts from its committed seeds (fuzz/corpus/NAME plus the project's own files of
# that kind), with a fixed -seed so a CI run is reproducible. Exit 1 on any crash, sanitizer
# report, oracle mismatch, hang (-timeout) or memory blow-up (-rss_limit_mb); the input that did
# it is saved as BUILD_DIR/fuzz-artifacts/NAME-crash-* (rerun: BUILD_DIR/fuzz_NAME FILE).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-san}
SECONDS_EACH=${2:-${PMUSIM_FUZZ_SECONDS:-30}}
shift 2 2>/dev/null || shift $#
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(msr workload scenario vcd)
seeds() {  # the read-only seed directories of a harness
    case $1 in
    msr) echo fuzz/corpus/msr ;;
    workload) echo fuzz/corpus/workload workloads ;;
    scenario) echo fuzz/corpus/scenario scenarios tests/data ;;
    vcd) echo fuzz/corpus/vcd ;;
    esac
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/fuzz-artifacts"
status=0
for name in "${NAMES[@]}"; do
    bin=$BUILD/fuzz_$name
    [ -x "$bin" ] || { echo "fuzz: $bin is not built"; status=1; continue; }
    work=$(mktemp -d)  # new inputs found in this run (the committed seeds stay as they are)
    dict=()
    [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
    log=$BUILD/fuzz-artifacts/$name.log
    start=$(date +%s)
    # shellcheck disable=SC2046
    "$bin" -seed="${PMUSIM_FUZZ_SEED:-1}" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$name-" "${dict[@]}" \
        "$work" $(seeds "$name") >"$log" 2>&1
    rc=$?
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    if [ $rc -ne 0 ]; then
        echo "fuzz_$name: FAILED (exit $rc) after $(( $(date +%s) - start )) s; log: $log"
        grep -E 'ERROR|differ|rejected|SUMMARY|Test unit written' "$log" | head -20
        status=1
    else
        echo "fuzz_$name: ok, ${runs:-?} inputs in $(( $(date +%s) - start )) s"
    fi
    rm -rf "$work"
done
exit $status

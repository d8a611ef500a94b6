#!/usr/bin/env bash
# Golden waveforms of the built-in scenarios (docs/waveforms.md).
#   scripts/golden-waveforms.sh [path/to/pmusim]           check: rerun each scenario and compare
#                                                          with tests/golden/SCENARIO.vcd by signal
#                                                          and time (pmusim wave diff)
#   scripts/golden-waveforms.sh [path/to/pmusim] --bless   rewrite the golden files after an
#                                                          intended change
set -euo pipefail
cd "$(dirname "$0")/.."
PMUSIM=${1:-build/pmusim}
MODE=${2:-check}
CYCLES=300000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for s in $("$PMUSIM" run --list); do
    # A run whose checks fire still writes its waveform; the exit status is not the point here.
    "$PMUSIM" run "$s" -n $CYCLES --vcd "$tmp/$s.vcd" >/dev/null || true
    # A host with several CPUs writes one waveform per CPU: SCENARIO.cpuN.vcd.
    for f in "$tmp/$s.vcd" "$tmp/$s".cpu*.vcd; do
        [ -f "$f" ] || continue
        golden=tests/golden/$(basename "$f")
        if [ "$MODE" = "--bless" ]; then
            cp "$f" "$golden"
            echo "blessed $golden"
        elif [ ! -f "$golden" ]; then
            echo "missing $golden: run scripts/golden-waveforms.sh $PMUSIM --bless"; status=1
        elif ! "$PMUSIM" wave diff "$golden" "$f"; then
            echo "waveform of $s changed: if intended, run scripts/golden-waveforms.sh $PMUSIM --bless"; status=1
        fi
    done
done
exit $status

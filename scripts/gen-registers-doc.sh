#!/usr/bin/env bash
# Regenerates the preset tables of docs/registers.md from the register table in the code.
# Usage: scripts/gen-registers-doc.sh [path/to/pmusim] [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
PMUSIM=${1:-build/pmusim}
doc=docs/registers.md
head=$(sed '/<!-- generated below by scripts\/gen-registers-doc.sh -->/q' "$doc")
gen=$( for cpu in skylake icelake sapphirerapids lunarlake; do
         echo; echo "### $cpu"; echo; "$PMUSIM" info --cpu "$cpu" --registers-md; done )
if [ "${2:-}" = "--check" ]; then
    if [ "$(printf '%s\n%s\n' "$head" "$gen")" != "$(cat "$doc")" ]; then
        echo "docs/registers.md is out of date: run scripts/gen-registers-doc.sh"; exit 1
    fi
    echo "docs/registers.md matches the register table"; exit 0
fi
printf '%s\n%s\n' "$head" "$gen" > "$doc"

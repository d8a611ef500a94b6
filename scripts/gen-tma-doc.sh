#!/usr/bin/env bash
# Regenerates the formula tables of docs/tma.md from the TMA tables in the code
# (tma/tma_tables.cpp, tma/tables_*.cpp), as scripts/gen-registers-doc.sh does for the register table.
# Usage: scripts/gen-tma-doc.sh [path/to/pmusim] [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
PMUSIM=${1:-build/pmusim}
doc=docs/tma.md
marker='<!-- generated below by scripts/gen-tma-doc.sh -->'
grep -qF "$marker" "$doc" || { echo "$doc has no line '$marker'"; exit 1; }
head=$(sed "/$(printf '%s' "$marker" | sed 's/[\/.*]/\\&/g')/q" "$doc")
gen=$("$PMUSIM" topdown --formulas-md)
if [ "${2:-}" = "--check" ]; then
    if [ "$(printf '%s\n\n%s\n' "$head" "$gen")" != "$(cat "$doc")" ]; then
        echo "docs/tma.md is out of date: run scripts/gen-tma-doc.sh"; exit 1
    fi
    echo "docs/tma.md matches the TMA formula tables"; exit 0
fi
printf '%s\n\n%s\n' "$head" "$gen" > "$doc"

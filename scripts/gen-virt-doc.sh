#!/usr/bin/env bash
# Regenerates the end of docs/virtualization.md: the checker and violation-kind tables
# (`pmusim run --checkers`, from the checker registry) and the mutation tables
# (`pmusim mutate --format markdown` on every built-in scenario).
# Usage: scripts/gen-virt-doc.sh [path/to/pmusim] [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
PMUSIM=${1:-build/pmusim}
doc=docs/virtualization.md
head=$(sed '/<!-- generated below by scripts\/gen-virt-doc.sh -->/q' "$doc")
gen=$( echo; echo "### Checkers and violation kinds"; echo; "$PMUSIM" run --checkers
       for s in $("$PMUSIM" run --list); do
         echo; echo "### $s"; echo; "$PMUSIM" mutate "$s" --format markdown; done )
if [ "${2:-}" = "--check" ]; then
    if [ "$(printf '%s\n%s\n' "$head" "$gen")" != "$(cat "$doc")" ]; then
        echo "docs/virtualization.md is out of date: run scripts/gen-virt-doc.sh"; exit 1
    fi
    echo "docs/virtualization.md mutation tables match"; exit 0
fi
printf '%s\n%s\n' "$head" "$gen" > "$doc"

#!/usr/bin/env bash
# Configures and builds pmusim into build/ (CLI, tests, benchmark, Python extension).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache, when present, also serves the second build that `pip install .` makes (tests/install).
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPYTHON_EXECUTABLE=/usr/bin/python3 "${launcher[@]}" >/dev/null
cmake --build build -j "$(nproc)"

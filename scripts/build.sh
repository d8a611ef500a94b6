#!/usr/bin/env bash
# Configures and builds pmusim into build/ (CLI, tests, benchmark, Python extension).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPYTHON_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build -j "$(nproc)"

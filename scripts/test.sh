#!/usr/bin/env bash
# README command 2 (and .ci/run): install what is missing, build, run every test, then the
# sanitizer suite and the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
status=0
(cd build && ctest --output-on-failure) || status=1
PYTHONPATH=python /usr/bin/python3 -m pytest -q tests/python || status=1
# The same suite under ASan + UBSan, then the fuzzers (docs/testing.md).
scripts/sanitizers.sh || status=1
exit $status

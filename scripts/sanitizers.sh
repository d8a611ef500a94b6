#!/usr/bin/env bash
# The sanitizer build and its suite (docs/testing.md "Sanitizers and fuzzers"), run by
# scripts/test.sh after the normal suite:
#   1. build-san/: clang-14, CMAKE_BUILD_TYPE=Sanitize (ASan + UBSan, every report fatal), with
#      libFuzzer's coverage instrumentation so the fuzzers link against the same objects;
#   2. the GoogleTest suite and the CLI checks on those binaries;
#   3. every fuzzer for PMUSIM_FUZZ_SECONDS (default 30) each (scripts/fuzz.sh).
# `--no-fuzz` stops after step 2. Skips, saying so, only when the clang toolchain is missing
# (scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
RT=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux
if ! command -v clang++-14 >/dev/null || [ ! -f "$RT/libclang_rt.fuzzer-x86_64.a" ] || [ ! -f "$RT/libclang_rt.asan-x86_64.a" ]; then
    echo "sanitizers: SKIPPED: clang++-14 with its ASan/UBSan/libFuzzer runtimes (clang-14, libclang-rt-14-dev) is not installed"
    exit 0
fi
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang-14 CXX=clang++-14 cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Sanitize -DPMUSIM_FUZZERS=ON \
    -DPMUSIM_PYTHON=OFF -DPMUSIM_BENCH=OFF "${LAUNCHER[@]}" >/dev/null
cmake --build build-san -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
start=$(date +%s)
build-san/pmusim_tests --gtest_brief=1 || status=1
tests/cli/test_cli.sh build-san/pmusim || status=1
echo "sanitizers: suite under ASan+UBSan in $(( $(date +%s) - start )) s"
[ "${1:-}" = "--no-fuzz" ] || scripts/fuzz.sh build-san || status=1
exit $status

#!/usr/bin/env bash
# Installs the Debian 12 packages pmusim needs, only if some are missing. Non-interactive.
set -euo pipefail
PKGS=(build-essential cmake pkg-config libsystemc-dev libeigen3-dev pybind11-dev python3-pybind11 python3-dev
      libgtest-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev python3-numpy python3-pytest
      python3-pandas python3-matplotlib python3-distributed python3-yaml python3-tqdm gtkwave xvfb xauth
      help2man python3-pip python3-setuptools python3-wheel ccache
      python3-nbclient python3-nbformat python3-ipykernel)  # the example notebooks run in a test
# The sanitizer build and the fuzzers (scripts/sanitizers.sh): clang with its ASan, UBSan and
# libFuzzer runtimes, and llvm-symbolizer for readable reports. Wanted, not required: if they
# cannot be installed, scripts/sanitizers.sh says it skipped.
TOOLCHAIN=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
tool_missing=()
for p in "${TOOLCHAIN[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || tool_missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && [ ${#tool_missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PKGS[@]} packages and the ${#TOOLCHAIN[@]} toolchain packages present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# The toolchain alone missing must not stop the build: then a failed update only warns.
$SUDO apt-get update -qq || [ ${#missing[@]} -eq 0 ]
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    $SUDO apt-get install -y -qq "${missing[@]}" </dev/null
fi
if [ ${#tool_missing[@]} -gt 0 ]; then
    echo "install-deps: installing the sanitizer toolchain ${tool_missing[*]}"
    $SUDO apt-get install -y -qq "${tool_missing[@]}" </dev/null ||
        echo "install-deps: WARNING: could not install ${tool_missing[*]}: the sanitizer suite and fuzzers will be skipped"
fi

#!/usr/bin/env bash
# Installs the Debian 12 packages pmusim needs, only if some are missing. Non-interactive.
set -euo pipefail
PKGS=(build-essential cmake pkg-config libsystemc-dev libeigen3-dev pybind11-dev python3-pybind11 python3-dev
      libgtest-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev python3-numpy python3-pytest
      python3-pandas python3-matplotlib python3-distributed python3-yaml gtkwave xvfb xauth
      help2man python3-pip python3-setuptools python3-wheel ccache)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PKGS[@]} packages present"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" </dev/null

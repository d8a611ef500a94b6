#!/usr/bin/env bash
# Installed pmusim works without the checkout (docs/install.md):
#   tests/install/test_install.sh BUILD_DIR
# 1. `cmake --install` into a temporary prefix; 2. hide the checkout and the build directory (a
# private mount namespace with an empty tmpfs over them, when `unshare` allows it); 3. from another
# directory, with a clean environment, run the CLI and the Python package; 4. move the prefix and
# run again (relocatable); 5. remove share/pmusim and expect a clear error (the installed copy never
# falls back to the checkout); 6. the same checks on the .deb that CPack builds, unpacked; 7. the
# Python checks on `pip install --no-build-isolation` (offline; the package carries the libraries).
# Step 3 also runs every tutorial of docs/tutorials against the first installed copy.
set -euo pipefail
BUILD=$(cd "${1:?usage: test_install.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pydir=$(sed -n 's/^PMUSIM_PYTHON_INSTALL_DIR:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
help2man_found=$(sed -n 's/^PMUSIM_HELP2MAN:[A-Z]*=//p' "$BUILD/CMakeCache.txt")

# The checks, as a script outside the checkout (it may be hidden while they run).
cat > "$tmp/checks.sh" <<'CHECKS'
set -euo pipefail
prefix=$1 pydir=$2 src=$3 build=$4 man=$5 mode=$6  # mode: all, or python (a pip install has no CLI)
tutorials=$(dirname "$0")/tutorials  # copied beside this script: the checkout may be hidden
fail() { echo "FAIL: $*"; exit 1; }
if [ "${HIDE:-0}" = 1 ]; then
    mount -t tmpfs none "$src"
    case "$build" in "$src"/*) ;; *) mount -t tmpfs none "$build" ;; esac
    [ ! -e "$src/CMakeLists.txt" ] || fail "checkout still visible"
    echo "checkout hidden: $src"
fi
work=$(mktemp -d)
cd "$work"
run() { env -i HOME="$work" PATH="$prefix/bin:/usr/bin:/bin" PYTHONPATH="$prefix/$pydir" "$@"; }
if [ "$mode" = all ]; then
    run pmusim --version | grep -x >/dev/null "pmusim $PMUSIM_VERSION" || fail "pmusim --version"
    run pmusim topdown --list | grep -x >/dev/null mixed_app || fail "topdown --list: no mixed_app"
    out=$(run pmusim run perf_metrics_patch -n 300000) || fail "pmusim run perf_metrics_patch: exit $?"
    grep -q "^violations: 0" <<<"$out" || fail "pmusim run perf_metrics_patch: not clean"
    run pmusim topdown -w pointer_chase -n 1000000 | grep Backend_Bound >/dev/null || fail "topdown on a library workload"
    run pmusim list scenarios | grep "^perf_metrics_patch " >/dev/null || fail "pmusim list scenarios"
fi
run /usr/bin/python3 - "$prefix" "$PMUSIM_VERSION" <<'PY' || fail "python package"
import sys
import pmusim
prefix, version = sys.argv[1:3]
assert pmusim.__version__ == version, pmusim.__version__
assert pmusim.__file__.startswith(prefix), pmusim.__file__
assert pmusim.scenario_library_dir().startswith(prefix), pmusim.scenario_library_dir()
assert "mixed_app" in pmusim.workload_library()
s = pmusim.load_scenario("perf_metrics_patch")
s.cycles = 300_000
r = pmusim.run_scenario(s)
assert r["clean"], r["violation_counts"]
bad = pmusim.run_scenario(s, protocol=s.protocol().remove("put_perf_metrics"))
assert not bad["clean"]
m = pmusim.Machine(cpu="icelake")
m.workload = pmusim.load_workload("mixed_app")
print("python: pmusim", pmusim.__version__, "from", pmusim.__file__)
PY
if [ "$mode" = all ] && [ "$man" = 1 ]; then
    [ -s "$prefix/share/man/man1/pmusim.1" ] || fail "man page pmusim.1 missing"
    grep -q '^\.SH EXAMPLES' "$prefix/share/man/man1/pmusim-run.1" || fail "man page pmusim-run.1 without examples"
fi
[ "$mode" != all ] || [ -s "$prefix/share/bash-completion/completions/pmusim" ] || fail "bash completion missing"
if [ "${TUTORIALS:-0}" = 1 ]; then  # every tutorial block, against the installed copy only
    run /usr/bin/python3 "$tutorials/run_tutorials.py" --pythonpath "$prefix/$pydir" "$prefix/bin" "$tutorials"/*.md ||
        fail "the tutorials on the installed copy"
fi
echo "installed pmusim works from $prefix"
CHECKS
mkdir "$tmp/tutorials"
cp "$SRC"/docs/tutorials/*.md "$SRC/tests/docs/run_tutorials.py" "$tmp/tutorials/"

hide=0
if unshare -rm true 2>/dev/null && unshare -rm sh -c 'mount -t tmpfs none "$1"' sh "$tmp" 2>/dev/null; then hide=1
else echo "note: unshare is not permitted here; the checkout stays visible (step 5 still shows it is not used)"; fi
version=$("$BUILD/pmusim" --version | sed 's/^pmusim //')
checks() {  # PREFIX PYDIR [MODE]
    if [ $hide = 1 ]; then
        env HIDE=1 PMUSIM_VERSION="$version" unshare -rm bash "$tmp/checks.sh" "$1" "$2" "$SRC" "$BUILD" "$help2man_found" "${3:-all}"
    else
        env PMUSIM_VERSION="$version" bash "$tmp/checks.sh" "$1" "$2" "$SRC" "$BUILD" "$help2man_found" "${3:-all}"
    fi
}

echo "== cmake --install $BUILD --prefix $tmp/prefix"
cmake --install "$BUILD" --prefix "$tmp/prefix" >/dev/null
TUTORIALS=1 checks "$tmp/prefix" "$pydir"

echo "== the prefix moved as a whole"
mv "$tmp/prefix" "$tmp/moved"
checks "$tmp/moved" "$pydir"

echo "== without share/pmusim: a clear error, not the checkout's libraries"
mv "$tmp/moved/share/pmusim" "$tmp/moved/share/pmusim.off"
if err=$(cd "$tmp" && env -i PATH=/usr/bin:/bin "$tmp/moved/bin/pmusim" topdown --list 2>&1); then
    echo "FAIL: found a workload library without share/pmusim: $err"; exit 1
fi
grep -q "workloads library is not installed (looked in $tmp/moved/share/pmusim/workloads)" <<<"$err" ||
    { echo "FAIL: unclear error: $err"; exit 1; }
echo "ok: $err"

echo "== the Debian package (cpack -G DEB), unpacked"
(cd "$BUILD" && cpack -G DEB -B "$tmp/deb" >/dev/null)
deb=$(ls "$tmp"/deb/pmusim_*.deb)
dpkg-deb -f "$deb" Package Version Depends
dpkg-deb -x "$deb" "$tmp/root"
checks "$tmp/root/usr" "$pydir"

echo "== pip install --no-build-isolation (offline, into --target)"
(cd "$SRC" && /usr/bin/python3 -m pip install --no-build-isolation --no-deps --no-index --quiet --root-user-action=ignore --disable-pip-version-check --target "$tmp/pip" .)
[ -f "$tmp/pip/pmusim/data/scenarios/perf_metrics_patch.yaml" ] || { echo "FAIL: the package has no scenario library"; exit 1; }
checks "$tmp/pip" . python
echo "test_install: all checks passed"

#!/usr/bin/env bash
# The bash completion (sim/cli/pmusim-completion.bash): given the words typed so far, then these
# candidates. Commands, options and names come from the pmusim being completed.
#   tests/cli/test_completion.sh path/to/pmusim
set -uo pipefail
PMUSIM=$(cd "$(dirname "${1:?usage: test_completion.sh PMUSIM}")" && pwd)/$(basename "$1")
source "$(dirname "$0")/../../sim/cli/pmusim-completion.bash"
fails=0
complete_words() {  # WORD... (the last one is being completed) -> COMPREPLY, one per line
    COMP_LINE="$PMUSIM $*"
    COMP_POINT=${#COMP_LINE}
    _pmusim
    printf '%s\n' "${COMPREPLY[@]}"
}
expect() {  # DESCRIPTION EXPECTED-CANDIDATES... -- WORDS...
    local what=$1; shift
    local want=()
    while [ "$1" != "--" ]; do want+=("$1"); shift; done
    shift
    local got; got=$(complete_words "$@" | sort)
    local exp; exp=$(printf '%s\n' "${want[@]}" | sort)
    if [ "$got" != "$exp" ]; then
        echo "FAIL: $what: pmusim $*"; echo "  expected: $(echo $exp)"; echo "  got:      $(echo $got)"; fails=$((fails + 1))
    else
        echo "ok: $what"
    fi
}
contains() {  # DESCRIPTION CANDIDATE -- WORDS...
    local what=$1 want=$2; shift 3
    if complete_words "$@" | grep -x -- "$want" >/dev/null; then echo "ok: $what"
    else echo "FAIL: $what: pmusim $* does not offer $want"; fails=$((fails + 1)); fi
}
cd "$(mktemp -d)"  # no stray files among the file candidates
expect "commands" mutate -- mu
expect "commands starting with 'l'" list -- l
expect "top-level options" --help --version -- --
expect "a built-in scenario" perf_metrics_patch -- run perf_metrics_pa
expect "built-in scenarios by prefix" perf_metrics_patch perf_metrics_yaml_patch perf_metrics_yaml_patch_wrong_order -- run perf_m
expect "a preset after --cpu" icelake -- topdown --cpu ic
expect "a library workload after -w" pointer_chase -- topdown -w poi
expect "events of the preset given earlier" branches branch-misses -- stat --cpu skylake -e bran
expect "the next event of a list" cycles,branches cycles,branch-misses -- stat -e cycles,bran
expect "no topdown events on skylake" -- stat --cpu skylake -e topdown.sl
contains "topdown events on sapphirerapids" topdown.slots -- stat --cpu sapphirerapids -e topdown.sl
expect "an edit verb" remove: -- run perf_metrics_patch -E rem
# Bash replaces only what follows the last ':' or '=' of the word, so that part is the candidate.
contains "a step after remove:" put_perf_metrics -- run perf_metrics_patch -E remove:put_perf
expect "a value set from --help" csv -- topdown --format c
expect "a list section" events -- list ev
expect "a KVM variant" reset_keeps_perf_metrics -- run x --kvm-variant reset
expect "an override after --set" num_gp= num_fixed= -- info --set num_
contains "a command's options" --vcd-sample -- run perf_metrics_patch --vcd
contains "an event after a modifier: the part after ':'" u,cycles -- stat -e instructions:u,cyc
contains "a list section after a blank" events -- list ""
exit $((fails > 0))

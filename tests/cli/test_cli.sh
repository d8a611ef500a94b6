#!/usr/bin/env bash
# CLI end-to-end checks: `pmusim info` and `pmusim stat` work, and bad input exits non-zero with a
# message naming the input. Usage: test_cli.sh path/to/pmusim
set -u
PMUSIM=${1:?usage: test_cli.sh path/to/pmusim}
pass=0 fail=0
check() {  # check NAME EXPECTED_STATUS PATTERN -- command...  (status 1: any failure; 0 and 2: exactly)
    local name=$1 want=$2 pattern=$3; shift 4
    local out status
    out=$("$@" 2>&1); status=$?
    if { [ "$want" = 0 ] && [ $status -ne 0 ]; } || { [ "$want" != 0 ] && [ $status -eq 0 ]; } ||
        { [ "$want" = 2 ] && [ $status -ne 2 ]; }; then
        echo "FAIL $name: exit $status"; echo "$out" | head -20; fail=$((fail + 1)); return
    fi
    if ! grep -qE -- "$pattern" <<<"$out"; then
        echo "FAIL $name: output lacks /$pattern/"; echo "$out" | head -20; fail=$((fail + 1)); return
    fi
    pass=$((pass + 1))
}
check info-icelake 0 "EAX = 0x08300805" -- "$PMUSIM" info --cpu icelake
check info-registers 0 "IA32_PERF_METRICS \| 0x329" -- "$PMUSIM" info --cpu sapphirerapids
check info-override 0 "4 GP counters, 32 bits" -- "$PMUSIM" info --cpu sapphirerapids --set num_gp=4 --set gp_width=32
check info-md 0 "^\| IA32_PMC0 \| 0xC1 \| RW" -- "$PMUSIM" info --cpu skylake --registers-md
check stat-default 0 "equals the workload's exact event count" -- "$PMUSIM" stat --cpu skylake --cycles 100000
check stat-ipc 0 "2.00  insn per cycle" -- "$PMUSIM" stat --cpu lunarlake -w steady:instructions=2 -n 50000
check stat-rings 0 "equals the workload's exact" -- "$PMUSIM" stat --cpu icelake -w steady:kernel_share=0.4,period=333 \
    -e instructions:u,branches:k,cycles:k,r00c5 -n 100000
check stat-per-cycle 0 "6,000,000 +slots" -- "$PMUSIM" stat --cpu sapphirerapids --mode per-cycle -n 1000000 -e cycles,slots,instructions
check stat-json 0 "\"count\": 600000" -- "$PMUSIM" stat --cpu sapphirerapids -n 100000 -e slots --format json
check bad-cpu 1 "cpu: unknown CPU preset 'k6'" -- "$PMUSIM" info --cpu k6
check bad-override 1 "num_gp: at most 10 GP counters are modelled" -- "$PMUSIM" info --set num_gp=11
check bad-override-v6 1 "umask2: UMASK2 is enumerated by CPUID leaf 0x23: needs version 6" -- "$PMUSIM" info --cpu lunarlake --set version=5 --set umask2=1
check info-leaf23 0 "sub-leaf 1: EAX = 0x000003ff  GP counter bitmap" -- "$PMUSIM" info --cpu lunarlake
check bad-override-value 1 "gp_width: not an unsigned integer" -- "$PMUSIM" stat --set gp_width=wide
check bad-override-negative 1 "perf_capabilities: not an unsigned integer: '-1'" -- "$PMUSIM" info --set perf_capabilities=-1
check bad-event 1 "event 'bogus-event': unknown event" -- "$PMUSIM" stat -e bogus-event
check bad-negative 2 "--cycles: '-5' is not a whole number >= 1" -- "$PMUSIM" stat -n -5
check bad-huge 1 "--cycles: '99999999999999999999999' does not fit in 64 bits" -- "$PMUSIM" stat -n 99999999999999999999999
check bad-run-cycles 1 "--cycles: '-1' is not a whole number >= 1" -- "$PMUSIM" run perf_metrics_patch -n -1
check bad-workload 1 "workload 'steady:ipc=3': ipc: unknown phase parameter" -- "$PMUSIM" stat -w steady:ipc=3
check stat-multiplexed 0 "branch-misses +PMC\\* +# +[0-9.]+% of all branches +\\(60.00%\\)" -- "$PMUSIM" stat --cpu skylake \
    -e branches,branches,branches,branches,branch-misses
check stat-intel-name 0 "INT_MISC.UOP_DROPPING +PMC0" -- "$PMUSIM" stat --cpu sapphirerapids -e INT_MISC.UOP_DROPPING -n 100000
# perf's formats (tools/perf/util/stat-display.c): -x CSV, -j JSON Lines, -I in ms at --freq, -o.
check stat-csv 0 "^1500000,,instructions,1000000,100.00,1.50,insn per cycle$" -- "$PMUSIM" stat --cpu skylake \
    -n 1000000 -e instructions,cycles -x,
check stat-csv-no-metric 0 "^1000000,,cycles,1000000,100.00,,$" -- "$PMUSIM" stat --cpu skylake -n 1000000 -e instructions,cycles -x,
check stat-csv-branch-share 0 "^5000;;branch-misses;1000000;100.00;2.00;of all branches$" -- "$PMUSIM" stat --cpu skylake \
    -n 1000000 -e branches,branch-misses -x';'
# five GP events on four counters, run shorter than one rotation: the fifth never runs
check stat-csv-not-counted 0 "^<not counted>,,r00c5,0,0.00,,$" -- "$PMUSIM" stat --cpu skylake -n 1000000 \
    -e branches,branch-misses,cache-misses,cache-references,r00c5 -x,
check stat-csv-interval 0 "^0.002000000,1000000,,cycles,1000000,100.00,,$" -- "$PMUSIM" stat -n 2000000 -e cycles -I 1 -x,
check stat-csv-freq 0 "^0.001000000,2000000,,cycles,1000000,100.00,,$" -- "$PMUSIM" stat -n 4000000 -e cycles -I 1 --freq 2 -x,
check stat-interval-cycles 0 "^0.000500000,500000,,cycles,500000,100.00,,$" -- "$PMUSIM" stat -n 1000000 -e cycles -I 500000c -x,
check stat-interval-table 0 "^ +0.001000000 +1,000,000 +cycles +FIXED_CTR1" -- "$PMUSIM" stat -n 2000000 -e cycles -I 1
check stat-interval-warning 0 "warning: -I 1000c: an interval of 1000 cycles is 0.001 ms at 1 GHz" -- "$PMUSIM" stat \
    -n 3000 -e cycles -I 1000c -x,
if "$PMUSIM" stat -n 2000000 -e cycles -I 1 -x, 2>&1 >/dev/null | grep -q warning; then
    echo "FAIL stat-interval-quiet: -I 1 (1 ms) warned"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
if [ "$("$PMUSIM" stat -n 2000000 -e cycles -I 1 -x, | wc -l)" != 2 ]; then
    echo "FAIL stat-interval-rows: not one row per interval"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
check stat-json-lines 0 '^\{"counter-value" : "1500000.000000", "unit" : "", "event" : "instructions", "event-runtime" : 1000000, "pcnt-running" : 100.00, "metric-value" : "1.500000", "metric-unit" : "insn per cycle"\}$' \
    -- "$PMUSIM" stat --cpu skylake -n 1000000 -e instructions,cycles -j
check stat-json-lines-interval 0 '^\{"interval" : 0.001000000, "counter-value" : "1000000.000000", "unit" : "", "event" : "cycles", "event-runtime" : 1000000, "pcnt-running" : 100.00\}$' \
    -- "$PMUSIM" stat -n 1000000 -e cycles -I 1 -j
check bad-interval 1 "-I 'abc': expected a positive number of milliseconds" -- "$PMUSIM" stat -I abc
check bad-interval-zero 1 "-I '0': expected a positive number" -- "$PMUSIM" stat -I 0
check bad-interval-fraction 1 "-I '1.5c': not a whole number of cycles" -- "$PMUSIM" stat -I 1.5c
check bad-interval-json 1 "-I: --format json is one summary; use -j" -- "$PMUSIM" stat -I 1 --format json
check bad-csv-empty-sep 1 "an empty separator" -- "$PMUSIM" stat -x ''
check bad-csv-and-json 1 "excludes" -- "$PMUSIM" stat -x, -j
check bad-freq 1 "--freq" -- "$PMUSIM" stat --freq 0
check bad-output 1 "-o '/nonexistent/s.csv': cannot open for writing" -- "$PMUSIM" stat -x, -o /nonexistent/s.csv

# topdown: every archetype on every preset prints a tree with its bottleneck and error against truth.
DATA=$(dirname "$0")/../data
for w in $("$PMUSIM" topdown --list); do
    for c in skylake icelake sapphirerapids lunarlake; do
        check "topdown-$w-$c" 0 "bottleneck: [A-Z][A-Za-z_]+" -- "$PMUSIM" topdown --cpu $c -w $w -n 4000000
    done
done
check topdown-library 0 "pointer_chase" -- "$PMUSIM" topdown --list
check topdown-level3 0 "DRAM_Bound +[0-9.]+% +[0-9.]+% +[-+][0-9.]+ +<== bottleneck" -- "$PMUSIM" topdown --cpu sapphirerapids -w pointer_chase -l 3
check topdown-intervals 0 "0\\.020000000 " -- "$PMUSIM" topdown --cpu icelake -w mixed_app -I 10
# -I in milliseconds at --freq, or cycles with a c suffix: the same intervals three ways
check topdown-interval-cycles 0 "0\\.020000000 " -- "$PMUSIM" topdown --cpu icelake -w mixed_app -I 10000000c
check topdown-interval-freq 0 "0\\.020000000 " -- "$PMUSIM" topdown --cpu icelake -w mixed_app -I 10 --freq 1
check topdown-interval-freq2 0 "0\\.010000000 " -- "$PMUSIM" topdown --cpu icelake -w mixed_app -I 5 --freq 2
check topdown-interval-whole-run 0 "warning: topdown -I 5000000: 5000000 ms is the whole run \\(33714290 cycles at 1 GHz\\): one interval" -- \
    "$PMUSIM" topdown --cpu icelake -w mixed_app -I 5000000
check bad-topdown-interval 2 "-I '10x': expected a positive number of milliseconds" -- "$PMUSIM" topdown -I 10x
# topdown -x/-j: perf's rows, then a '%  tma_<node>' metric row per node computed
check topdown-perf-csv 0 "^,,,,,[0-9]+\.[0-9],%  tma_backend_bound$" -- "$PMUSIM" topdown --cpu icelake -w mixed_app -n 2000000 -x,
check topdown-perf-csv-slots 0 "^10000000,,slots,2000000,100.00,,$" -- "$PMUSIM" topdown --cpu icelake -w mixed_app -n 2000000 -x,
check topdown-perf-csv-interval 0 "^0.002000000,,,,,,[0-9]+\.[0-9],%  tma_retiring$" -- "$PMUSIM" topdown --cpu icelake \
    -w mixed_app -n 2000000 -I 1 -x,
if [ "$("$PMUSIM" topdown --cpu icelake -w mixed_app -n 2000000 -I 1 -l 3 -x, | grep -c ',%  tma_')" != \
     "$(( 2 * $("$PMUSIM" topdown --cpu icelake -w mixed_app -n 2000000 -l 3 | grep -cE '^  (FE|BAD|BE|RET) ') ))" ]; then
    echo "FAIL topdown-perf-every-node: not one metric row per node per interval"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
check topdown-perf-json 0 '^\{"metric-value" : "[0-9.]+", "metric-unit" : "%  tma_frontend_bound"\}$' -- "$PMUSIM" topdown \
    --cpu icelake -w mixed_app -n 2000000 -l 1 -j
check topdown-short-interval-warning 0 "warning: topdown -I 1000c: an interval of 1000 cycles is 0.001 ms" -- \
    "$PMUSIM" topdown --cpu icelake -w mixed_app -n 10000 -I 1000c -x,
# stat -r N: seeds + 0..N-1 of a workload file, each event's mean and perf's spread
check stat-repeat-table 0 "^ +[0-9,]+ +instructions +FIXED_CTR0 +# +[0-9.]+ +insn per cycle +\\( \\+- +[0-9]+\\.[0-9]{2}% \\)" -- \
    "$PMUSIM" stat -w mixed_app -n 30000000 -r 5 -e instructions,cycles
check stat-repeat-header 0 "\\(30,000,000 cycles, fast mode, 3 runs: seed \\+ 0\\.\\.2\\):" -- "$PMUSIM" stat -w mixed_app -n 30000000 -r 3
check stat-repeat-csv 0 "^[0-9]+,,instructions,[0-9]+\\.[0-9]{2}%,30000000,100\\.00,[0-9.]+,insn per cycle$" -- \
    "$PMUSIM" stat -w mixed_app -n 30000000 -r 3 -e instructions,cycles -x,
check stat-repeat-json 0 '"variance" : [0-9]+\.[0-9]{2}, "event-runtime"' -- "$PMUSIM" stat -w mixed_app -n 30000000 -r 3 -j
check stat-repeat-steady 0 "warning: -r 2: workload 'steady' has no seed: every run is the same" -- "$PMUSIM" stat -r 2 -n 1000
check bad-stat-repeat-interval 2 "-r 2 with -I: the intervals of repeated runs are not averaged" -- "$PMUSIM" stat -r 2 -I 1
check bad-stat-repeat-range 2 "--repeat: Value 101 not in range 1 to 100" -- "$PMUSIM" stat -r 101
check topdown-repeat-table 0 "^  BE  Backend_Bound +[0-9.]+% \\( \\+- +[0-9]+\\.[0-9]{2}% \\) +[0-9.]+%" -- "$PMUSIM" topdown -r 3
check topdown-repeat-csv 0 "^[0-9]+,,topdown-be-bound,[0-9]+\\.[0-9]{2}%,33714290,100\\.00,,$" -- "$PMUSIM" topdown -r 3 -x,
check topdown-repeat-toplev 0 "^C0,Backend_Bound,[0-9.]+,% Slots,[^,]*,,[0-9]+\\.[0-9],100\\.0," -- "$PMUSIM" topdown -r 3 --format toplev
check topdown-repeat-json 0 '"runs": 3,' -- "$PMUSIM" topdown -r 3 --format json
check bad-topdown-repeat-interval 2 "-r 2 with -I: the intervals of repeated runs are not averaged" -- "$PMUSIM" topdown -r 2 -I 1
check bad-topdown-repeat-csv 2 "-r 2 with --format csv: its rows have no spread" -- "$PMUSIM" topdown -r 2 --format csv
# {a,b}: a group goes on counters together; a group larger than the counters loses its extra events
check stat-group-turns 0 "^ +[0-9,]+ +cache-references +PMC\\* +\\(40\\.00%\\)" -- "$PMUSIM" stat --cpu skylake -n 20000000 \
    -e '{branches,branch-misses,cache-misses},{cache-references,r00c5}'
check stat-group-not-supported 0 "^<not supported>,,r00c5,0,0\\.00,,$" -- "$PMUSIM" stat --cpu skylake -n 1000000 \
    -e '{branches,branch-misses,cache-misses,cache-references,r00c5}' -x,
check stat-group-not-supported-table 0 "<not supported> +r00c5" -- "$PMUSIM" stat --cpu skylake -n 1000000 \
    -e '{branches,branch-misses,cache-misses,cache-references,r00c5}'
check bad-stat-group 2 "event '\\{branches\\}:u': unbalanced or nested" -- "$PMUSIM" stat -e '{branches}:u'
# perf's own CSV linter (tools/perf/tests/shell/stat+csv_output.sh): 6 separators a row, 7 with -I
fields_ok() {  # WANT command... : every output line has WANT '@' separators
    local want=$1; shift
    "$@" | awk -F@ -v want="$want" 'NF - 1 != want { bad = 1 } END { exit bad }'
}
for args in "stat --cpu skylake -n 1000000 -e instructions,cycles,branches,branch-misses,cache-misses,cache-references,r00c5|-I 1" \
            "topdown --cpu icelake -w mixed_app -n 2000000 -l 3|-I 1"; do
    interval=${args#*|} args=${args%|*}
    # shellcheck disable=SC2086
    if fields_ok 6 "$PMUSIM" $args -x@ && fields_ok 7 "$PMUSIM" $args $interval -x@; then pass=$((pass + 1))
    else echo "FAIL perf-csv-fields: $args: not 6 (7 with -I) separators a row"; fail=$((fail + 1)); fi
done
check bad-topdown-csv-and-format 2 "-x ',' with --format csv: -x is perf's CSV, or toplev's separator" -- "$PMUSIM" topdown -x, --format csv
check topdown-csv 0 "^ +0\\.010000000,[0-9]+,,topdown-fe-bound,10000000,100\\.00,[0-9.]+,%$" -- "$PMUSIM" topdown --cpu sapphirerapids \
    -w interpreter -I 10 --format csv
check topdown-json 0 "\"truth_bottleneck\": \"Branch_Mispredicts\"" -- "$PMUSIM" topdown --cpu lunarlake -w interpreter --format json
check topdown-gp 0 "gp_events" -- "$PMUSIM" topdown --cpu sapphirerapids --method gp_events -w vector_kernel
check topdown-skl-metrics 1 "Skylake has no PERF_METRICS|skylake has no PERF_METRICS" -- "$PMUSIM" topdown --cpu skylake --method perf_metrics
check topdown-bad-file 1 "bad_leaf.yaml:8: phases.b.slot_mix.frontend_bound: unknown TMA leaf" -- "$PMUSIM" topdown -w "$DATA/bad_leaf.yaml"
check topdown-bad-fetch-causes 1 "bad_fetch_causes.yaml:5: phases.a.fl_icache: the fetch-latency causes fl_\* must not add up to more than 1" \
    -- "$PMUSIM" topdown -w "$DATA/bad_fetch_causes.yaml"
check topdown-bad-divider 1 "divider_share: must be within 0..1, got 1.5" -- "$PMUSIM" topdown -w steady:divider_share=1.5
check topdown-bad-name 1 "workload 'nosuch': not a file" -- "$PMUSIM" topdown -w nosuch
# Selection: --nodes measures only the named nodes (and their parents); -M adds Info metrics.
check topdown-nodes 0 "selected nodes" -- "$PMUSIM" topdown --cpu skylake -w pointer_chase -n 4000000 --nodes 'Memory_Bound*'
# A pointer chase is DRAM-bound and, with no bandwidth-bound cycles, latency-bound below it.
check topdown-nodes-tree 0 "^  BE +MEM_Latency .*<== bottleneck" -- "$PMUSIM" topdown --cpu skylake -w pointer_chase -n 4000000 \
    --nodes 'Memory_Bound*'
check topdown-nodes-tree-l3 0 "^  BE +DRAM_Bound .*<== bottleneck" -- "$PMUSIM" topdown --cpu skylake -w pointer_chase -n 4000000 \
    --nodes 'L1_Bound,L2_Bound,L3_Bound,DRAM_Bound,Store_Bound'
# Level 3 beyond memory: Fetch_Latency's and Core_Bound's children, on every family.
check topdown-nodes-fetch 0 "^  FE +ICache_Misses " -- "$PMUSIM" topdown --cpu icelake -w server_icache -n 4000000 \
    --nodes 'Fetch_Latency*'
check topdown-nodes-core 0 "^  BE +Serializing_Operation " -- "$PMUSIM" topdown --cpu skylake -w vector_kernel -n 4000000 \
    --nodes 'Core_Bound*'
check list-nodes-level3 0 "^Frontend_Bound.Fetch_Latency.Branch_Resteers +Level 3, perf metric tma_branch_resteers: " \
    -- "$PMUSIM" list nodes --cpu sapphirerapids
check topdown-nodes-bad 1 "nodes: unknown node 'Memory_Bnd' \(nodes: Frontend_Bound, " -- "$PMUSIM" topdown --nodes Memory_Bnd
check topdown-info 0 "^  IPC +3 +3 +0$" -- "$PMUSIM" topdown --cpu sapphirerapids -w steady:instructions=3 -n 1000000 \
    -M IPC
check topdown-info-json 0 "\"UopPI\": \{" -- "$PMUSIM" topdown --cpu icelake -w interpreter -M Summary,UopPI --format json
check topdown-group-bad 1 "metric group 'Nope' matches no node or Info metric of the skylake formulas" -- \
    "$PMUSIM" topdown --cpu skylake -M Nope
check topdown-info-skl 1 "Spec_Clears_Ratio" -- "$PMUSIM" topdown --cpu skylake -M Spec_Clears_Ratio
# An interval without slots (the core idles after the workload's 1M cycles): 0/0 is nan, as perf.
check topdown-halted-csv 0 "^ +0\\.002000000,0,,topdown-fe-bound,1000000,100\\.00,nan,%$" -- "$PMUSIM" topdown \
    --cpu sapphirerapids -w "$DATA/halts_after_1m.yaml" -n 2000000 -I 1 --format csv
check topdown-halted-table 0 "^ +0\\.002000000 +nan +nan +nan +nan \\| +nan" -- "$PMUSIM" topdown \
    --cpu sapphirerapids -w "$DATA/halts_after_1m.yaml" -n 2000000 -I 1
check topdown-halted-toplev 0 "^0\\.002000000,C0,Frontend_Bound,nan,% Slots <,,,0\\.0,100\\.0,,,nan,nan$" -- "$PMUSIM" topdown \
    --cpu sapphirerapids -w "$DATA/halts_after_1m.yaml" -n 2000000 -I 1 --format toplev
# toplev -I -x, (pmu-tools tl_output.py OutputCSV), Truth and Error appended; dotted paths, "<" and "<=="
check topdown-toplev-header 0 "^Timestamp,CPUs,Area,Value,Unit,Description,Sample,Stddev,Multiplex,Bottleneck,Idle,Truth,Error$" -- \
    "$PMUSIM" topdown --cpu sapphirerapids -w pointer_chase -I 10 --format toplev
check topdown-toplev-bottleneck 0 "^0\\.010000000,C0,Backend_Bound\\.Memory_Bound\\.DRAM_Bound,[0-9.]+,% Slots,[^,]*,,0\\.0,[0-9.]+,<==,,[0-9.]+,[-0-9.e]+$" -- \
    "$PMUSIM" topdown --cpu sapphirerapids -w pointer_chase -I 10 -l 3 --format toplev
check topdown-toplev-below 0 "^C0;Retiring;[0-9.]+;% Slots <;" -- "$PMUSIM" topdown --cpu sapphirerapids -w pointer_chase --format toplev -x ';'
check topdown-toplev-metric 0 "^C0,IPC,[0-9.]+,Metric,instructions retired per unhalted cycle,,0\\.0,100\\.0,,,[0-9.]+,[-0-9.e]+$" -- \
    "$PMUSIM" topdown --cpu sapphirerapids -w pointer_chase --format toplev -M IPC
check topdown-json-tree 0 '"path": "Backend_Bound.Memory_Bound.DRAM_Bound"' -- "$PMUSIM" topdown --cpu sapphirerapids -w pointer_chase -l 3 --format json
check topdown-formulas-md 0 "^\| Fetch_Bandwidth \| any \| \`Frontend_Bound - Fetch_Latency\` \| PERFMON SKX \|$" -- \
    "$PMUSIM" topdown --formulas-md
# run / mutate: every built-in scenario runs clean under its protocol, and its mutation table
# starts with a clean baseline; a mutant exits 1 and prints the violation in full.
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
for s in $("$PMUSIM" run --list); do
    [ "$s" = guest_without_perf_metrics ] && continue  # its documented finding, below
    [ "$s" = perf_metrics_yaml_patch_wrong_order ] && continue  # a known bug, caught (below)
    [ "$s" = host_cpus_elide_same_cpu ] && continue  # a wrong elision, caught (below)
    [ "$s" = migrate_host_wrong_order ] && continue  # a VMM's wrong restore order, caught (below)
    check "run-$s" 0 "violations: 0" -- "$PMUSIM" run "$s"
    check "mutate-$s" 0 "^baseline +clean" -- "$PMUSIM" mutate "$s"
done
# Migration to another host: KVM's refusal on a host without PERF_METRICS, and a VMM restoring
# PERF_METRICS before FIXED_CTR3 (the run fails), a destination the scenario lacks.
check run-migrate-refused 0 "vm0 at cycle [0-9]+: sapphirerapids [(]cpu 0[)] -> sapphirerapids perf_metrics=0: refused at IA32_PERF_CAPABILITIES [(]PERF_CAPABILITIES bits KVM does not support: 0x8000[)]" -- "$PMUSIM" run migrate_host_no_perf_metrics
check run-migrate-moved 0 "the destination's msrs_to_save lacks: IA32_PERF_METRICS" -- "$PMUSIM" run migrate_host_no_perf_metrics
check run-migrate-wrong-order 1 "WRMSR IA32_PERF_METRICS <- 0x[0-9a-f]+ [(]exited[)]; restored before IA32_FIXED_CTR3" -- "$PMUSIM" run migrate_host_wrong_order
check run-migrate-json 0 '"refused": "IA32_PERF_CAPABILITIES"' -- "$PMUSIM" run migrate_host_no_perf_metrics --format json
check run-migrate-no-destination 2 "vmm\\[0\\].migrate.to: the scenario has no destination host" -- "$PMUSIM" run two_guests --set "vmm=[{at: 1, vcpu: vm0, migrate: {to: destination}}]"
# The finding: under the seed patch's rules the guest can RDPMC the host's PERF_METRICS.
check run-finding 1 "flow  PERF_METRICS [(]RDPMC[)]  reader vm0  source host  step vmentry" -- "$PMUSIM" run guest_without_perf_metrics
check mutate-finding 1 "^baseline +flow" -- "$PMUSIM" mutate guest_without_perf_metrics
check run-mutant 1 "flow  PERF_METRICS  reader host  source vm0  step perf_put_guest_context" -- "$PMUSIM" run perf_metrics_patch \
    -n 400000 -E remove:put_perf_metrics
check run-vmcs-mutant 1 "bleed .* reader vm0  source host  step vmexit_no_host_load" -- "$PMUSIM" run perf_metrics_patch -n 400000 \
    -E replace:vmexit=vmexit_no_host_load
# KVM's PMU event filter: a load path that ignores it is caught; KVM's v6 fixed-field finding;
# a filter KVM refuses names the field and the errno.
check run-filter-counts 0 "vm0 +branches +0 +[0-9]+  denied by the VM's event filter" -- "$PMUSIM" run event_filter -n 400000
check run-filter-mutant 1 "filtered  PMC0  reader vm0  source vm0  step guest vm0" -- "$PMUSIM" run event_filter -n 400000 \
    -E replace:load_guest_pmcs=load_guest_pmcs_unfiltered
check run-filter-fixed-mutant 1 "filtered  FIXED_CTR0  reader vm0  source vm0" -- "$PMUSIM" run event_filter -n 400000 \
    -E replace:load_fixed_ctr_ctrl=load_fixed_ctr_ctrl_unfiltered
check run-filter-finding 1 "filtered  FIXED_CTR0  reader vm0  source vm0  step guest vm0" -- "$PMUSIM" run \
    "$DATA/event_filter_fixed_field.yaml"
check run-bad-filter 1 "bad_event_filter.yaml:8: event_filter.masked\\[1\\]: KVM refuses the filter: EINVAL" -- "$PMUSIM" run \
    "$DATA/bad_event_filter.yaml"
check run-vcd 0 "waveform: .*run.vcd" -- "$PMUSIM" run perf_metrics_patch -n 200000 --vcd "$TMPD/run.vcd"
check run-vcd-file 0 '^[$]var wire 8 .* PERF_METRICS.retiring [$]end' -- cat "$TMPD/run.vcd"
# Contexts and steps are named (GTKWave's string variables; a space is written \040), never numbered.
check run-vcd-step-string 0 '^[$]var string 1 . step [$]end' -- cat "$TMPD/run.vcd"
check run-vcd-step-names 0 '^sexit\\040handling ' -- cat "$TMPD/run.vcd"
check run-vcd-ctx-name 0 '^svm0 ' -- cat "$TMPD/run.vcd"
# Beside the VCD, a GTKWave save file: the VCD, the groups, a marker at the first violation of each kind.
check run-gtkw-dumpfile 0 "^\\[dumpfile\\] \".*/run.vcd\"" -- cat "$TMPD/run.gtkw"
check run-gtkw-groups 0 "^-PERF_METRICS" -- cat "$TMPD/run.gtkw"
"$PMUSIM" run perf_metrics_patch -n 300000 -E swap:load_guest_pmcs,load_perf_metrics --vcd "$TMPD/marked.vcd" >/dev/null || true
check run-gtkw-markers 0 "^\\[markername\\] Bflow PERF_METRICS" -- cat "$TMPD/marked.gtkw"
check stat-gtkw 0 "GTKWave: gtkwave .*/st.gtkw" -- "$PMUSIM" stat -n 20000 --vcd "$TMPD/st.vcd"
# --vcd-window FROM:TO: the values at FROM, the changes up to TO; markers only inside the window.
check run-vcd-window 1 "waveform" -- "$PMUSIM" run perf_metrics_patch -n 300000 -E swap:load_guest_pmcs,load_perf_metrics \
    --vcd "$TMPD/win.vcd" --vcd-window 97000:200000
check run-vcd-window-start 0 "^#97000 #" -- bash -c "grep '^#' '$TMPD/win.vcd' | head -2 | tr '\n' ' '"
check run-vcd-window-end 0 "^#200000$" -- tail -1 "$TMPD/win.vcd"
check run-vcd-window-markers 0 "^\\[markername\\] Aflow PERF_METRICS" -- cat "$TMPD/win.gtkw"
check topdown-vcd-window 0 "^#1000$" -- bash -c "'$PMUSIM' topdown -n 200000 --vcd '$TMPD/td.vcd' --vcd-window 1000: >/dev/null 2>&1 && grep -m1 '^#' '$TMPD/td.vcd'"
check vcd-window-bad 2 "--vcd-window '5:1': FROM is after TO" -- "$PMUSIM" run perf_metrics_patch --vcd "$TMPD/x.vcd" --vcd-window 5:1
check vcd-window-late 2 "--vcd-window '5000:': starts after the run's 1000 cycles" -- "$PMUSIM" run perf_metrics_patch -n 1000 \
    --vcd "$TMPD/x.vcd" --vcd-window 5000:
check vcd-window-needs-vcd 1 "--vcd-window requires --vcd" -- "$PMUSIM" stat --vcd-window 1:2
check run-json 0 '"violation_counts": [{]' -- "$PMUSIM" run two_guests -n 300000 --format json
check run-per-cycle 0 "violations: 0" -- "$PMUSIM" run pmi_sampling -n 300000 --mode per-cycle
check mutate-markdown 0 '^[|] `swap:load_guest_pmcs,load_perf_metrics` [|] clobber,flow [|]' -- "$PMUSIM" mutate perf_metrics_patch \
    --format markdown
check run-bad-edit 1 "protocol edit 'remove:nope': step 'nope' is not in the mediated protocol" -- "$PMUSIM" run perf_metrics_patch \
    -E remove:nope
check run-bad-file 1 "bad_scenario.yaml:5: guests.vm0.run.max: must be >= min" -- "$PMUSIM" run "$DATA/bad_scenario.yaml"
check run-program 1 "guest programs: 3 accesses, 2 expectations, 1 failed" -- "$PMUSIM" run "$DATA/program_expectation.yaml"
check run-program-where 1 "program_expectation.yaml:9: guests.vm0.program\\[2\\] \\[wrong\\]" -- "$PMUSIM" run \
    "$DATA/program_expectation.yaml"
check run-program-json 1 '"failed": 1' -- "$PMUSIM" run "$DATA/program_expectation.yaml" --format json
check run-bad-program 1 "bad_program.yaml:6: guests.vm0.program\\[1\\].value: a wrmsr needs a value" -- "$PMUSIM" run \
    "$DATA/bad_program.yaml"
check conform-spr 0 "^conforms" -- "$PMUSIM" conform conform_sapphirerapids
check conform-table 0 "^overflow +107 +107 +0 +0 +0" -- "$PMUSIM" conform conform_icelake
check conform-explained 0 "^KVM +vm0 cycle [0-9]+  RDMSR IA32_PMC0" -- "$PMUSIM" conform "$DATA/conform_legacy_contended.yaml"
check conform-markdown 0 "^[|] overflow [|] 100 [|]" -- "$PMUSIM" conform conform_legacy --format markdown
check conform-fails 1 "DOES NOT CONFORM" -- "$PMUSIM" conform "$DATA/program_expectation.yaml"
check conform-no-program 1 "no guest runs a program" -- "$PMUSIM" conform perf_metrics_patch -n 100000
check conform-vmm 0 "^KVM +vm0 cycle [0-9]+  RDMSR IA32_PMC6: 0x0 [(]bare metal #GP, exited[)]" -- "$PMUSIM" conform vmm_userspace
check run-bad-caps 1 "guests.vm0.perf_capabilities: PERF_CAPABILITIES bits KVM does not support" -- "$PMUSIM" run "$DATA/bad_caps.yaml"
check run-variant-reset 1 "clobber  PERF_METRICS  reader vm0  source -  step load_perf_metrics" -- "$PMUSIM" run vmm_userspace \
    --kvm-variant reset_keeps_perf_metrics
check run-variant-pmc 1 "expected 0x80000000, read 0xffff80000000" -- "$PMUSIM" run vmm_userspace \
    --kvm-variant host_pmc_write_sign_extends
check run-variant-bad 2 "kvm variant 'nope': unknown" -- "$PMUSIM" run vmm_userspace --kvm-variant nope
check run-variant-escaped 2 "kvm variant 'x\\\\xffy': unknown" -- "$PMUSIM" run vmm_userspace --kvm-variant "$(printf 'x\377y')"
check edit-escaped 2 "protocol edit 'remove:a\\\\x01b': " -- "$PMUSIM" run perf_metrics_patch -E "$(printf 'remove:a\001b')"
check run-variant-lvtpc 1 "pmi_duplicated  PMI  reader vm0" -- "$PMUSIM" run lvtpc_late_ack -n 400000 \
    --kvm-variant lvtpc_no_auto_mask
check run-emulated 0 "vm1 .* hlt_fastpath=[0-9]+ .*msr_fastpath=[0-9]+" -- "$PMUSIM" run emulated_instructions
check run-variant-emulated 1 "clobber  IA32_PMC|clobber  FIXED_CTR0|clobber  PMC" -- "$PMUSIM" run emulated_instructions \
    --kvm-variant emulated_not_counted
check run-emulate-bad 2 "emulate: emulated instruction 'rdtsc': unknown" -- "$PMUSIM" run "$DATA/emulate_unknown.yaml"
check run-lvtpc-counts 0 "vm0: PMIs not injected through its masked LVTPC 0, not accepted by the physical LVTPC under its mask [1-9]" \
    -- "$PMUSIM" run lvtpc_late_ack -n 400000
check run-migrate-omit 1 "clobber  PERF_METRICS  reader vm0  source -  step load_perf_metrics" -- "$PMUSIM" run \
    "$DATA/vmm_migrate_without_perf_metrics.yaml"
check run-no-such 1 "scenario 'nosuch': no such file or built-in scenario" -- "$PMUSIM" run nosuch
check run-steps 0 "^put_perf_metrics_save_only  \\[mediated exit\\]" -- "$PMUSIM" run --steps
check run-missing 1 "scenario: name a built-in scenario" -- "$PMUSIM" run
# wave diff: by signal and time; a VCD survives vcd2fst/fst2vcd (GTKWave's tools) unchanged.
GOLD=$(dirname "$0")/../golden
check wave-same 0 "^identical: 27 signals" -- "$PMUSIM" wave diff "$GOLD/perf_metrics_patch.vcd" "$GOLD/perf_metrics_patch.vcd"
"$PMUSIM" run perf_metrics_patch -n 300000 -E swap:load_guest_pmcs,load_perf_metrics --vcd "$TMPD/swap.vcd" >/dev/null || true
check wave-differs 1 "PERF_METRICS.retiring: first differs at 24990: 0x3b vs 0x0" -- "$PMUSIM" wave diff \
    "$GOLD/perf_metrics_patch.vcd" "$TMPD/swap.vcd"
check wave-differs-step 1 'pmusim.step: first differs at 24990: "load_guest_pmcs" vs "load_perf_metrics"' -- "$PMUSIM" wave diff \
    "$GOLD/perf_metrics_patch.vcd" "$TMPD/swap.vcd"
check wave-signals 0 "^identical" -- "$PMUSIM" wave diff "$GOLD/perf_metrics_patch.vcd" "$TMPD/swap.vcd" --signals pmusim.ctx
check run-vcd-select 0 "waveform" -- "$PMUSIM" run perf_metrics_patch -n 100000 --vcd "$TMPD/sel.vcd" --vcd-signals 'ctx,PMC*'
check wave-selected 0 "PERF_METRICS.retiring: only in" -- bash -c "'$PMUSIM' wave diff '$GOLD/perf_metrics_patch.vcd' '$TMPD/sel.vcd'; true"
check run-vcd-bad-signal 1 "vcd signal 'bogus': matches no signal" -- "$PMUSIM" run perf_metrics_patch -n 1000 --vcd "$TMPD/x.vcd" \
    --vcd-signals bogus
printf '$timescale 0 ns $end\n$var wire 1 ! a $end\n$enddefinitions $end\n#0\n0!\n' > "$TMPD/ts0.vcd"
check wave-timescale-zero 2 "ts0.vcd:1: bad [$]timescale '0ns': the number must be 1, 10 or 100" -- "$PMUSIM" wave diff \
    "$TMPD/ts0.vcd" "$GOLD/perf_metrics_patch.vcd"
check wave-not-vcd 1 "no .enddefinitions" -- "$PMUSIM" wave diff "$DATA/bad_scenario.yaml" "$GOLD/perf_metrics_patch.vcd"
if command -v vcd2fst >/dev/null && command -v fst2vcd >/dev/null; then
    check vcd2fst 0 "" -- vcd2fst "$GOLD/two_guests.vcd" "$TMPD/two.fst"
    fst2vcd "$TMPD/two.fst" -o "$TMPD/two.vcd" >/dev/null 2>&1
    check wave-fst-roundtrip 0 "^identical: 27 signals" -- "$PMUSIM" wave diff "$GOLD/two_guests.vcd" "$TMPD/two.vcd"
    # A windowed waveform is a VCD GTKWave's tools take as well.
    check vcd2fst-window 0 "" -- vcd2fst "$TMPD/win.vcd" "$TMPD/win.fst"
    fst2vcd "$TMPD/win.fst" -o "$TMPD/win2.vcd" >/dev/null 2>&1
    check wave-fst-window 0 "^identical: 27 signals, up to time 200000" -- "$PMUSIM" wave diff "$TMPD/win.vcd" "$TMPD/win2.vcd"
else
    echo "skip vcd2fst checks: gtkwave's vcd2fst/fst2vcd not installed"
fi
check topdown-vcd 0 "bottleneck" -- "$PMUSIM" topdown --cpu icelake -w mixed_app -I 5 --vcd "$TMPD/td.vcd" --vcd-sample 1000000
check topdown-vcd-file 0 '^[$]var wire 8 .* PERF_METRICS.retiring [$]end' -- cat "$TMPD/td.vcd"
"$PMUSIM" stat --cpu skylake -n 1000000 -e instructions,cycles -x, -o "$TMPD/stat.csv" >"$TMPD/stat.out"
if ! grep -qx "1000000,,cycles,1000000,100.00,," "$TMPD/stat.csv" || [ -s "$TMPD/stat.out" ]; then
    echo "FAIL stat-output-file: -o did not get the rows, or stdout did"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
"$PMUSIM" topdown --cpu icelake -w mixed_app -n 2000000 -l 1 -x, -o "$TMPD/td.csv" >"$TMPD/td.out"
if [ "$(grep -c ',%  tma_' "$TMPD/td.csv")" != 4 ] || [ -s "$TMPD/td.out" ]; then
    echo "FAIL topdown-output-file: -o did not get the rows, or stdout did"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
"$PMUSIM" topdown --cpu icelake -w mixed_app -n 2000000 -o "$TMPD/td.txt" >"$TMPD/td.out"
if ! grep -q "cycles simulated in" "$TMPD/td.txt" || [ -s "$TMPD/td.out" ]; then
    echo "FAIL topdown-output-table: -o did not get the table, or stdout did"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
check bad-topdown-output 1 "-o '/nonexistent/t.csv': cannot open for writing" -- "$PMUSIM" topdown -x, -o /nonexistent/t.csv
check stat-vcd-select 0 "instructions" -- "$PMUSIM" stat -n 100000 --vcd "$TMPD/stat.vcd" --vcd-signals 'FIXED_CTR*'
check stat-vcd-only-selected 0 "^identical: 5 signals" -- "$PMUSIM" wave diff "$TMPD/stat.vcd" "$TMPD/stat.vcd"
# --version, also in JSON reports and VCD headers; `wave diff` compares signals, not the header.
VERSION=$("$PMUSIM" --version | sed -n 's/^pmusim \([0-9]*\.[0-9]*\.[0-9]*\)$/\1/p')
check version 0 "^pmusim [0-9]+\.[0-9]+\.[0-9]+$" -- "$PMUSIM" --version
check version-stat-json 0 "\"pmusim_version\": \"$VERSION\"" -- "$PMUSIM" stat -n 10000 --format json
check version-topdown-json 0 "\"pmusim_version\": \"$VERSION\"" -- "$PMUSIM" topdown -w steady -n 100000 --format json
check version-run-json 0 "\"pmusim_version\": \"$VERSION\"" -- "$PMUSIM" run perf_metrics_patch -n 100000 --format json
check version-vcd 0 "^\\\$version pmusim $VERSION \\\$end" -- cat "$TMPD/td.vcd"
sed 's/^\$version pmusim .* \$end$/$version pmusim 9.9.9 $end/' "$GOLD/two_guests.vcd" >"$TMPD/other_version.vcd"
check version-not-compared 0 "^identical" -- "$PMUSIM" wave diff "$GOLD/two_guests.vcd" "$TMPD/other_version.vcd"
# pmusim list: each section by name with a description; names only with --names.
check list-all 0 "^== kvm-variants: " -- "$PMUSIM" list
check list-presets 0 "^lunarlake +arch PMU v6, 10 GP x 48 bits, 4 fixed, 8 slots/cycle, PERF_METRICS Level 1\+2, RDPMC metrics clear$" \
    -- "$PMUSIM" list presets
check list-events-fixed 0 "^slots +fixed counter 3 only$" -- "$PMUSIM" list events --cpu icelake
check list-events-encoding 0 "^int_misc.clears_count +INT_MISC.CLEARS_COUNT: event=0xad,umask=0x01,cmask=1,edge, model-specific$" \
    -- "$PMUSIM" list events
check list-events-width-cmask 0 "IDQ_BUBBLES.CYCLES_0_UOPS_DELIV.CORE: event=0x9c,umask=0x01,cmask=6," -- "$PMUSIM" list events
check list-events-skylake 0 "^cycles +CPU_CLK_UNHALTED.THREAD_P: .*; perf counts it on fixed counter 1$" -- "$PMUSIM" list events --cpu skylake
check list-nodes 0 "^Backend_Bound.Memory_Bound.L1_Bound +Level 3, perf metric tma_l1_bound: " -- "$PMUSIM" list nodes
check list-info 0 "^IpBranch +Info metric: instructions per retired branch = INST_RETIRED.ANY / BR_INST_RETIRED.ALL_BRANCHES" -- "$PMUSIM" list nodes --cpu skylake
check list-steps 0 "^put_perf_metrics +\[mediated exit\] " -- "$PMUSIM" list steps
check list-scenarios 0 "^perf_metrics_patch +host and guest both use the topdown group" -- "$PMUSIM" list scenarios
check list-workloads 0 "^pointer_chase +[A-Z]" -- "$PMUSIM" list workloads
check list-checkers 0 "^bleed +" -- "$PMUSIM" list checkers
check list-kvm-variants 0 "^reset_keeps_perf_metrics +breaks: " -- "$PMUSIM" list kvm-variants
check list-overrides 0 "^slots_per_cycle +pipeline width" -- "$PMUSIM" list overrides
if [ "$("$PMUSIM" list scenarios --names)" != "$("$PMUSIM" run --list)" ]; then
    echo "FAIL list-scenario-names: differ from run --list"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
if [ "$("$PMUSIM" list workloads --names)" != "$("$PMUSIM" topdown --list)" ]; then
    echo "FAIL list-workload-names: differ from topdown --list"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
check list-bad-preset 1 "cpu: unknown CPU preset 'k6'" -- "$PMUSIM" list events --cpu k6
check list-bad-section 1 "frobs" -- "$PMUSIM" list frobs
check list-bad-library 1 "PMUSIM_WORKLOADS=$TMPD/none: not a directory" -- env PMUSIM_WORKLOADS="$TMPD/none" "$PMUSIM" list workloads
# --help: defaults where they mean something, and examples.
check help-defaults 0 "^  --cpu TEXT=sapphirerapids " -- "$PMUSIM" topdown --help
check help-default-level 0 "^  -l,--level UINT:INT in \[1 - 4\]=2" -- "$PMUSIM" topdown --help
check help-default-in-words 0 "^  -n,--cycles UINT:POSITIVE +cycles to run \(default: one pass of the workload\)" -- "$PMUSIM" topdown --help
check help-examples 0 "^  pmusim run perf_metrics_patch +host and guest both using topdown: clean" -- "$PMUSIM" run --help
check help-top-examples 0 "^Examples:" -- "$PMUSIM" --help
check bad-subcommand 2 "" -- "$PMUSIM" frobnicate
# Limits and errors (docs/user-guide.md "Limits"): each input is bounded, and a file error exits 2
# naming the file, line and field, with the bad value quoted escaped and cut.
check limit-dev-zero 2 "^pmusim: /dev/zero: not a regular file" -- "$PMUSIM" run /dev/zero
check limit-vcd-dev-zero 2 "^pmusim: /dev/zero: not a regular file" -- "$PMUSIM" wave diff /dev/zero "$GOLD/two_guests.vcd"
head -c 17000000 /dev/zero | tr '\0' '#' > "$TMPD/big.yaml"
check limit-file-size 2 "big.yaml: 17000000 bytes: a scenario file has at most 16777216 bytes" -- "$PMUSIM" run "$TMPD/big.yaml"
printf 'cpu: sapphirerapids\ncycles: 400000\nguests:\n  - vm0\n' > "$TMPD/guest_scalar.yaml"
check error-guest-scalar 2 "guest_scalar.yaml:4: guests\\[0\\]: expected a mapping" -- "$PMUSIM" run "$TMPD/guest_scalar.yaml"
printf 'cpu: sapphirerapids\ncycles: 400000\nguests:\n  - name: vm0\n    run: {dist: uniform, max: 9000}\n' > "$TMPD/no_min.yaml"
check error-dist-min 2 "no_min.yaml:5: guests.vm0.run.min: missing" -- "$PMUSIM" run "$TMPD/no_min.yaml"
printf 'cpu: sapphirerapids\ncycles: 400000\nmode: "\\xff\\x01%s"\n' "$(head -c 300 /dev/zero | tr '\0' x)" > "$TMPD/bad_mode.yaml"
check error-escaped-cut 2 "bad_mode.yaml:3: mode: expected fast or per_cycle, got '\\\\xc3\\\\xbf\\\\x01x+[.][.][.]'$" -- "$PMUSIM" run "$TMPD/bad_mode.yaml"
printf 'cpu: sapphirerapids\ncycles: 400000\nguests:\n  - name: vm0\n    vpmu: {version: 4294967301}\n' > "$TMPD/version.yaml"
check number-vpmu-version 2 "version.yaml:5: guests.vm0.vpmu.version: expected a whole number from 0 to 255, got '4294967301'" -- \
    "$PMUSIM" run "$TMPD/version.yaml"
printf 'cpu: sapphirerapids\ncycles: 400000\nchecks: {perf_metrics_tolerance_lsb: -0.5}\n' > "$TMPD/tolerance.yaml"
check number-tolerance 2 "tolerance.yaml:3: checks.perf_metrics_tolerance_lsb: must be within 0..255" -- "$PMUSIM" run "$TMPD/tolerance.yaml"
printf 'cpu: sapphirerapids\ncycles: 400000\ncosts: {vmexit: 10000000000000000000}\n' > "$TMPD/cost.yaml"
check limit-cost 2 "cost.yaml:3: costs.vmexit: expected a whole number from 0 to 1000000000" -- "$PMUSIM" run "$TMPD/cost.yaml"
check limit-run-cycles 2 "cycles: expected a whole number from 1 to 10000000000000000" -- "$PMUSIM" run perf_metrics_patch -n 20000000000000000
check limit-systemc-time 2 "cycles: 18446744073709551615 more cycles pass the end of SystemC's time base" -- "$PMUSIM" stat \
    -n 18446744073709551615
printf 'phases:\n  a: {cycles: 10}\nschedule:\n  - repeat: 9223372036854775808\n    body: [a, a]\n' > "$TMPD/repeat.yaml"
check limit-repeat-wraps 2 "repeat.yaml:4: schedule\\[0\\].repeat: expands the schedule to more than 1000000 steps" -- \
    timeout 20 "$PMUSIM" topdown -w "$TMPD/repeat.yaml"
printf 'phases:\n  a:\n    cycles: 1000000000\n    variation: {kind: random, amplitude: 0.1, chunk: 1}\n' > "$TMPD/chunk.yaml"
check limit-variation-chunk 2 "chunk.yaml:4: phases.a.variation.chunk: the workload's varied phases make more than 100000 chunks" -- \
    timeout 20 "$PMUSIM" topdown -w "$TMPD/chunk.yaml"
check limit-intervals 2 "interval: 2000000000 cycles in intervals of 1 make 2000000000 intervals; at most 1000000000" -- \
    "$PMUSIM" topdown -w steady -n 2000000000 -I 1c
check limit-vcd-sample-warns 1 "warning: --vcd-sample 1 over 100000000 cycles writes about 10.0 GB" -- \
    timeout 2 "$PMUSIM" stat -n 100000000 --vcd /dev/null --vcd-sample 1
# A host with several CPUs: a section per CPU; a load path eliding by "same CPU as last time" is
# caught, the built-in one on the same run is clean; one waveform per CPU.
check host-cpus-sections 0 "^---- cpu 3 ----" -- "$PMUSIM" run host_cpus
check host-cpus-elide 1 "clobber  FIXED_CTR0  reader vm0  source host  step vmentry" -- "$PMUSIM" run host_cpus_elide_same_cpu
check host-cpus-elide-builtin 0 "violations: 0" -- "$PMUSIM" run host_cpus_elide_same_cpu --set protocol=mediated
check mutate-host-cpus-elide 1 "^baseline +clobber,flow" -- "$PMUSIM" mutate host_cpus_elide_same_cpu -n 300000
check host-cpus-vcd 0 "violations: 0" -- "$PMUSIM" run host_cpus -n 200000 --vcd "$TMPD/hc.vcd"
check host-cpus-vcd-files 0 "hc.cpu3.vcd" -- ls "$TMPD"
# Host perf per task: vm0's thread counted per task across CPUs beside perf per CPU; a load
# path that schedules out only the CPU context is caught; a task naming no guest is refused.
check host-task-section 0 "^  task vm0: [0-9]+ cycles counted, [0-9]+ switches in, CPUs [0-9]+ [0-9]+" -- "$PMUSIM" run host_task_perf
check host-task-json 0 '"host_tasks"' -- "$PMUSIM" run host_task_perf --format json
check host-task-cpu-ctx-only 1 "clobber  task vm0 perf events  reader host  source -  step vmentry" -- \
    "$PMUSIM" run host_task_perf -E replace:perf_load_guest_context=perf_load_guest_context_cpu_only
check host-task-bad-vcpu 2 "host.task.vcpu: no guest named 'vm9'" -- "$PMUSIM" run host_task_perf --set host.task.vcpu=vm9
# A destination host of several CPUs: the vCPU arrives on one of them and moves among them.
check dest-cpus 0 "sapphirerapids \(cpu 0\) -> sapphirerapids \(cpu [12]\): moved" -- \
    "$PMUSIM" run migrate_host_topdown --set destination.cpus=2 --set destination.migrate=1
check dest-cpus-bad 2 "destination.cpus: expected a whole number from 1 to 256" -- "$PMUSIM" run migrate_host_topdown --set destination.cpus=0
check host-cpus-bad-cpu 2 "schedule\[0\].cpu: CPU 9 is not on a host of 4 CPU\(s\)" -- "$PMUSIM" run host_cpus --set 'schedule=[{at: 1, vcpu: vm2, cpu: 9}]'
# Protocol variants in scenario files: custom steps, --set, --seeds.
check yaml-patch-clean 0 "violations: 0" -- "$PMUSIM" run perf_metrics_yaml_patch -n 300000
check yaml-patch-wrong-order 1 "clobber +PERF_METRICS +reader vm0 +source host +step topdown_load" -- \
    "$PMUSIM" run perf_metrics_yaml_patch_wrong_order -n 300000
check mutate-yaml-patch-wrong-order 1 "^baseline +clobber,flow" -- "$PMUSIM" mutate perf_metrics_yaml_patch_wrong_order -n 300000
check run-set 0 "host +.*\n?|violations: 0" -- "$PMUSIM" run perf_metrics_patch -n 200000 --set guests.vm0.workload=steady \
    --set host.perf.interval=50000
check run-set-edits 1 "violations: [1-9].*clobber" -- "$PMUSIM" run perf_metrics_patch -n 200000 \
    --set 'protocol={base: mediated, edits: [remove:put_perf_metrics]}'
check run-set-bad-path 1 "--set 'guests.vm9.run=5': scenario .*perf_metrics_patch.yaml: guests.vm9: no entry 'vm9'" -- \
    "$PMUSIM" run perf_metrics_patch --set guests.vm9.run=5
check run-set-bad-value 1 "perf_metrics_patch.yaml: cycles: expected a number, got 'lots' \(from --set 'cycles=lots'\)" -- \
    "$PMUSIM" run perf_metrics_patch --set cycles=lots
check run-seeds-clean 0 "^seed 3: clean$" -- "$PMUSIM" run perf_metrics_patch -n 150000 --seeds 1..3
check run-seeds-stop 1 "^seed 4: FAILED \([0-9]+ violations: clobber" -- "$PMUSIM" run perf_metrics_patch -n 150000 \
    -E remove:put_perf_metrics --seeds 4..9
check run-seeds-first-only 1 "first failing seed 4 " -- "$PMUSIM" run perf_metrics_patch -n 150000 -E remove:put_perf_metrics \
    --seeds 4,5
check run-seeds-json 0 '^\{"seed":2,"report":\{"clean":true,' -- "$PMUSIM" run perf_metrics_patch -n 100000 --seeds 1..2 --format json
check run-seeds-bad 1 "--seeds '5..2': the last seed is below the first" -- "$PMUSIM" run perf_metrics_patch --seeds 5..2
check run-seeds-vcd 1 "--seeds: a waveform is of one run" -- "$PMUSIM" run perf_metrics_patch --seeds 1..2 --vcd /tmp/x.vcd
echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]

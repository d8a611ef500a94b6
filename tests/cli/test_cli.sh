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
# Lunar Lake's mispredict kinds read perf's :R retire latency, the mean of PEBS samples and no counter.
check topdown-retire-latency 0 '"BR_MISP_RETIRED.INDIRECT_CALL_COST:R": 30(\.0)?,' -- "$PMUSIM" topdown --cpu lunarlake \
    -w steady:misp_ind_call=0.5,misp_cost_ind_call=30 --nodes 'Branch_Mispredicts*' --format json
check stat-retire-latency 1 "RET_COST:R.*a retire latency \(:R\) is the mean of the PEBS" -- "$PMUSIM" stat --cpu lunarlake \
    -e BR_MISP_RETIRED.RET_COST:R
check topdown-bad-misp-kinds 1 "misp_cond_nt: the mispredict kinds misp_\* must not add up to more than 1" -- "$PMUSIM" topdown \
    -w steady:misp_cond_nt=0.7,misp_ret=0.7
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
. "$(dirname "$0")/checks_run.sh"
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

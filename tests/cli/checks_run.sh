# Sourced by test_cli.sh (uses its check, PMUSIM, pass and fail): the virtualization scenarios
# (run, mutate, conform, protocol edits, waveforms) and stat/topdown output files.
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

#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the demo on built-in defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo; echo "== pmusim info --cpu sapphirerapids (CPUID leaf 0xA and PERF_CAPABILITIES)"
build/pmusim info --cpu sapphirerapids | sed -n '1,30p'
echo; echo "== pmusim stat: perf-stat-style counting on the steady workload, per-cycle and fast mode"
build/pmusim stat --cpu sapphirerapids --cycles 2000000 --mode per-cycle
build/pmusim stat --cpu sapphirerapids --cycles 1000000000 -w steady:kernel_share=0.3 -e instructions:u,cycles:k,branches,branch-misses,slots
echo; echo "== pmusim topdown: the TMA breakdown as perf/toplev compute it, against the ground truth"
build/pmusim topdown --cpu sapphirerapids -w mixed_app -I 5
build/pmusim topdown --cpu skylake -w pointer_chase --level 3
build/pmusim topdown --cpu lunarlake -w interpreter --level 3 --nodes 'Bad_Speculation*'   # Lunar Lake's mispredict kinds
echo; echo "== pmusim run: host and guest both using topdown under KVM's mediated vPMU (PERF_METRICS patch)"
build/pmusim run perf_metrics_patch
echo; echo "== the same without put_perf_metrics: the guest's PERF_METRICS reaches the host"
build/pmusim run perf_metrics_patch -n 400000 -E remove:put_perf_metrics --first 3 | sed -n '/^violations/,$p' || true
echo; echo "== a patch variant written in its scenario file (custom steps), restoring PERF_METRICS before FIXED_CTR3: caught"
build/pmusim run perf_metrics_yaml_patch_wrong_order --first 2 | sed -n '/^violations/,$p' || true
echo; echo "== pmusim mutate: every step removed, every order-sensitive pair swapped"
build/pmusim mutate perf_metrics_patch | sed -n "1,25p"
echo "== Python: overflow, status bit and PMI (python/examples/quickstart.py)"
PYTHONPATH=python /usr/bin/python3 python/examples/quickstart.py
echo "== Python: topdown per interval (python/examples/topdown_intervals.py)"
PYTHONPATH=python /usr/bin/python3 python/examples/topdown_intervals.py
echo "== Python: the protocol mutation table for the PERF_METRICS patch (python/examples/protocol_mutations.py)"
PYTHONPATH=python /usr/bin/python3 python/examples/protocol_mutations.py | tail -4
echo "== Python: a sweep of PERF_METRICS quantization error, in worker processes (python/examples/perf_metrics_quantization.py)"
PYTHONPATH=python /usr/bin/python3 python/examples/perf_metrics_quantization.py

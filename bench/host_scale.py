"""A host of 64 CPUs and 128 vCPUs in one process (docs/performance.md "A host with several CPUs").

    PYTHONPATH=python /usr/bin/python3 bench/host_scale.py [--build build] [--cycles N ...] [--quick]

Writes the scenario (8 groups of 8 CPUs, 16 vCPUs per group with the group as affinity, seeded
moves within it; host perf on every CPU and perf in every guest, both with topdown), runs
`pmusim run` on it for each length (cycles per CPU), each in its own process, and prints the
wall time, the time per 10^6 cycles per CPU, the peak resident set, and the extrapolation to 10^9
cycles per CPU from the longest run. Prints figures; asserts no timing.
"""
import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run_all import peak_rss_mb  # noqa: E402  (beside this script)

CPUS, VCPUS, GROUP = 64, 128, 8


def scenario_text(cpus=CPUS, vcpus=VCPUS, group=GROUP):
    groups = cpus // group
    lines = [
        "name: host_scale",
        f"description: {cpus} CPUs, {vcpus} vCPUs in groups of {group} CPUs",
        "cpu: sapphirerapids", "cycles: 1000000", "seed: 1", "protocol: mediated",
        "host:", f"  cpus: {cpus}", "  migrate: 0.05", "  workload: mixed_app", "  slice: {dist: exponential, mean: 20000}",
        "  perf: {events: [instructions, cycles], topdown: true, interval: 1000000}",
        "guests:",
    ]
    workloads = ["interpreter", "pointer_chase", "mixed_app", "steady"]
    for i in range(vcpus):
        g = i % groups
        aff = ", ".join(str(c) for c in range(g * group, (g + 1) * group))
        lines += [f"  - name: vm{i}", f"    workload: {workloads[i % len(workloads)]}", f"    affinity: [{aff}]",
                  "    run: {dist: uniform, min: 10000, max: 100000}",
                  "    perf: {events: [instructions, cycles, branches], topdown: true, interval: 1000000}"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(os.path.dirname(HERE), "build"))
    ap.add_argument("--cycles", type=int, nargs="*", default=[10**6, 10**7])
    ap.add_argument("--quick", action="store_true", help="a small run to check the script works")
    a = ap.parse_args()
    cycles = [10**5] if a.quick else a.cycles
    pmusim = os.path.join(a.build, "pmusim")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "host_scale.yaml")
        with open(path, "w") as f:
            f.write(scenario_text())
        last = None
        for n in cycles:
            t0 = time.perf_counter()
            rss = peak_rss_mb([pmusim, "run", path, "-n", str(n)])
            wall = time.perf_counter() - t0
            per = wall / (n / 1e6)
            print(f"host_scale {CPUS} CPUs x {VCPUS} vCPUs, {n:.0e} cycles per CPU: {wall:.1f} s wall, "
                  f"{per:.2f} s per 1e6 cycles per CPU, peak RSS {rss:.0f} MB")
            last = per
        print(f"extrapolated to 1e9 cycles per CPU (from the longest run, linear): {last * 1000:.0f} s "
              f"= {last * 1000 / 3600:.2f} h")


if __name__ == "__main__":
    main()

"""Multiplexing error against the number of events.

Skylake has 4 GP counters. With more GP events than that, perf time-slices them and scales each
count by enabled/running. On a phased workload the scaled counts drift from the truth as fewer of
each event's cycles are observed. The run is repeated for 1..12 events.

    PYTHONPATH=python /usr/bin/python3 python/examples/multiplexing_error.py
"""
import pmusim

pool = ["branches", "branch-misses", "cache-references", "cache-misses", "BR_MISP_RETIRED.ALL_BRANCHES",
        "INT_MISC.RECOVERY_CYCLES", "UOPS_ISSUED.ANY", "IDQ_UOPS_NOT_DELIVERED.CORE", "CYCLE_ACTIVITY.STALLS_TOTAL",
        "UOPS_RETIRED.RETIRE_SLOTS", "MACHINE_CLEARS.COUNT", "CYCLE_ACTIVITY.STALLS_MEM_ANY"]
rows = []
for n in range(1, len(pool) + 1):
    m = pmusim.Machine(cpu="skylake")
    m.workload = pmusim.load_workload("mixed_app")
    f = pmusim.stat_frame(m.stat(pool[:n], cycles=40_000_000, mux_interval=1_000_000))
    rows.append((n, bool(f.multiplexed.iloc[0]), f.relative_error.abs().max(), f.running.min() / f.enabled.max()))
print(" events  multiplexed  max |scaled-truth|/truth  smallest running share")
for n, mux, err, share in rows:
    print(f"{n:7d}  {str(mux):>11}  {err:23.4f}  {share:22.2f}")
print("errors are exactly 0 up to 4 events:", all(err == 0 for n, _, err, _ in rows if n <= 4))

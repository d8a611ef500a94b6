"""Topdown accuracy inside a guest against the VM-exit rate.

The PERF_METRICS patch scenario is run with the guest exiting every 2k to 250k of its cycles. At
every exit KVM saves the guest's PERF_METRICS (8-bit fractions) and restores it at the next entry,
so frequent exits add rounding. Each point is a separate process (pmusim.sweep).

    PYTHONPATH=python /usr/bin/python3 python/examples/vmexit_accuracy.py
"""
import tempfile

import pmusim

runs = [2_000, 10_000, 50_000, 250_000]
with tempfile.TemporaryDirectory() as out:
    df = pmusim.sweep("scenario", grid={"guests.vm0.run": runs},
                      fixed={"scenario": "perf_metrics_patch", "cycles": 3_000_000}, out=out, progress=False)
print(" guest cycles per exit   exits   transitions   max |guest topdown - truth|   clean")
for _, r in df.iterrows():
    print(f"{r['guests.vm0.run']:21d}  {r['vm0_exits']:6d}  {r['transition_share']:11.1%}  "
          f"{r['vm0_max_error']:27.4f}   {r['clean']}")
print("every run clean:", bool(df.clean.all()))

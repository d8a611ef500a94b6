"""The protocol mutation table for the PERF_METRICS patch case.

KVM's mediated vPMU with the PERF_METRICS patch runs a host and a guest that both use topdown on one
Sapphire Rapids PMU. Each step of the context switch is removed in turn and each order-sensitive
pair is swapped; the table says which checks fire and when. A mutant that stays clean is a step
(or an order) that this scenario does not need.

    PYTHONPATH=python /usr/bin/python3 python/examples/protocol_mutations.py [timeline.png]
"""
import sys

import pmusim
from pmusim import plots

s = pmusim.load_scenario("perf_metrics_patch")
s.cycles = 1_000_000
table = pmusim.mutations_frame(pmusim.mutate_scenario(s))
print(table.to_string(index=False))
caught = table[~table.clean]
print(f"\n{len(table) - 1} mutants: {len(caught)} caught, {len(table) - 1 - len(caught)} clean")
print("clean (redundant here):", ", ".join(table[table.clean & (table.mutant != "baseline")].mutant))
leak = pmusim.run_scenario(s, protocol=s.protocol().remove("put_perf_metrics"))
first = pmusim.violations_frame(leak).query("kind == 'flow'").iloc[0]
print(f"\nwithout put_perf_metrics: first flow at cycle {first.cycle}: {first.register} of {first.source} "
      f"reaches the {first.reader} at {first.step}")
if len(sys.argv) > 1:
    plots.plot_violations(leak).savefig(sys.argv[1])
    print("wrote", sys.argv[1])

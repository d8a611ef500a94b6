"""Topdown per interval on a multi-phase workload: reported vs truth, and the effect of reading
PERF_METRICS once instead of every interval (8-bit quantisation over a long window)."""
import numpy as np

import pmusim

m = pmusim.Machine(cpu="sapphirerapids")
m.workload = pmusim.load_workload("mixed_app")
per_interval = m.topdown(level=2, interval=2_000_000)
nodes = per_interval["nodes"]
err = np.abs(per_interval["reported"] - per_interval["truth"])
print(f"{len(per_interval['begin'])} intervals, {len(nodes)} nodes; worst |error| {err.max() * 100:.3f} % of slots "
      f"(node {nodes[int(err.max(axis=0).argmax())]})")
for b, bn in zip(per_interval["end"][:5], per_interval["bottleneck"][:5]):
    print(f"  up to cycle {b:>10}: bottleneck {bn}")
print("summary:", {n: f"{v[0] * 100:.1f}% (truth {v[1] * 100:.1f}%)" for n, v in per_interval["summary"].items()
                   if n in ("Frontend_Bound", "Bad_Speculation", "Backend_Bound", "Retiring")})
assert err.max() <= 2 / 255

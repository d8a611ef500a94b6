"""PERF_METRICS quantization error against the reset interval, on three CPUs.

perf reads the topdown group and resets FIXED_CTR3 and PERF_METRICS every interval; each read gives
8-bit fractions. This sweep runs each (CPU, interval) point in a worker process (pmusim.sweep) and
reports the largest error of any Level-1 node in any interval against the simulator's truth, and
the same with the 16-bit what-if (semantics field metrics_field_bits).

    PYTHONPATH=python /usr/bin/python3 python/examples/perf_metrics_quantization.py [heatmap.png]
"""
import sys
import tempfile

import pmusim
from pmusim import plots

cpus = ["icelake", "sapphirerapids", "lunarlake"]
intervals = [100_000, 1_000_000, 10_000_000]
with tempfile.TemporaryDirectory() as out:
    df = pmusim.sweep("topdown", grid={"cpu": cpus, "interval": intervals, "metrics_field_bits": [8, 16]},
                      fixed={"workload": "vector_kernel", "level": 1, "cycles": 20_000_000}, out=out,
                      progress=False)
df["max_error_lsb"] = df["max_abs_error"] * 255
table = df.pivot_table(index=["metrics_field_bits", "cpu"], columns="interval", values="max_error_lsb")
print("largest Level-1 error in any interval, in 1/255 units (8-bit LSB):")
print(table.round(3).to_string())
worst8 = df[df.metrics_field_bits == 8]["max_error_lsb"].max()
worst16 = df[df.metrics_field_bits == 16]["max_error_lsb"].max()
print(f"8-bit fields: worst {worst8:.3f} LSB; 16-bit fields: worst {worst16:.3f} LSB")
if len(sys.argv) > 1:
    plots.plot_heatmap(df[df.metrics_field_bits == 8], "interval", "cpu", "max_error_lsb",
                       title="PERF_METRICS error (8-bit LSB) by reset interval").savefig(sys.argv[1])
    print("wrote", sys.argv[1])

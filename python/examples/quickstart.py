"""Quickstart: program a counter to overflow after N events, watch the status bit and the PMI.

Run: PYTHONPATH=python /usr/bin/python3 python/examples/quickstart.py
"""
import pmusim
from pmusim import msr

USR, OS, INT, EN = 1 << 16, 1 << 17, 1 << 20, 1 << 22
INSTRUCTIONS = 0x00C0

m = pmusim.Machine(cpu="sapphirerapids")
m.workload = pmusim.workloads.steady(instructions=2.0, kernel_share=0.25)
print("CPU:", m.cpu["preset"], "CPUID.0AH =", [hex(r) for r in m.cpu["cpuid_0a"]])

# Overflow after exactly N instructions: preset 1 - N through the full-width alias (KUT style).
N = 1_000_000
width_mask = (1 << m.cpu["gp_width"]) - 1
m.wrmsr(msr.IA32_PERF_GLOBAL_CTRL, 0)
m.wrmsr(msr.IA32_A_PMC0, (1 - N) & width_mask)
m.wrmsr(msr.IA32_PERFEVTSEL0, INSTRUCTIONS | USR | OS | INT | EN)
m.wrmsr(msr.IA32_FIXED_CTR_CTRL, 0x3 << 4)                  # FC1: core cycles, both rings
m.wrmsr(msr.IA32_PERF_GLOBAL_CTRL, 1 | (1 << 33))

r = m.run(cycles=10_000_000, stop_on_pmi=True)
print(f"run stopped on PMI: {r.stopped_on_pmi} after {r.cycles:,} cycles")
print(f"PMIs: {m.pmis.tolist()}  (cycle, sources, GLOBAL_STATUS)")
print(f"GLOBAL_STATUS = {m.rdmsr(msr.IA32_PERF_GLOBAL_STATUS):#x}, PMC0 = {m.rdpmc(0)}, "
      f"cycles = {m.rdpmc(pmusim.RDPMC_FIXED | 1):,}")
m.wrmsr(msr.IA32_PERF_GLOBAL_STATUS_RESET, m.rdmsr(msr.IA32_PERF_GLOBAL_STATUS))

try:
    m.wrmsr(msr.IA32_A_PMC0, 1 << 50)   # above the 48-bit width
except pmusim.GeneralProtection as gp:
    print(f"#GP as expected: {gp.reason}")

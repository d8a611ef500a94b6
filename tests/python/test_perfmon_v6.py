"""Perfmon v6 and ten GP counters from Python: CPUID leaf 0x23 in cpu_config(), PMC9 counting,
and EQ / UMASK2 that #GP where leaf 0x23 does not enumerate them (docs/registers.md)."""
import pytest

import pmusim
from pmusim import msr

USR_OS_EN = (1 << 16) | (1 << 17) | (1 << 22)
EQ = 1 << 36


def test_lunarlake_enumerates_leaf_23_and_ten_counters():
    c = pmusim.cpu_config("lunarlake")
    assert c["version"] == 6 and c["num_gp"] == 10
    assert c["umask2"] and c["evtsel_eq"]
    assert c["cpuid_23"][0][:2] == (0b11, 0b11)
    assert c["cpuid_23"][1][:2] == (0x3FF, 0xF)
    assert pmusim.cpu_config("sapphirerapids")["cpuid_23"] == [(0, 0, 0, 0), (0, 0, 0, 0)]


def test_pmc9_counts_and_eq_counts_cycles_with_exactly_cmask_events():
    m = pmusim.Machine(cpu="lunarlake")
    m.workload = pmusim.workloads.steady(instructions=2.5)  # 2, 3, 2, 3, ... per cycle
    m.wrmsr(msr.IA32_PERFEVTSEL0 + 9, 0x00C0 | USR_OS_EN | (2 << 24) | EQ)
    m.run(cycles=1000)
    assert m.rdpmc(9) == 500


def test_eq_and_umask2_are_reserved_without_leaf_23():
    m = pmusim.Machine(cpu="sapphirerapids")
    with pytest.raises(pmusim.GeneralProtection):
        m.wrmsr(msr.IA32_PERFEVTSEL0, 0x00C0 | EQ)
    with pytest.raises(pmusim.GeneralProtection):
        m.wrmsr(msr.IA32_PERFEVTSEL0, 0x00C0 | (1 << 40))
    with pytest.raises(ValueError, match="num_gp"):
        pmusim.Machine(cpu="lunarlake", num_gp=11)

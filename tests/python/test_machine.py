"""The Python entry: Machine, wrmsr/rdmsr/rdpmc, run, cycle, workloads.steady, GeneralProtection,
PMIs, and errors that never abort the interpreter (issue #2 item 6)."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pmusim
from pmusim import msr

FIXED = pmusim.RDPMC_FIXED
USR_OS_EN = (1 << 16) | (1 << 17) | (1 << 22)
INT = 1 << 20


def floor_rate(rate, n):
    return (n * round(rate * 1_000_000_000)) // 1_000_000_000


def test_presets_are_listed():
    assert pmusim.presets() == ["skylake", "icelake", "sapphirerapids", "lunarlake"]


@pytest.mark.parametrize("mode", ["fast", "per-cycle"])
def test_steady_counts_are_exact(mode):
    m = pmusim.Machine(cpu="icelake", mode=mode)
    m.workload = pmusim.workloads.steady(instructions=1.25, branches=0.2)
    m.wrmsr(msr.IA32_PERFEVTSEL0, 0x00C4 | USR_OS_EN)  # branches
    m.wrmsr(msr.IA32_FIXED_CTR_CTRL, 0x3333)
    m.wrmsr(msr.IA32_PERF_GLOBAL_CTRL, 1 | (0xF << 32))
    r = m.run(cycles=10_001)
    assert r.cycles == 10_001 and not r.stopped_on_pmi
    assert m.cycle == 10_001
    assert m.rdpmc(0) == floor_rate(0.2, 10_001)
    assert m.rdpmc(FIXED | 0) == floor_rate(1.25, 10_001)
    assert m.rdpmc(FIXED | 1) == 10_001
    assert m.rdpmc(FIXED | 3) == 5 * 10_001  # icelake: 5 slots per cycle


def test_general_protection_carries_msr_value_and_reason():
    m = pmusim.Machine(cpu="sapphirerapids")
    with pytest.raises(pmusim.GeneralProtection) as e:
        m.wrmsr(msr.IA32_A_PMC0, 1 << 48)
    assert e.value.kind == "WRMSR"
    assert e.value.index == msr.IA32_A_PMC0
    assert e.value.value == 1 << 48
    assert "reserved" in e.value.reason
    with pytest.raises(pmusim.GeneralProtection) as e:
        m.rdpmc(64)
    assert e.value.kind == "RDPMC" and e.value.index == 64
    with pytest.raises(pmusim.GeneralProtection):
        m.rdmsr(0xDEAD)
    with pytest.raises(pmusim.GeneralProtection):
        m.wrmsr(msr.IA32_PERF_GLOBAL_STATUS, 0)
    # a faulting access loses nothing
    m.wrmsr(msr.IA32_A_PMC0, 42)
    with pytest.raises(pmusim.GeneralProtection):
        m.wrmsr(msr.IA32_A_PMC0, 1 << 60)
    assert m.rdpmc(0) == 42


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(cpu="pentium4"), "cpu"),
        (dict(num_gp=11), "num_gp"),
        (dict(gp_width=3), "gp_width"),
        (dict(version=7), "version"),
        (dict(cpu="skylake", perf_metrics=True), "perf_metrics"),
        (dict(no_such_field=1), "no_such_field"),
        (dict(num_gp="four"), "num_gp"),
        (dict(num_gp=-1), "num_gp"),
        (dict(mode="warp"), "mode"),
        (dict(pmi_skid=2), None),
    ],
)
def test_invalid_overrides_raise_value_error_naming_the_field(kwargs, field):
    if field is None:
        assert pmusim.Machine(**kwargs).cpu["preset"] == "sapphirerapids"
        return
    with pytest.raises(ValueError, match=field):
        pmusim.Machine(**kwargs)


def test_overrides_reach_cpuid_and_the_register_map():
    m = pmusim.Machine(cpu="sapphirerapids", num_gp=4, gp_width=32, fw_write=False)
    cpu = m.cpu
    assert cpu["num_gp"] == 4 and cpu["gp_width"] == 32 and not cpu["fw_write"]
    eax = cpu["cpuid_0a"][0]
    assert (eax >> 8) & 0xFF == 4 and (eax >> 16) & 0xFF == 32
    assert m.rdmsr(msr.IA32_PERF_GLOBAL_CTRL) == 0xF
    with pytest.raises(pmusim.GeneralProtection):
        m.wrmsr(msr.IA32_A_PMC0, 1)
    with pytest.raises(pmusim.GeneralProtection):
        m.rdpmc(4)
    names = [r["name"] for r in pmusim.registers("sapphirerapids", num_gp=4)]
    assert "IA32_PMC3" in names and "IA32_PMC4" not in names


def test_workload_parameters_are_validated():
    with pytest.raises(ValueError, match="instructoins"):
        pmusim.workloads.steady(instructoins=2)
    with pytest.raises(ValueError, match="branch_misses"):
        pmusim.workloads.steady(branches=0.1, branch_misses=0.2)
    with pytest.raises(ValueError, match="kernel_share"):
        pmusim.workloads.steady(kernel_share=1.5)
    with pytest.raises(ValueError, match="branches"):
        pmusim.workloads.steady(branches="many")
    with pytest.raises((ValueError, TypeError)):
        pmusim.Machine().workload = None


def test_pmis_are_observable_and_stop_on_pmi():
    m = pmusim.Machine(cpu="sapphirerapids")
    m.wrmsr(msr.IA32_A_PMC0, (1 << 48) - 1000)
    m.wrmsr(msr.IA32_PERFEVTSEL0, 0x003C | USR_OS_EN | INT)
    r = m.run(100_000, stop_on_pmi=True)
    assert r.stopped_on_pmi and r.cycles == 1000 and m.cycle == 1000
    pmis = m.pmis
    assert isinstance(pmis, np.ndarray) and pmis.dtype.names == ("cycle", "sources", "status")
    assert len(pmis) == 1 and pmis["cycle"][0] == 999 and pmis["sources"][0] == 1
    assert m.rdmsr(msr.IA32_PERF_GLOBAL_STATUS) == 1
    m.wrmsr(msr.IA32_PERF_GLOBAL_STATUS_RESET, 1)
    assert m.rdmsr(msr.IA32_PERF_GLOBAL_STATUS) == 0
    m.run(500)
    assert m.cycle == 1500 and m.pmi_count == 1


def test_per_cycle_and_fast_agree_from_python():
    results = []
    for mode in ("per-cycle", "fast"):
        m = pmusim.Machine(cpu="lunarlake", mode=mode, gp_width=10, pmi_skid=3)
        m.workload = pmusim.workloads.steady(instructions=2.3, kernel_share=0.3, halted_share=0.1, period=97)
        m.wrmsr(msr.IA32_PERFEVTSEL0, 0x00C0 | USR_OS_EN | INT)
        m.wrmsr(msr.IA32_PERFEVTSEL0 + 1, 0x003C | (1 << 17) | (1 << 22) | INT)
        m.run(50_000)
        results.append((m.rdpmc(0), m.rdpmc(1), m.rdmsr(msr.IA32_PERF_GLOBAL_STATUS), m.pmis.tolist()))
    assert results[0] == results[1]
    assert len(results[0][3]) > 10


def test_several_machines_share_the_platform():
    a = pmusim.Machine(cpu="skylake")
    b = pmusim.Machine(cpu="lunarlake")
    a.wrmsr(msr.IA32_PERFEVTSEL0, 0x003C | USR_OS_EN)
    b.wrmsr(msr.IA32_PERFEVTSEL0, 0x003C | USR_OS_EN)
    a.run(100)
    b.run(300)
    a.run(100)
    assert (a.cycle, a.rdpmc(0)) == (200, 200)
    assert (b.cycle, b.rdpmc(0)) == (300, 300)


def test_state_snapshot_and_reset():
    m = pmusim.Machine(cpu="sapphirerapids")
    m.wrmsr(msr.IA32_PERF_GLOBAL_CTRL, 0)
    m.wrmsr(msr.IA32_PMC0, 77)
    s = m.state()
    assert s["counters"][0] == 77 and s["global_ctrl"] == 0
    m.reset()
    assert m.rdmsr(msr.IA32_PERF_GLOBAL_CTRL) == 0xFF and m.rdpmc(0) == 0


def test_misuse_raises_and_never_aborts_the_interpreter():
    # Run the misuse in a child interpreter so that an abort would show as a crash, not a skip.
    code = textwrap.dedent(
        """
        import pmusim
        m = pmusim.Machine()
        for bad in (lambda: m.wrmsr(-1, 0), lambda: m.wrmsr(0x38F, 1 << 64), lambda: m.run(-5),
                    lambda: m.rdpmc("x"), lambda: m.wrmsr(0x38F, 1 << 63), lambda: setattr(m, "quantum", 0)):
            try:
                bad()
            except (TypeError, ValueError, OverflowError, pmusim.GeneralProtection):
                pass
            else:
                raise SystemExit("no exception")
        print("survived")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": pmusim.__path__[0] + "/.."})
    assert out.returncode == 0, out.stderr
    assert "survived" in out.stdout


def test_docstrings_on_public_names():
    for name in pmusim.__all__:
        obj = getattr(pmusim, name)
        if callable(obj):
            assert obj.__doc__, name


def test_machine_waveform_marks_the_pmi_at_its_cycle(tmp_path):
    # Given FIXED_CTR0 5,000 instructions from overflow at 2 IPC with its PMI bit set, when the
    # machine runs traced, then the waveform's pmi line pulses at the overflow cycle.
    path = str(tmp_path / "m.vcd")
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.workloads.steady(instructions=2.0)
    m.trace(path, signals=["FIXED_CTR0", "GLOBAL_STATUS", "pmi"], sample=1000)
    m.wrmsr(pmusim.msr.IA32_FIXED_CTR0, (1 << 48) - 5000)
    m.wrmsr(pmusim.msr.IA32_FIXED_CTR_CTRL, 0xB)
    m.wrmsr(pmusim.msr.IA32_PERF_GLOBAL_CTRL, 1 << 32)
    r = m.run(cycles=10_000, stop_on_pmi=True)
    m.end_trace()
    pmi_cycle = int(m.pmis["cycle"][0])
    text = open(path).read()
    assert "$var wire 1 " in text and " pmi $end" in text and "FIXED_CTR1" not in text
    ident = [ln.split()[3] for ln in text.splitlines() if ln.endswith(" pmi $end")][0]
    body = text.split("$enddefinitions $end")[1]
    t, rises = 0, []
    for line in body.split():
        if line.startswith("#"):
            t = int(line[1:])
        elif line == "1" + ident:
            rises.append(t)
    assert rises == [pmi_cycle]
    assert r.stopped_on_pmi
    with pytest.raises(ValueError, match="vcd signal 'nope'"):
        m.trace(str(tmp_path / "x.vcd"), signals=["nope"])

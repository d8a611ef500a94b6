"""Guest programs from Python: generators that see each access's outcome, list programs with loops,
the accesses frame, and errors that name the action."""
import pytest

import pmusim
from pmusim import guest

SCENARIO = """
cpu: sapphirerapids
cycles: 400000
host:
  perf: {events: [cycles], topdown: true, interval: 50000, sample: {event: cycles, period: 30000}}
guests:
  - name: vm0
    run: {dist: uniform, min: 2000, max: 20000}
"""


def scenario():
    return pmusim.parse_scenario(SCENARIO, "test.yaml")


def test_a_generator_branches_on_what_the_guest_saw():
    # Given a guest that counts its cycles on PMC0, when it reads PMC0, then the generator gets the
    # value back; it writes what it read plus one and reads that back.
    seen = []

    def probe():
        yield guest.wrmsr("IA32_PERFEVTSEL0", 0x43003C)
        yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 1)
        yield guest.run(10_000)
        yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 0)
        got = yield guest.rdmsr("IA32_PMC0", range=(10_000, 10_500))
        seen.append(got)
        yield guest.wrmsr("IA32_PMC0", got["value"] + 1)
        yield guest.rdmsr(0xC1, equals=got["value"] + 1, label="readback")

    r = pmusim.run_scenario(scenario(), programs={"vm0": probe})
    assert r["passed"] and r["programs"]["failed"] == 0
    # GLOBAL_CTRL's reset value enables PMC0: it counts from the selector write (two 60-cycle writes)
    assert seen[0]["value"] == 10_000 + 2 * 60 and not seen[0]["gp"] and not seen[0]["exited"]
    f = pmusim.accesses_frame(r)
    assert list(f["op"]) == ["wrmsr", "wrmsr", "wrmsr", "rdmsr", "wrmsr", "rdmsr"]
    assert list(f.columns[:4]) == ["guest", "cycle", "guest_cycle", "op"]
    assert f["exited"].iloc[0]            # the event selector is intercepted
    assert (f["value"] == f["bare_value"]).all()
    assert f.loc[f["label"] == "readback", "value"].item() == seen[0]["value"] + 1


def test_failed_expectations_and_gp():
    prog = guest.program([
        guest.rdmsr(0x999, gp=True),
        guest.loop(3, [guest.rdmsr("IA32_PMC1", equals=7), guest.run(5)]),
    ])
    r = pmusim.run_scenario(scenario(), programs={"vm0": prog})
    assert r["clean"] and not r["passed"]
    p = r["programs"]
    assert (p["accesses"], p["checked"], p["failed"]) == (4, 4, 3)
    f = pmusim.accesses_frame(r)
    assert f["gp"].iloc[0] and f["bare_gp"].iloc[0]
    assert set(f["failure"].iloc[1:]) == {"expected 0x7, read 0x0"}


def test_a_program_exception_reaches_the_caller_unchanged():
    def boom():
        yield guest.run(10)
        raise KeyError("from the guest")

    with pytest.raises(KeyError, match="from the guest"):
        pmusim.run_scenario(scenario(), programs={"vm0": boom})
    # and the process goes on running scenarios
    assert pmusim.run_scenario(scenario())["clean"]


@pytest.mark.parametrize("programs,message", [
    ({"vm9": []}, "no guest named 'vm9'"),
    ({"vm0": lambda: iter([{"op": "jump"}])}, "action 0.op: expected rdmsr, wrmsr, rdpmc, run or emulate"),
    ({"vm0": lambda: iter([guest.rdmsr("IA32_NOPE")])}, "no PMU MSR named 'IA32_NOPE'"),
    ({"vm0": lambda: iter([guest.wrmsr(0xC1, 1 << 64)])}, "out of 64-bit range"),
    ({"vm0": lambda: iter([guest.run(0)])}, "a run takes at least 1 cycle"),
    ({"vm0": lambda: iter([guest.loop(2, [guest.run(1)])])}, "pmusim.guest.program"),
    ({"vm0": 5}, "expected a generator function or an iterable"),
    ({"vm0": [guest.rdmsr(0xC1, range=5)]}, "range: expected"),
])
def test_bad_programs_raise_value_error_naming_the_action(programs, message):
    with pytest.raises(ValueError, match=message):
        pmusim.run_scenario(scenario(), programs=programs)


def test_scenario_file_programs_and_negative_values():
    d = {"cpu": "sapphirerapids", "cycles": 300000,
         "guests": [{"name": "vm0", "program": [
             # the full-width alias takes no bits beyond the counter's width (SDM 18.2.6)
             {"wrmsr": "IA32_A_PMC0", "value": -1000, "expect": {"gp": True}},
             # the legacy alias sign-extends bit 31
             {"wrmsr": "IA32_PMC0", "value": -1000},
             {"rdmsr": "IA32_PMC0", "expect": {"equals": (1 << 48) - 1000}},
         ]}]}
    r = pmusim.run_scenario(pmusim.scenario_from_dict(d))
    assert r["passed"], pmusim.accesses_frame(r)[["register", "value", "failure"]]


def test_perf_metrics_fields_sum_inside_the_guest():
    # Given a guest with PERF_METRICS that counts slots and metrics for 100k cycles, then the four
    # Level-1 fields sum to 0xFF within rounding, read by RDMSR and by RDPMC.
    def selftest():
        yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 0)
        yield guest.wrmsr("IA32_FIXED_CTR3", 0)
        yield guest.wrmsr("IA32_PERF_METRICS", 0)
        yield guest.wrmsr("IA32_FIXED_CTR_CTRL", 0x3 << 12)
        yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", (1 << 35) | (1 << 48))
        yield guest.run(100_000)
        yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 0)
        yield guest.rdmsr("IA32_PERF_METRICS", byte_sum=(4, (0xFC, 0x102)))
        yield guest.rdpmc(guest.RDPMC_METRICS, byte_sum=(4, (0xFC, 0x102)))
        yield guest.rdpmc(guest.RDPMC_METRICS, byte_sum=(4, (0, 1)), label="must fail")

    d = pmusim.scenario_dict("conform_sapphirerapids")
    del d["guests"][0]["program"]
    r = pmusim.run_scenario(pmusim.scenario_from_dict(d), programs={"vm0": selftest})
    f = pmusim.accesses_frame(r)
    assert r["programs"]["failed"] == 1
    assert f.loc[f["label"] == "must fail", "failure"].item().startswith("sum of 4 bytes")
    with pytest.raises(ValueError, match="byte_sum: expected"):
        pmusim.run_scenario(pmusim.scenario_from_dict(d), programs={"vm0": [guest.rdmsr(0xC1, byte_sum=4)]})

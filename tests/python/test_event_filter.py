"""KVM's PMU event filter from Python (docs/virtualization.md "Event filter"): the filter as a
dict, validated as KVM_SET_PMU_EVENT_FILTER does, its decisions, and scenarios with it."""
import pytest

import pmusim

BRANCHES = 0x4300C4      # BR_INST_RETIRED.ALL_BRANCHES, enabled in both rings
CYCLES = 0x43003C


def test_filter_dict_is_validated_and_decides_like_kvm():
    f = pmusim.event_filter({"action": "deny", "events": [0xC4, {"event": 0xC0, "umask": 0}], "fixed_counter_bitmap": 1})
    assert (f.action, f.flags, f.fixed_counter_bitmap, f.events) == (1, 0, 1, [0xC4, 0xC0])
    assert not f.allowed(BRANCHES) and f.allowed(CYCLES)
    assert not f.allowed_fixed(0) and f.allowed_fixed(1)      # the bitmap alone decides fixed counters
    allow = pmusim.event_filter({"action": "allow", "events": [0xC0]})
    assert not allow.allowed_fixed(0)                         # INST_RETIRED listed, bitmap bit clear
    assert f.check() is None


def test_kvm_errors_name_the_field_and_the_errno():
    with pytest.raises(ValueError, match=r"<dict>:1: event_filter.action: KVM refuses the filter: EINVAL"):
        pmusim.event_filter({"action": 2})
    with pytest.raises(ValueError, match=r"event_filter.flags: KVM refuses the filter: EINVAL"):
        pmusim.event_filter({"flags": 2})
    with pytest.raises(ValueError, match=r"event_filter.events: KVM refuses the filter: E2BIG"):
        pmusim.event_filter({"events": list(range(301))})
    with pytest.raises(ValueError, match=r"event_filter.masked\[1\]: KVM refuses the filter: EINVAL"):
        pmusim.event_filter({"masked": [{"event": 0xC4}, {"event": 0x1C4}]})   # bits 35:32 are AMD's
    # Junk KVM accepts: unmasked entries with bits it cannot match are dropped, absent fixed
    # counters may be named.
    junk = pmusim.event_filter({"events": [2**64 - 1], "fixed_counter_bitmap": 0xFFFFFFFF})
    assert junk.prepared() == [] and not junk.allowed(BRANCHES)


def test_raw_struct_and_masked_entries():
    enc = pmusim.EventFilter.encode_masked_entry
    assert enc(0xFF, 0xFF, 0xFF, True) == 0xFF8000000000FFFF
    # Include every TOPDOWN (0xA4) umask under mask 0xF8, exclude umask 0x02.
    f = pmusim.EventFilter("allow", [enc(0xA4, 0xF8, 0), enc(0xA4, 0xFF, 0x02, True)], flags=1)
    assert f.check() is None
    assert [f.allowed(0x4300A4 | u << 8) for u in (0x01, 0x02, 0x04)] == [True, False, True]
    assert pmusim.EventFilter(flags=2).check() == {
        "field": "flags", "error": "EINVAL", "reason": "flags 0x2 has bits beyond KVM_PMU_EVENT_FLAGS_VALID_MASK (0x1)"}
    assert pmusim.EventFilter("deny", [0] * 301).check()["error"] == "E2BIG"
    with pytest.raises(ValueError, match="action: EINVAL"):
        pmusim.EventFilter(action=5).validate()
    with pytest.raises(ValueError, match="expected 'allow', 'deny'"):
        pmusim.EventFilter(action="sometimes")


def test_scenario_with_a_filter_runs_clean_and_the_unfiltered_load_is_caught():
    d = pmusim.scenario_dict("event_filter")
    d["cycles"] = 400_000
    s = pmusim.scenario_from_dict(d)
    r = pmusim.run_scenario(s)
    assert r["clean"], r["violations"][:3]
    vm0 = r["contexts"][1]
    assert vm0["counts"]["branches"][0] == 0 < vm0["counts"]["branches"][1]
    assert set(vm0["denied"]) == {"instructions", "branches"}
    bad = pmusim.run_scenario(s, protocol=s.protocol().replace("load_guest_pmcs", "load_guest_pmcs_unfiltered"))
    assert bad["violation_counts"]["filtered"] > 0
    first = next(v for v in bad["violations"] if v["kind"] == "filtered")
    assert (first["register"], first["reader"], first["step"]) == ("PMC0", "vm0", "guest vm0")
    # A filter set through the dict route: an allow list without branches.
    pmusim.set_param(d, "event_filter", {"action": "allow", "events": [0x3C], "fixed_counter_bitmap": 0x6})
    allow = pmusim.run_scenario(pmusim.scenario_from_dict(d))
    assert allow["clean"] and allow["contexts"][1]["counts"]["cycles"][0] > 0


def test_a_guest_program_reads_back_what_it_wrote_and_counts_nothing_denied():
    d = {"cpu": "sapphirerapids", "cycles": 300_000, "event_filter": {"action": "deny", "events": [0xC4]},
         "guests": [{"name": "vm0"}]}
    s = pmusim.scenario_from_dict(d)

    def probe():
        yield pmusim.guest.wrmsr("IA32_PERFEVTSEL0", BRANCHES)
        yield pmusim.guest.wrmsr("IA32_PERFEVTSEL1", CYCLES)
        yield pmusim.guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 3)
        yield pmusim.guest.run(50_000)
        yield pmusim.guest.rdmsr("IA32_PMC0", equals=0)
        yield pmusim.guest.rdmsr("IA32_PMC1", range=(50_000, 60_000))
        yield pmusim.guest.rdmsr("IA32_PERFEVTSEL0", equals=BRANCHES)

    r = pmusim.run_scenario(s, programs={"vm0": probe})
    assert r["passed"], r["violations"][:3]

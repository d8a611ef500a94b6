"""scripts/check-perfmon.py: Intel's metric files evaluated on pmusim's counts (docs/tma.md)."""
import importlib.util
import json
import math
import os

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("check_perfmon", os.path.join(ROOT, "scripts", "check-perfmon.py"))
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)

# A metrics file in perfmon's layout, written for this test: Retiring from the PERF_METRICS bytes,
# IPC, and a node that reads an event pmusim does not count.
SAMPLE = {"Metrics": [
    {"MetricName": "Retiring", "Formula": "100 * ( a / ( a + b + c + d ) )", "Constants": [],
     "Events": [{"Alias": "a", "Name": "PERF_METRICS.RETIRING"}, {"Alias": "b", "Name": "PERF_METRICS.BAD_SPECULATION"},
                {"Alias": "c", "Name": "PERF_METRICS.FRONTEND_BOUND"}, {"Alias": "d", "Name": "PERF_METRICS.BACKEND_BOUND"}]},
    {"MetricName": "Info_Thread_IPC", "Formula": "a / ( ( b / 2 ) if smt_on else ( c ) )", "Constants": [],
     "Events": [{"Alias": "a", "Name": "INST_RETIRED.ANY"}, {"Alias": "b", "Name": "CPU_CLK_UNHALTED.THREAD_ANY"},
                {"Alias": "c", "Name": "CPU_CLK_UNHALTED.THREAD"}]},
    {"MetricName": "L2_Bound", "Formula": "100 * ( a / b )", "Constants": [],
     "Events": [{"Alias": "a", "Name": "MEM_LOAD_RETIRED.L2_HIT"}, {"Alias": "b", "Name": "CPU_CLK_UNHALTED.THREAD"}]},
]}


def interval(retiring, ipc):
    return {"counts": [{"event": "cycles", "scaled": 1000.0}, {"event": "instructions", "scaled": 1500.0}],
            "slots": 6000, "fields": [100, 20, 50, 85, 10, 10, 20, 40],
            "nodes": {"Retiring": {"reported": retiring}, "L2_Bound": {"reported": 0.1}},
            "metrics": {"IPC": {"reported": ipc}}}


def test_perfmon_arithmetic():
    assert check.evaluate("max( 1 - ( a ) , 0 )", {"a": 2}) == 0
    assert math.isnan(check.evaluate("a / b", {"a": 0, "b": 0}))  # perf: x / 0 is NaN
    assert check.evaluate("( a / 2 ) if smt_on else ( b )", {"a": 8, "b": 3, "smt_on": 0}) == 3
    # Ports_Utilization's condition: a comparison is 1 or 0, with NaN false.
    assert check.evaluate("( a ) if ( c < d ) else ( b )", {"a": 8, "b": 3, "c": 1, "d": 2}) == 8
    assert check.evaluate("( a ) if ( c > d ) else ( b )", {"a": 8, "b": 3, "c": 1, "d": 2}) == 3
    assert check.evaluate("( a ) if ( c / d < 1 ) else ( b )", {"a": 8, "b": 3, "c": 0, "d": 0}) == 3
    with pytest.raises(ValueError, match="unsupported expression"):
        check.evaluate("__import__('os')", {})


def test_matching_values_compare_and_missing_events_are_named():
    n, worst, skipped, bad = check.compare(SAMPLE["Metrics"], interval(100 / 255, 1.5))
    assert (n, bad) == (2, []) and worst < 1e-15
    assert skipped == [("L2_Bound", "needs MEM_LOAD_RETIRED.L2_HIT")]


def test_a_differing_value_is_reported():
    _, _, _, bad = check.compare(SAMPLE["Metrics"], interval(0.5, 1.5))
    assert [b[0] for b in bad] == ["Retiring"] and bad[0][2] == pytest.approx(100 / 255)


# An event list in perfmon's layout: INT_MISC.CLEARS_COUNT and UOPS_RETIRED.MS as Intel encodes them, 8 GP counters
# and 4 fixed counters named.
def event(name, code, umask, cmask="0", edge="0", counter="0,1,2,3,4,5,6,7"):
    return {"EventName": name, "EventCode": code, "UMask": umask, "UMaskExt": "0x00", "CounterMask": cmask,
            "EdgeDetect": edge, "Counter": counter}


EVENTS = {"Events": [event("INT_MISC.CLEARS_COUNT", "0xad", "0x01", "1", "1"), event("UOPS_RETIRED.MS", "0xc2", "0x04")] +
          [event(f"FIXED{i}", "0x00", "0x00", counter=f"Fixed counter {i}") for i in range(4)]}


def write_events(tmp_path, events):
    (tmp_path / "SPR" / "events").mkdir(parents=True, exist_ok=True)
    (tmp_path / "SPR" / "events" / "sapphirerapids_core.json").write_text(json.dumps(events))


def pmusim_path():
    pmusim_bin = os.path.join(ROOT, "build", "pmusim")
    assert os.path.exists(pmusim_bin), "build pmusim first (scripts/build.sh)"
    return pmusim_bin


def test_event_encodings_and_counter_counts(tmp_path):
    # Given Intel's list for SPR with CLEARS_COUNT (0xad/0x01, CMASK 1, E), pmusim's encoding of it
    # matches and its other model-specific events are named as absent from the list.
    write_events(tmp_path, EVENTS)
    errors = check.check_events(str(tmp_path), pmusim_path(), "sapphirerapids")
    assert not any(e.startswith("INT_MISC.CLEARS_COUNT") for e in errors)
    # UOPS_RETIRED.MS:c1:e1 is Intel's UOPS_RETIRED.MS with CMASK 1 and edge detect.
    assert not any(e.startswith("UOPS_RETIRED.MS") for e in errors)
    assert "UOPS_RETIRED.HEAVY: pmusim (194, 1, 0, False, 0, False, False), not in Intel's list" in errors
    assert not any(e.startswith("counters") for e in errors)
    # When Intel's encoding differs (CMASK 2) or the list names 10 GP counters, both are reported.
    wrong = {"Events": [event("INT_MISC.CLEARS_COUNT", "0xad", "0x01", "2", "1", "0,1,2,3,4,5,6,7,8,9")] +
             EVENTS["Events"][1:]}
    write_events(tmp_path, wrong)
    errors = check.check_events(str(tmp_path), pmusim_path(), "sapphirerapids")
    assert "INT_MISC.CLEARS_COUNT: pmusim (173, 1, 1, True, 0, False, False), Intel [(173, 1, 2, True, 0, False, False)] " \
           "(event, umask, cmask, edge, umask2, inv, eq)" in errors
    assert "counters: pmusim 8 GP + 4 fixed, Intel's list 10 GP + 4 fixed" in errors


def test_against_pmusim(tmp_path):
    # Given the sample as the SPR file, pmusim's Retiring and IPC on sapphirerapids match it.
    pmusim_bin = pmusim_path()
    (tmp_path / "SPR" / "metrics").mkdir(parents=True)
    (tmp_path / "SPR" / "metrics" / "sapphirerapids_metrics.json").write_text(json.dumps(SAMPLE))
    assert check.main([str(tmp_path), "--pmusim", pmusim_bin, "--cpu", "sapphirerapids", "-w", "vector_kernel",
                       "-n", "1000000", "--metrics-only"]) == 0


def test_inv_and_eq_views_are_checked_against_the_base_event(tmp_path):
    # Given Lunar Lake's list with IDQ.MITE_UOPS (0x79/0x04) and the *_COST event with UMASK2 1,
    # pmusim's IDQ.MITE_UOPS:c8:i1:eq1 (CMASK 8, INV, EQ) and COND_TAKEN_FWD_COST match them; with
    # Intel's IDQ.MITE_UOPS at another umask the view is reported with its INV and EQ bits.
    fwd = dict(event("BR_MISP_RETIRED.COND_TAKEN_FWD_COST", "0xc5", "0x40"), UMaskExt="0x01")
    lnl = tmp_path / "LNL" / "events"
    lnl.mkdir(parents=True)
    for umask, ok in (("0x04", True), ("0x08", False)):
        (lnl / "lunarlake_lioncove_core.json").write_text(json.dumps(
            {"Events": [event("IDQ.MITE_UOPS", "0x79", umask), fwd] + EVENTS["Events"][2:]}))
        errors = check.check_events(str(tmp_path), pmusim_path(), "lunarlake")
        assert not any(e.startswith("BR_MISP_RETIRED.COND_TAKEN_FWD_COST") for e in errors)
        mite = [e for e in errors if e.startswith("IDQ.MITE_UOPS:c8:i1:eq1")]
        assert (mite == []) == ok, mite
    assert "IDQ.MITE_UOPS:c8:i1:eq1: pmusim (121, 4, 8, False, 0, True, True), Intel [(121, 8, 8, False, 0, True, True)] " \
           "(event, umask, cmask, edge, umask2, inv, eq)" in errors

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
    with pytest.raises(ValueError, match="unsupported expression"):
        check.evaluate("__import__('os')", {})


def test_matching_values_compare_and_missing_events_are_named():
    n, worst, skipped, bad = check.compare(SAMPLE["Metrics"], interval(100 / 255, 1.5))
    assert (n, bad) == (2, []) and worst < 1e-15
    assert skipped == [("L2_Bound", "needs MEM_LOAD_RETIRED.L2_HIT")]


def test_a_differing_value_is_reported():
    _, _, _, bad = check.compare(SAMPLE["Metrics"], interval(0.5, 1.5))
    assert [b[0] for b in bad] == ["Retiring"] and bad[0][2] == pytest.approx(100 / 255)


def test_against_pmusim(tmp_path):
    # Given the sample as the SPR file, pmusim's Retiring and IPC on sapphirerapids match it.
    pmusim_bin = os.path.join(ROOT, "build", "pmusim")
    assert os.path.exists(pmusim_bin), "build pmusim first (scripts/build.sh)"
    (tmp_path / "SPR" / "metrics").mkdir(parents=True)
    (tmp_path / "SPR" / "metrics" / "sapphirerapids_metrics.json").write_text(json.dumps(SAMPLE))
    assert check.main([str(tmp_path), "--pmusim", pmusim_bin, "--cpu", "sapphirerapids", "-w", "vector_kernel",
                       "-n", "1000000"]) == 0

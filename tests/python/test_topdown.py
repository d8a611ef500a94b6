"""Topdown and workload files from Python (issue #3)."""
import numpy as np
import pytest

import pmusim


def test_library_has_the_archetypes():
    lib = pmusim.workload_library()
    for name in ("pointer_chase", "interpreter", "server_icache", "vector_kernel", "string_microcode", "mixed_app"):
        assert name in lib


def test_topdown_arrays_match_truth_within_2_lsb():
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.load_workload("interpreter")
    r = m.topdown(level=2, interval=2_000_000)
    assert r["method"] == "perf_metrics"
    assert r["reported"].shape == (len(r["begin"]), len(r["nodes"])) == r["truth"].shape
    assert np.all(np.abs(r["reported"] - r["truth"]) <= 2 / 255)
    assert r["summary_bottleneck"] == "Branch_Mispredicts" == r["summary_truth_bottleneck"]
    rep, tru, err = r["summary"]["Bad_Speculation"]
    assert err == pytest.approx(rep - tru)


def test_same_seed_same_result():
    def once():
        m = pmusim.Machine(cpu="icelake")
        m.workload = pmusim.load_workload("mixed_app")
        return m.topdown(level=1, interval=5_000_000)["reported"]
    assert np.array_equal(once(), once())


def test_malformed_file_names_file_line_and_field(tmp_path):
    f = tmp_path / "w.yaml"
    f.write_text("phases:\n  a:\n    cycles: 100\n    ipc: lots\n")
    with pytest.raises(ValueError, match=r"w\.yaml:4: phases\.a\.ipc: expected a number, got 'lots'"):
        pmusim.load_workload(str(f))


def test_bad_topdown_arguments_raise_value_error():
    m = pmusim.Machine(cpu="skylake")
    with pytest.raises(ValueError, match="Skylake has no PERF_METRICS|skylake has no PERF_METRICS"):
        m.topdown(method="perf_metrics")
    with pytest.raises(ValueError, match="level"):
        m.topdown(level=5)
    w = pmusim.load_workload("vector_kernel")
    assert isinstance(w, pmusim.PhasedWorkload) and w.length == 20_000_000 and w.phases == ["compute"]


def test_nodes_and_metrics_select_what_is_measured():
    # Given skylake and nodes=["Memory_Bound*"], only those nodes (with Backend_Bound) come back,
    # and the Info metrics sit beside their truth (IPC from fixed counters: exact).
    m = pmusim.Machine(cpu="skylake")
    m.workload = pmusim.load_workload("pointer_chase")
    r = m.topdown(cycles=4_000_000, interval=1_000_000, nodes=["Memory_Bound*"], metrics="IPC,IpBranch")
    assert r["nodes"] == ["Backend_Bound", "Memory_Bound", "L1_Bound", "Store_Fwd_Blk", "L2_Bound", "L3_Bound",
                          "DRAM_Bound", "MEM_Bandwidth", "MEM_Latency", "Store_Bound"]
    assert "IDQ.MS_UOPS" not in r["events"]
    assert r["metrics"] == ["IPC", "IpBranch"]
    assert r["metric_reported"].shape == r["metric_truth"].shape == (4, 2)
    assert np.array_equal(r["metric_reported"][:, 0], r["metric_truth"][:, 0])
    rep, tru, err = r["summary_metrics"]["IpBranch"]
    assert rep == pytest.approx(tru, rel=0.05) and err == pytest.approx(rep - tru)
    f = pmusim.metrics_frame(r)
    assert list(f.columns) == ["begin", "end", "metric", "reported", "truth", "error"] and len(f) == 8


def test_division_by_zero_is_nan():
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.workloads.steady(branch_misses=0.0)
    r = m.topdown(cycles=1_000_000, metrics=["IpMispredict"])
    rep, tru, err = r["summary_metrics"]["IpMispredict"]
    assert np.isnan(rep) and np.isnan(tru) and np.isnan(err)
    assert pmusim.metrics_frame(r)["reported"].isna().all()


def test_descriptors_list_every_node_with_formula_and_source():
    d = {x["name"]: x for x in pmusim.tma_descriptors("skylake", "gp_events")}
    fb = d["Fetch_Bandwidth"]
    assert (fb["kind"], fb["level"], fb["parent"]) == ("node", 2, "Frontend_Bound")
    assert fb["formula"] == "Frontend_Bound - Fetch_Latency" and fb["source"] == "PERFMON SKX"
    assert fb["threshold"] == "Fetch_Bandwidth > 0.20"
    # Intel's fill-buffer-weighted L2_Bound, without a departure note; Level 3 under Fetch_Latency.
    assert d["L2_Bound"]["note"] == "" and "L1D_PEND_MISS.FB_FULL:c1" in d["L2_Bound"]["formula"]
    ic = d["ICache_Misses"]
    assert (ic["level"], ic["parent"], ic["source"]) == (3, "Fetch_Latency", "PERFMON SKX")
    assert ic["formula"] == "(ICACHE_16B.IFDATA_STALL + 2 * ICACHE_16B.IFDATA_STALL:c1:e1) / CLKS"
    assert d["IPC"]["kind"] == "metric" and "Spec_Clears_Ratio" not in d
    spr = {x["name"]: x for x in pmusim.tma_descriptors("sapphirerapids")}
    assert spr["Memory_Bound"]["formula"] == "PERF_METRICS.MEMORY_BOUND / PM_SUM"


def test_bad_selection_raises_value_error():
    m = pmusim.Machine(cpu="skylake")
    with pytest.raises(ValueError, match="nodes: unknown node 'Nope'"):
        m.topdown(cycles=1000, nodes="Nope")
    with pytest.raises(ValueError, match="metric group 'Spec_Clears_Ratio' matches no node"):
        m.topdown(cycles=1000, metrics=["Spec_Clears_Ratio"])
    with pytest.raises(ValueError, match="metrics: expected a string or a list of strings"):
        m.topdown(cycles=1000, metrics=[1, 2])
    with pytest.raises(ValueError, match="family: expected skylake, icelake or sapphirerapids"):
        pmusim.tma_descriptors("k6")

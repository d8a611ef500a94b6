"""Sweeps: worker processes or one process per point, local pool and Dask LocalCluster, resume after a kill, the same
result wherever a point runs; frames and what-if scenario dicts."""
import math
import os
import signal
import subprocess
import sys
import time

import pytest

import pmusim

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "python"), HERE, e.get("PYTHONPATH", "")])
    return e


@pytest.fixture(autouse=True)
def helpers_on_path(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]))


def test_local_pool_runs_each_point_in_its_own_process(tmp_path):
    df = pmusim.sweep("topdown", grid={"cpu": ["icelake", "lunarlake"], "interval": [1_000_000, 5_000_000]},
                      fixed={"workload": "pointer_chase", "level": 1, "cycles": 10_000_000}, out=str(tmp_path),
                      progress=False, isolation="process")
    assert len(df) == 4
    assert df["_pid"].nunique() == 4                     # a fresh process per point
    assert (df["max_abs_error"] < 2.5 / 255).all()       # PERF_METRICS read every interval
    assert list(df["cpu"]) == ["icelake", "icelake", "lunarlake", "lunarlake"]
    # A rerun finds every result on disk and runs nothing.
    again = pmusim.sweep("topdown", grid={"cpu": ["icelake", "lunarlake"], "interval": [1_000_000, 5_000_000]},
                         fixed={"workload": "pointer_chase", "level": 1, "cycles": 10_000_000}, out=str(tmp_path),
                         progress=False, isolation="process")
    assert list(again["_pid"]) == list(df["_pid"])
    with open(tmp_path / "_done.log") as f:
        assert len(f.read().split()) == 4


def test_worker_processes_run_many_points_with_the_results_of_fresh_processes(tmp_path):
    # Given eight topdown points on two pool threads, when they run in worker processes, then
    # at most two processes ran them all, and every result equals the fresh-process one: a point
    # sees nothing of the points a worker ran before it.
    grid = {"cpu": ["icelake", "sapphirerapids"], "interval": [1_000_000, 4_000_000], "level": [1, 2]}
    fixed = {"workload": "mixed_app", "cycles": 8_000_000}
    fresh = pmusim.sweep("topdown", grid=grid, fixed=fixed, out=str(tmp_path / "fresh"), workers=2,
                         progress=False, isolation="process")
    pooled = pmusim.sweep("topdown", grid=grid, fixed=fixed, out=str(tmp_path / "pooled"), workers=2,
                          progress=False)
    assert fresh["_pid"].nunique() == 8 and pooled["_pid"].nunique() <= 2
    cols = [c for c in fresh.columns if not c.startswith("_")]
    assert fresh[cols].equals(pooled[cols])
    # The cost of a point out of process is reported: the whole point and the task alone.
    assert (pooled["_work_seconds"] > 0).all() and (pooled["_seconds"] >= pooled["_work_seconds"]).all()
    # ... and the CPU the task got, which cannot exceed its wall time (a task runs on one thread).
    assert (pooled["_work_cpu_seconds"] > 0).all()
    assert (pooled["_work_cpu_seconds"] <= pooled["_work_seconds"] + 0.01).all()
    scen = {"scenario": ["perf_metrics_patch", "two_guests"], "guests.vm0.run": [5_000, 20_000]}
    a = pmusim.sweep("scenario", grid=scen, fixed={"cycles": 300_000}, out=str(tmp_path / "sa"), workers=1,
                     progress=False, isolation="process")
    b = pmusim.sweep("scenario", grid=scen, fixed={"cycles": 300_000}, out=str(tmp_path / "sb"), workers=1,
                     progress=False)
    assert b["_pid"].nunique() == 1
    cols = [c for c in a.columns if not c.startswith("_")]
    assert a[cols].equals(b[cols])


def test_a_worker_survives_a_failed_point_and_is_replaced_when_it_dies_or_overruns():
    w = pmusim.PointWorker()
    try:
        first = w.run("stat", {"cpu": "icelake", "events": "instructions", "cycles": 100_000})
        with pytest.raises(RuntimeError, match="nosuch_cpu"):
            w.run("topdown", {"cpu": "nosuch_cpu"})
        again = w.run("sweep_helpers:chatty", {"x": 7})         # its prints go to stderr
        assert again["result"]["y"] == 7 and again["pid"] == first["pid"]
        with pytest.raises(RuntimeError, match=r"point \{'code': 5\}: the worker died: exit -?5"):
            w.run("sweep_helpers:die", {"code": 5})
        with pytest.raises(RuntimeError, match="no result within the timeout of 0.5 s"):
            w.run("sweep_helpers:square", {"x": 2, "delay": 30}, timeout=0.5)
        after = w.run("sweep_helpers:square", {"x": 3})
        assert after["result"]["y"] == 9 and after["pid"] != first["pid"]
    finally:
        w.close()
    with pytest.raises(ValueError, match="isolation 'thread': expected one of 'worker', 'process'"):
        pmusim.sweep("topdown", points=[{"cpu": "icelake"}], isolation="thread", progress=False)


def test_topdown_points_take_a_node_selection_and_info_metrics(tmp_path):
    # Given skylake points measuring only Memory_Bound's subtree with IPC, each row carries those
    # nodes and the metric beside its truth, and fewer events than the full Level-3 tree.
    df = pmusim.sweep("topdown", grid={"nodes": ["Memory_Bound*", ""]},
                      fixed={"cpu": "skylake", "workload": "pointer_chase", "cycles": 4_000_000, "level": 3,
                             "metrics": "IPC"}, out=str(tmp_path), progress=False)
    sel, full = df.iloc[0], df.iloc[1]
    assert sel["IPC"] == sel["IPC_truth"] and sel["IPC_error"] == 0
    assert math.isnan(sel["Frontend_Bound"]) and not math.isnan(sel["DRAM_Bound"])
    assert sel["events"] < full["events"]


def test_sweep_resumes_after_being_killed_without_losing_or_repeating_points(tmp_path):
    out = str(tmp_path / "sweep")
    code = ("import pmusim; pmusim.sweep('sweep_helpers:square', grid={'x': list(range(8))}, "
            f"fixed={{'delay': 0.6}}, out={out!r}, workers=2, progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env(), start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        done = [n for n in os.listdir(out)] if os.path.isdir(out) else []
        if sum(n.endswith(".json") and not n.startswith(".") for n in done) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished_before = {n for n in os.listdir(out) if n.endswith(".json") and not n.startswith(".")}
    assert 2 <= len(finished_before) < 8
    # The same sweep again (same parameters, same directory) picks up where the killed one stopped.
    df = pmusim.sweep("sweep_helpers:square", grid={"x": list(range(8))}, fixed={"delay": 0.6}, out=out,
                      workers=4, progress=False)
    assert sorted(df["x"]) == list(range(8))
    assert list(df["y"]) == [x * x for x in range(8)]
    with open(os.path.join(out, "_done.log")) as f:
        keys = f.read().split()
    delay_keys = {pmusim.point_key("sweep_helpers:square", {"delay": 0.6, "x": x}) for x in range(8)}
    done = [k for k in keys if k in delay_keys]
    assert sorted(done) == sorted(delay_keys)            # every point finished exactly once
    for name in finished_before:                          # finished points were not run again
        assert done.count(name[:-5]) == 1


def test_dask_local_cluster_gives_the_same_results_as_the_local_pool(tmp_path):
    distributed = pytest.importorskip("distributed")
    grid = {"guests.vm0.run": [5_000, 50_000]}
    fixed = {"scenario": "perf_metrics_patch", "cycles": 400_000}
    local = pmusim.sweep("scenario", grid=grid, fixed=fixed, out=str(tmp_path / "local"), progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = pmusim.sweep("scenario", grid=grid, fixed=fixed, out=str(tmp_path / "dask"),
                              scheduler=cluster.scheduler_address, progress=False)
        fresh = pmusim.sweep("scenario", grid=grid, fixed=fixed, out=str(tmp_path / "dask_fresh"),
                             scheduler=cluster.scheduler_address, progress=False, isolation="process")
    assert len(remote) == 2 and remote["clean"].all()
    cols = [c for c in local.columns if not c.startswith("_")]
    assert local[cols].equals(remote[cols])               # same seed, same result, wherever it ran
    assert local[cols].equals(fresh[cols])


def test_sweep_errors_name_the_point(tmp_path):
    with pytest.raises(RuntimeError, match="nosuch_cpu"):
        pmusim.sweep("topdown", points=[{"cpu": "nosuch_cpu"}], out=str(tmp_path), progress=False)
    with pytest.raises(ValueError, match="give a grid"):
        pmusim.sweep("topdown", out=str(tmp_path), progress=False)


def test_what_if_scenario_dicts():
    d = pmusim.scenario_dict("perf_metrics_patch")
    pmusim.set_param(d, "guests.vm0.run", 4000)
    pmusim.set_param(d, "costs.vmexit", 900)
    pmusim.set_param(d, "overrides.metrics_field_bits", 16)           # PERF_METRICS resolution
    pmusim.set_param(d, "overrides.slots_per_cycle", 8)                 # pipeline width
    pmusim.set_param(d, "overrides.gp_width", 40)                       # counter width
    pmusim.set_param(d, "cycles", 300_000)
    assert pmusim.get_param(d, "guests.vm0.vpmu.perf_metrics") is True
    s = pmusim.scenario_from_dict(d)
    r = pmusim.run_scenario(s)
    assert r["clean"]
    assert sum(r["contexts"][1]["exits"].values()) > 10
    pmusim.set_param(d, "costs.vmexit", "slow")
    with pytest.raises(ValueError, match="costs.vmexit: expected a number"):
        pmusim.scenario_from_dict(d)
    with pytest.raises(KeyError, match="guests.vm9: no list entry"):
        pmusim.set_param(d, "guests.vm9.run", 1)


def test_frames():
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.load_workload("interpreter")
    t = pmusim.topdown_frame(m.topdown(level=1, interval=10_000_000, cycles=30_000_000))
    assert list(t.columns) == ["begin", "end", "node", "reported", "truth", "error"]
    assert len(t) == 3 * 4 and (t.error.abs() < 2.5 / 255).all()
    c = pmusim.counts_frame(m.topdown(level=1, interval=10_000_000, cycles=20_000_000))
    assert c.counter.iloc[0] == "slots (topdown group)" and len(c) == 2 * c.counter.nunique()
    exact = c.dropna()
    assert len(exact) > 0 and (exact["count"] == exact["truth"]).all()   # no multiplexing on SPR
    s = pmusim.stat_frame(m.stat(["instructions", "branches"], 1_000_000))
    assert (s.error == 0).all()
    s2 = pmusim.load_scenario("pmi_sampling")
    s2.cycles = 300_000
    bad = pmusim.run_scenario(s2, protocol=s2.protocol().remove("load_guest_lvtpc"))
    v = pmusim.violations_frame(bad)
    assert "pmi_misrouted" in set(v.kind) and v.cycle.is_monotonic_increasing
    c = pmusim.contexts_frame(bad)
    assert set(c.context) == {"host", "vm0"}


def test_plots_write_png(tmp_path):
    from pmusim import plots
    m = pmusim.Machine(cpu="icelake")
    m.workload = pmusim.load_workload("mixed_app")
    plots.plot_topdown(m.topdown(level=1, interval=5_000_000, cycles=20_000_000)).savefig(tmp_path / "td.png")
    s = pmusim.load_scenario("perf_metrics_patch")
    s.cycles = 300_000
    plots.plot_violations(pmusim.run_scenario(s, protocol=s.protocol().remove("put_fixed_ctr_ctrl"))).savefig(
        tmp_path / "v.png")
    import pandas as pd
    plots.plot_heatmap(pd.DataFrame({"a": [1, 1, 2, 2], "b": ["x", "y", "x", "y"], "v": [1.0, 2.0, 3.0, 4.0]}),
                       "a", "b", "v").savefig(tmp_path / "h.png")
    for name in ("td.png", "v.png", "h.png"):
        with open(tmp_path / name, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="column 'nope'"):
        plots.plot_heatmap(pd.DataFrame({"a": [1]}), "a", "nope", "a")
    # From the shell too.
    out = subprocess.run([sys.executable, "-m", "pmusim", "plot", "run", "two_guests", "-n", "200000", "-o",
                          str(tmp_path / "cli.png")], capture_output=True, text=True, env=env())
    assert out.returncode == 0, out.stderr
    assert os.path.getsize(tmp_path / "cli.png") > 1000
    out = subprocess.run([sys.executable, "-m", "pmusim", "plot", "topdown", "--cpu", "lunarlake", "-n", "10000000",
                          "--set", "slots_per_cycle=6", "-o", str(tmp_path / "td_cli.png")], capture_output=True,
                         text=True, env=env())
    assert out.returncode == 0, out.stderr
    sweep_dir = tmp_path / "sw"
    pmusim.sweep("sweep_helpers:square", grid={"x": [1, 2], "seed": [0, 1]}, out=str(sweep_dir), progress=False)
    out = subprocess.run([sys.executable, "-m", "pmusim", "plot", "sweep", str(sweep_dir), "--x", "x", "--y", "seed",
                          "--value", "y", "-o", str(tmp_path / "heat_cli.png")], capture_output=True, text=True, env=env())
    assert out.returncode == 0, out.stderr
    for name in ("td_cli.png", "heat_cli.png"):
        with open(tmp_path / name, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    bad = subprocess.run([sys.executable, "-m", "pmusim", "plot", "run", "nosuch", "-o", str(tmp_path / "x.png")],
                         capture_output=True, text=True, env=env())
    assert bad.returncode == 2 and "scenario 'nosuch'" in bad.stderr

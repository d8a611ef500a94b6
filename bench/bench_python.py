"""Python-side costs of pmusim (docs/performance.md "Python"):

  import      `import pmusim` in a fresh interpreter, over an empty interpreter, and which heavy
              modules it loads
  calls       µs per rdmsr/wrmsr/rdpmc call and per access of Machine.access_batch, against a
              bare pybind11 method call with the same arguments (Machine._noop_access)
  sweep       the cost of a sweep point: one point in a fresh process (isolation="process") and
              in a worker process that runs point after point (the default), against the same
              work in this process

    PYTHONPATH=python /usr/bin/python3 bench/bench_python.py [--quick] [--pythonpath DIR]

--pythonpath measures the import and the sweep point of another copy of the package (e.g. an
older checkout) beside this one. Prints figures; asserts no timing.
"""
import argparse
import importlib
import os
import resource
import statistics
import subprocess
import sys
import time
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ["pandas", "matplotlib", "yaml", "distributed", "dask", "concurrent.futures"]


def fresh(code, pythonpath):
    """Wall and CPU seconds of one fresh interpreter running `code`, and its stdout."""
    env = dict(os.environ, PYTHONPATH=pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout


def bench_import(label, pythonpath, runs):
    empty = [fresh("pass", pythonpath) for _ in range(runs)]
    probe = "import pmusim, sys; print(' '.join(m for m in %r if m in sys.modules))" % (HEAVY,)
    full = [fresh(probe, pythonpath) for _ in range(runs)]
    wall = statistics.median(w for w, _, _ in full) - statistics.median(w for w, _, _ in empty)
    cpu = statistics.median(c for _, c, _ in full) - statistics.median(c for _, c, _ in empty)
    loaded = full[-1][2].strip() or "none"
    print(f"import pmusim [{label}]: {wall * 1e3:.0f} ms wall, {cpu * 1e3:.0f} ms CPU over an empty interpreter "
          f"(median of {runs}); heavy modules loaded: {loaded}")


def bench_calls(n, repeat=7):
    import numpy as np

    import pmusim
    from pmusim import msr

    m = pmusim.Machine(cpu="sapphirerapids")
    m.wrmsr(msr.IA32_FIXED_CTR_CTRL, 0x333)
    m.wrmsr(msr.IA32_PERF_GLOBAL_CTRL, 0x7 << 32)
    m.run(10_000)
    ctrl, fixed1 = msr.IA32_PERF_GLOBAL_CTRL, pmusim.RDPMC_FIXED | 1
    # The same three accesses, n of each, in one batch.
    ops = np.tile(np.array([m.RDMSR, m.WRMSR, m.RDPMC], dtype=np.uint8), n)
    idx = np.tile(np.array([ctrl, ctrl, fixed1], dtype=np.uint32), n)
    vals = np.tile(np.array([0, 0x7 << 32, 0], dtype=np.uint64), n)
    env = {"m": m, "ctrl": ctrl, "fixed1": fixed1, "v": 0x7 << 32, "ops": ops, "idx": idx, "vals": vals}
    # (name, statement, executions per run, accesses per execution)
    cases = [("bare pybind11 call (_noop_access)", "m._noop_access(ctrl, v)", n, 1),
             ("rdmsr", "m.rdmsr(ctrl)", n, 1),
             ("wrmsr", "m.wrmsr(ctrl, v)", n, 1),
             ("rdpmc", "m.rdpmc(fixed1)", n, 1),
             ("access_batch, per access (rdmsr, wrmsr, rdpmc mix)", "m.access_batch(ops, idx, vals)", 1, 3 * n)]
    timers = [timeit.Timer(stmt, globals=env) for _, stmt, _, _ in cases]
    best = [float("inf")] * len(cases)
    for _ in range(repeat):  # alternate the cases, so that load on a shared machine hits all alike
        for i, (_, _, number, per) in enumerate(cases):
            best[i] = min(best[i], timers[i].timeit(number) / (number * per))
    rows = list(zip((c[0] for c in cases), best))
    rows.insert(4, ("single calls, per access (the same mix)", sum(best[1:4]) / 3))
    bare = best[0]
    print(f"Python call costs (best of {repeat} alternating runs of {n} calls each):")
    for name, sec in rows:
        print(f"  {name:52s} {sec * 1e6:8.3f} µs  {sec / bare:6.2f}x bare")
    return dict(zip(["bare", "rdmsr", "wrmsr", "rdpmc", "batch"], best))


def bench_sweep_point(trees, runs):
    """A sweep point's process, as pmusim.sweep.run_point starts it, for each package tree in turn."""
    import json

    import pmusim._point as point

    params = {"cpu": "sapphirerapids", "workload": "mixed_app", "events": "instructions", "cycles": 100_000}
    request = json.dumps({"task": "stat", "params": params})
    t0 = time.perf_counter()
    for _ in range(runs):
        point.run("stat", params)
    inproc = (time.perf_counter() - t0) / runs
    walls = {label: [] for label, _ in trees}
    for _ in range(runs):  # alternating, as in bench_calls
        for label, tree in trees:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pmusim._point"], input=request, capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=tree), check=True)
            walls[label].append(time.perf_counter() - t0)
    for label, _ in trees:
        whole = statistics.median(walls[label])
        print(f"sweep point [{label}] (stat, 10^5 cycles): {whole * 1e3:.0f} ms through a fresh process, "
              f"{inproc * 1e3:.1f} ms of work in-process: {(whole - inproc) * 1e3:.0f} ms overhead per point "
              f"(median of {runs})")
    from pmusim.sweep import PointWorker

    w = PointWorker()
    try:
        w.run("stat", params)  # the worker's start-up, paid once
        walls = []
        for _ in range(runs * 5):
            t0 = time.perf_counter()
            w.run("stat", params)
            walls.append(time.perf_counter() - t0)
    finally:
        w.close()
    whole = statistics.median(walls)
    print(f"sweep point [this tree] (stat, 10^5 cycles): {whole * 1e3:.1f} ms through a worker process: "
          f"{(whole - inproc) * 1e3:.1f} ms overhead per point (median of {runs * 5})")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: checks that the benchmark runs")
    p.add_argument("--pythonpath", help="also measure `import pmusim` from this package directory")
    a = p.parse_args()
    runs, n = (2, 200) if a.quick else (15, 20_000)
    trees = [("this tree", os.path.join(ROOT, "python"))] + ([(a.pythonpath, a.pythonpath)] if a.pythonpath else [])
    for label, tree in trees:
        bench_import(label, tree, runs)
    bench_calls(n)
    bench_sweep_point(trees, 2 if a.quick else 7)


if __name__ == "__main__":
    main()

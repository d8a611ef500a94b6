"""Parameter sweeps: every point in its own process, on a local pool or a Dask cluster, with
results written per point as they finish so that an interrupted sweep resumes (docs/python.md).

    df = pmusim.sweep("topdown", grid={"cpu": ["icelake", "sapphirerapids"], "interval": [10**6, 10**7]},
                      fixed={"workload": "mixed_app", "level": 1}, out="sweep-out")
    df = pmusim.sweep("scenario", points=[{"scenario": "perf_metrics_patch", "guests.vm0.run": 5000}],
                      scheduler="tcp://10.0.0.5:8786")

SystemC elaborates once per process, so each point runs in a fresh Python process
(`python3 -m pmusim._point`), whichever executor launched it. Results are files
OUT/<key>.json, where the key is a hash of the task and the point's parameters. A point whose file
exists is not run again. The same parameters (seeds included) give the same result wherever a
point runs.
"""
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

__all__ = ["sweep", "point_key", "run_point", "load_results"]


def point_key(task, params):
    """The stable file key of a point: the task and its parameters, hashed."""
    blob = json.dumps({"task": task, "params": params}, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def run_point(task, params, timeout=None):
    """Run one point in a fresh Python process; returns its record (task, params, result, pid, host, seconds).

    Raises RuntimeError with the child's error message when the point fails.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "pmusim._point"], input=json.dumps({"task": task, "params": params}),
                          capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()
        raise RuntimeError(f"point {params}: " + (msg[-1] if msg else f"exit {proc.returncode}"))
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    record["seconds"] = time.time() - t0
    return record


def _points(grid, points, fixed):
    out = []
    if grid:
        names = list(grid)
        for values in itertools.product(*(grid[n] for n in names)):
            out.append(dict(zip(names, values)))
    out.extend(dict(p) for p in (points or []))
    if not out:
        raise ValueError("sweep: give a grid, a list of points, or both")
    return [{**(fixed or {}), **p} for p in out]


def _write(out, key, record):
    tmp = os.path.join(out, f".{key}.json.tmp")
    with open(tmp, "w") as f:
        json.dump(record, f, sort_keys=True)
    os.replace(tmp, os.path.join(out, f"{key}.json"))  # atomic: a killed sweep leaves no half file
    with open(os.path.join(out, "_done.log"), "a") as f:
        f.write(key + "\n")


class _Bar:
    def __init__(self, total, done, enabled):
        self.total, self.done, self.enabled = total, done, enabled
        self.show()

    def show(self):
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / max(1, self.total))
        sys.stderr.write(f"\rsweep [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        sys.stderr.flush()

    def step(self):
        self.done += 1
        self.show()

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


def load_results(out):
    """Every finished point of a sweep directory as a DataFrame: parameters, then result fields."""
    import pandas as pd  # here, not at the top: `import pmusim` stays free of pandas

    rows = []
    for name in sorted(os.listdir(out)):
        if name.endswith(".json") and not name.startswith("."):
            with open(os.path.join(out, name)) as f:
                rec = json.load(f)
            rows.append({**rec["params"], **rec["result"], "_key": name[:-5], "_pid": rec.get("pid"),
                         "_host": rec.get("host")})
    return pd.DataFrame(rows)


def sweep(task, grid=None, points=None, fixed=None, out=None, scheduler=None, workers=None, progress=True,
          timeout=None):
    """Run `task` over a grid (every combination) and/or a list of points; return a DataFrame.

    task       "topdown", "stat", "scenario" (see pmusim._point), or "module:function" naming an
               importable function that takes the point's parameters as keywords and returns a
               JSON-serialisable dict.
    grid       {name: [values]}: the cartesian product.      points: [{name: value}, ...]
    fixed      parameters common to every point.
    out        directory for the per-point results (created; reused to resume). Default: a new
               temporary directory.
    scheduler  None: a local pool of `workers` (default: CPU count) launching one process per
               point; a Dask scheduler address ("tcp://host:8786") or a distributed.Client: the
               points are Dask tasks (each still runs its own process on the worker).
    progress   draw a progress bar on stderr.
    Returns one row per point (parameters, result fields, _key, _pid, _host), in point order.
    """
    pts = _points(grid, points, fixed)
    out = out or tempfile.mkdtemp(prefix="pmusim-sweep-")
    os.makedirs(out, exist_ok=True)
    keys = [point_key(task, p) for p in pts]
    todo = [(k, p) for k, p in zip(keys, pts) if not os.path.exists(os.path.join(out, f"{k}.json"))]
    todo = list({k: (k, p) for k, p in todo}.values())  # identical points run once
    bar = _Bar(len(set(keys)), len(set(keys)) - len(todo), progress)
    try:
        if scheduler is None:
            import concurrent.futures  # here: `import pmusim` stays light

            with concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
                futs = {pool.submit(run_point, task, p, timeout): k for k, p in todo}
                for fut in concurrent.futures.as_completed(futs):
                    _write(out, futs[fut], fut.result())
                    bar.step()
        else:
            import distributed

            client = scheduler if isinstance(scheduler, distributed.Client) else distributed.Client(scheduler)
            try:
                futs = {client.submit(run_point, task, p, timeout, pure=False, key=f"pmusim-{k}-{os.getpid()}"): k
                        for k, p in todo}
                for fut in distributed.as_completed(list(futs)):
                    _write(out, futs[fut], fut.result())
                    bar.step()
            finally:
                if client is not scheduler:
                    client.close()
    finally:
        bar.close()
    frame = load_results(out)
    if frame.empty:
        return frame
    order = {k: i for i, k in enumerate(keys)}
    frame = frame[frame["_key"].isin(order)].copy()
    frame["_order"] = frame["_key"].map(order)
    return frame.sort_values("_order").drop(columns="_order").reset_index(drop=True)

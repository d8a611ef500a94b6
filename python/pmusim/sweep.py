"""Parameter sweeps: points in worker processes or a fresh process each, on a local pool or a Dask
cluster, with results written per point as they finish so that an interrupted sweep resumes
(docs/python.md).

    df = pmusim.sweep("topdown", grid={"cpu": ["icelake", "sapphirerapids"], "interval": [10**6, 10**7]},
                      fixed={"workload": "mixed_app", "level": 1}, out="sweep-out")
    df = pmusim.sweep("scenario", points=[{"scenario": "perf_metrics_patch", "guests.vm0.run": 5000}],
                      scheduler="tcp://10.0.0.5:8786")

By default each pool thread (or Dask worker thread) keeps one worker process
(`python3 -m pmusim._point --serve`) and sends it point after point: Machines are independent
within a process, so a point's result does not depend on what ran before it, and the interpreter
start-up, the package import and SystemC's elaboration are paid once per worker, not per point.
isolation="process" runs every point in a fresh `python3 -m pmusim._point` instead. Results are
files OUT/<key>.json, where the key is a hash of the task and the point's parameters. A point whose
file exists is not run again. The same parameters (seeds included) give the same result wherever a
point runs.
"""
import hashlib
import itertools
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time

__all__ = ["sweep", "point_key", "run_point", "load_results", "PointWorker"]

ISOLATION = ("worker", "process")


def point_key(task, params):
    """The stable file key of a point: the task and its parameters, hashed."""
    blob = json.dumps({"task": task, "params": params}, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def _child_env():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_point(task, params, timeout=None):
    """Run one point in a fresh Python process; returns its record (task, params, result, pid, host,
    seconds, work_seconds).

    Raises RuntimeError with the child's error message when the point fails.
    """
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "pmusim._point"], input=json.dumps({"task": task, "params": params}),
                          capture_output=True, text=True, env=_child_env(), timeout=timeout)
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()
        raise RuntimeError(f"point {params}: " + (msg[-1] if msg else f"exit {proc.returncode}"))
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    record["seconds"] = time.time() - t0
    return record


class PointWorker:
    """One worker process (`python3 -m pmusim._point --serve`) that runs points one after another.

    run() returns the same record as run_point(); a failed point raises RuntimeError naming it and
    the worker stays up. A worker that dies or overruns `timeout` is killed and started again for
    the next point.
    """

    def __init__(self):
        self.proc = None
        self.log = None
        self.mark = 0

    def _start(self):
        self.log = tempfile.TemporaryFile(mode="w+")  # its stderr: read back if it dies
        self.proc = subprocess.Popen([sys.executable, "-m", "pmusim._point", "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, env=_child_env())

    def _died(self, params):
        """The error for a worker that died during this point: its exit status and last words."""
        self.proc.wait()
        self.log.seek(self.mark)
        lines = self.log.read().strip().splitlines()
        why = f"exit {self.proc.returncode}" + (f": {lines[-1]}" if lines else "")
        self.close()
        return RuntimeError(f"point {params}: the worker died: {why}")

    def run(self, task, params, timeout=None):
        """Run one point in this worker; returns its record, as run_point() does."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        t0 = time.time()
        self.mark = os.fstat(self.log.fileno()).st_size  # what it writes to stderr from here is this point's
        try:
            self.proc.stdin.write(json.dumps({"task": task, "params": params}) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise self._died(params) from None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.close()
            raise RuntimeError(f"point {params}: no result within the timeout of {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            raise self._died(params)
        record = json.loads(line)
        if "error" in record:
            raise RuntimeError(f"point {params}: {record['error']}")
        record["seconds"] = time.time() - t0
        return record

    def close(self):
        """Stop the worker process (the next run() starts a new one)."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.log.close()
            self.proc = None


class _Workers:
    """A PointWorker per thread that asks for one (pool threads, Dask worker threads)."""

    def __init__(self):
        self.local = threading.local()
        self.all = []
        self.lock = threading.Lock()

    def run(self, task, params, timeout):
        w = getattr(self.local, "worker", None)
        if w is None:
            w = self.local.worker = PointWorker()
            with self.lock:
                self.all.append(w)
        return w.run(task, params, timeout)

    def close(self):
        with self.lock:
            for w in self.all:
                w.close()
            self.all.clear()


_dask_workers = None  # in a Dask worker's process: its PointWorkers, kept for the next sweep's points


def _dask_point(task, params, timeout, isolation):
    global _dask_workers
    if isolation == "process":
        return run_point(task, params, timeout)
    if _dask_workers is None:
        import atexit

        _dask_workers = _Workers()
        atexit.register(_dask_workers.close)
    return _dask_workers.run(task, params, timeout)


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
    """The sweep's progress: tqdm where it is installed (tqdm.auto: a widget in a notebook, text on
    stderr elsewhere), else a plain text bar on stderr."""

    def __init__(self, total, done, enabled):
        self.total, self.done, self.enabled = total, done, enabled
        self.tqdm = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.tqdm = tqdm(total=total, initial=done, desc="sweep", unit="point", file=sys.stderr)
        self.show()

    def show(self):
        if not self.enabled or self.tqdm is not None:
            return
        width = 30
        filled = int(width * self.done / max(1, self.total))
        sys.stderr.write(f"\rsweep [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        sys.stderr.flush()

    def step(self):
        self.done += 1
        if self.tqdm is not None:
            self.tqdm.update(1)
        self.show()

    def close(self):
        if self.tqdm is not None:
            self.tqdm.close()
        elif self.enabled:
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
                         "_host": rec.get("host"), "_seconds": rec.get("seconds"),
                         "_work_seconds": rec.get("work_seconds"),
                         "_work_cpu_seconds": rec.get("work_cpu_seconds")})
    return pd.DataFrame(rows)


def sweep(task, grid=None, points=None, fixed=None, out=None, scheduler=None, workers=None, progress=True,
          timeout=None, isolation="worker"):
    """Run `task` over a grid (every combination) and/or a list of points; return a DataFrame.

    task       "topdown", "stat", "scenario" (see pmusim._point), or "module:function" naming an
               importable function that takes the point's parameters as keywords and returns a
               JSON-serialisable dict.
    grid       {name: [values]}: the cartesian product.      points: [{name: value}, ...]
    fixed      parameters common to every point.
    out        directory for the per-point results (created; reused to resume). Default: a new
               temporary directory.
    scheduler  None: a local pool of `workers` threads (default: CPU count); a Dask scheduler
               address ("tcp://host:8786") or a distributed.Client: the points are Dask tasks.
    isolation  "worker": each pool thread or Dask worker thread runs its points in one worker
               process of its own, point after point; "process": a fresh process per point.
    progress   draw a progress bar on stderr.
    timeout    seconds a point may take; a point over it fails (its worker is restarted).
    Returns one row per point (parameters, result fields, _key, _pid, _host, and _seconds and
    _work_seconds: the point as the sweep saw it and its task alone, so their difference is the
    cost of running it out of process; _work_cpu_seconds, the CPU the task got: below
    _work_seconds when other processes took the CPU from it), in point order.
    """
    if isolation not in ISOLATION:
        raise ValueError(f"sweep: isolation {isolation!r}: expected one of {', '.join(map(repr, ISOLATION))}")
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

            local = _Workers()
            run = run_point if isolation == "process" else local.run
            try:
                with concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
                    futs = {pool.submit(run, task, p, timeout): k for k, p in todo}
                    for fut in concurrent.futures.as_completed(futs):
                        _write(out, futs[fut], fut.result())
                        bar.step()
            finally:
                local.close()
        else:
            import distributed

            client = scheduler if isinstance(scheduler, distributed.Client) else distributed.Client(scheduler)
            try:
                futs = {client.submit(_dask_point, task, p, timeout, isolation, pure=False,
                                      key=f"pmusim-{k}-{os.getpid()}"): k for k, p in todo}
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

"""Sweep points outside the caller's process (pmusim.sweep):

  python3 -m pmusim._point           one point: reads {"task", "params"} as JSON on stdin and prints
                                     {"task", "params", "result", "pid", "host", "work_seconds",
                                     "work_cpu_seconds"} as one JSON line
  python3 -m pmusim._point --serve   a worker: one request per stdin line, one record per stdout
                                     line, until stdin closes. A failed point answers {"error": ...}
                                     and the worker goes on: Machines are independent, so a point
                                     sees nothing of the points before it.

Built-in tasks and their parameters (anything else is a Machine override or a scenario field):
  topdown   cpu, workload, level, interval, cycles, method, mux_interval, nodes, metrics
            -> per node and Info metric: reported, <name>_truth, <name>_error; max_abs_error (nodes);
               bottleneck
  stat      cpu, workload, events, cycles, mux_interval
            -> <event>_scaled, <event>_truth; max_relative_error; multiplexed
  scenario  scenario, cycles, seed, mode, edits, and dotted scenario fields ("guests.vm0.run")
            -> clean, clobber/flow/bleed/pmi counts, transition_share, per context the topdown
               error <ctx>_max_error and <ctx>.<node>_error
"""
import importlib
import json
import math
import os
import socket
import sys
import time


def _machine(params, used):
    import pmusim

    overrides = {k: v for k, v in params.items() if k not in used}
    m = pmusim.Machine(cpu=params.get("cpu", "sapphirerapids"), **overrides)
    m.workload = pmusim.load_workload(params.get("workload", "mixed_app"))
    return m


def task_topdown(params):
    import numpy as np  # here: only this task needs it, and it is most of a point process's start-up

    used = {"cpu", "workload", "level", "interval", "cycles", "method", "mux_interval", "nodes", "metrics"}
    m = _machine(params, used)
    r = m.topdown(level=int(params.get("level", 1)), interval=int(params.get("interval", 0)),
                  cycles=params.get("cycles"), method=params.get("method", "auto"),
                  mux_interval=int(params.get("mux_interval", 0)), nodes=params.get("nodes"),
                  metrics=params.get("metrics"))
    out = {}
    for node, (rep, truth, err) in list(r["summary"].items()) + list(r["summary_metrics"].items()):
        out[node] = rep
        out[node + "_truth"] = truth
        out[node + "_error"] = err
    diff = np.abs(r["reported"] - r["truth"])
    out["max_abs_error"] = float(np.nanmax(diff)) if diff.size else float("nan")
    out["bottleneck"] = r["summary_bottleneck"]
    out["truth_bottleneck"] = r["summary_truth_bottleneck"]
    out["events"] = len(r["events"])
    out["multiplexed"] = bool(r["multiplexed"])
    return out


def task_stat(params):
    used = {"cpu", "workload", "events", "cycles", "mux_interval"}
    m = _machine(params, used)
    events = params["events"]
    if isinstance(events, str):
        events = events.split(",")
    rows = m.stat(events, int(params.get("cycles", 10_000_000)), int(params.get("mux_interval", 4_000_000)))
    out, worst = {}, 0.0
    for i, row in enumerate(rows):
        name = f"{i}:{row['event']}"
        out[name + "_scaled"] = row["scaled"]
        out[name + "_truth"] = row["truth"]
        if row["truth"]:
            worst = max(worst, abs(row["scaled"] - row["truth"]) / row["truth"])
    out["max_relative_error"] = worst
    out["multiplexed"] = rows[0]["multiplexed"] if rows else False
    return out


def task_scenario(params):
    import pmusim

    d = pmusim.scenario_dict(params["scenario"])
    for key, value in params.items():
        if key == "scenario":
            continue
        if key == "edits":
            base = d.get("protocol", "mediated")
            if isinstance(base, dict):
                base = base.get("base", "mediated")
            d["protocol"] = {"base": base, "edits": list(value)}
        else:
            pmusim.set_param(d, key, value)
    s = pmusim.scenario_from_dict(d, origin=str(params["scenario"]))
    r = pmusim.run_scenario(s)
    out = {"clean": r["clean"], "cycles": r["cycles"],
           "transition_share": r["transition_cycles"] / max(1, r["cycles"])}
    out.update(r["violation_counts"])
    for ctx in r["contexts"]:
        errs = []
        for node, (rep, truth) in ctx["topdown"].items():
            if rep is not None and truth is not None and not (math.isnan(rep) or math.isnan(truth)):
                out[f"{ctx['name']}.{node}_error"] = rep - truth
                errs.append(abs(rep - truth))
        if errs:
            out[f"{ctx['name']}_max_error"] = max(errs)
        out[f"{ctx['name']}_exits"] = sum(ctx["exits"].values())
    return out


TASKS = {"topdown": task_topdown, "stat": task_stat, "scenario": task_scenario}


def run(task, params):
    if task in TASKS:
        return TASKS[task](params)
    if ":" in task:
        module, func = task.split(":", 1)
        return getattr(importlib.import_module(module), func)(**params)
    raise ValueError(f"task '{task}': expected one of {', '.join(TASKS)} or 'module:function'")


def record(task, params):
    """The point's record; work_seconds is the task alone, without the process around it, and
    work_cpu_seconds the CPU its process spent on it: less than the wall time when other processes
    (other workers, the scheduler) took the CPU from it, the same when they did not."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = run(task, params)
    return {"task": task, "params": params, "result": result, "pid": os.getpid(), "host": socket.gethostname(),
            "work_seconds": time.perf_counter() - t0, "work_cpu_seconds": time.process_time() - c0}


def serve():
    # Answers go to the original stdout; anything a task prints (Python or C++) goes to stderr.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            answer = record(req["task"], req["params"])
        except Exception as e:  # the point failed, not the worker: report it and go on
            answer = {"error": f"{type(e).__name__}: {e}"}
        answers.write(json.dumps(answer, default=float) + "\n")
        answers.flush()


def main():
    if sys.argv[1:] == ["--serve"]:
        return serve()
    req = json.loads(sys.stdin.read())
    print(json.dumps(record(req["task"], req["params"]), default=float))


if __name__ == "__main__":
    main()

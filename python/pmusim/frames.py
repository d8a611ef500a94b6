"""Results as pandas DataFrames (docs/python.md).

topdown_frame(result)     Machine.topdown(...) -> one row per (interval, node): reported, truth, error
metrics_frame(result)     Machine.topdown(metrics=...) -> one row per (interval, Info metric): reported, truth, error
counts_frame(result)      Machine.topdown(...) -> one row per (interval, counter): count, truth
stat_frame(rows)          Machine.stat(...) -> one row per event, with the error against the truth
contexts_frame(report)    run_scenario(...) -> one row per (context, event): reported, truth
scenario_topdown_frame(report)  run_scenario(...) -> one row per (context, node)
violations_frame(report)  run_scenario(...) -> one row per recorded violation
mutations_frame(rows)     mutate_scenario(...) -> one row per mutant
read_toplev_csv(path)     `pmusim topdown --format toplev` output -> one row per (interval, node or metric)
"""
# pandas and NumPy are imported inside each function, not here: `import pmusim` imports this
# module, and pandas alone would triple the package's import time (docs/performance.md "Python").

__all__ = ["topdown_frame", "metrics_frame", "counts_frame", "stat_frame", "contexts_frame", "scenario_topdown_frame", "violations_frame",
           "mutations_frame", "read_toplev_csv"]


def topdown_frame(result):
    """Long-form topdown per interval: columns begin, end, node, level, reported, truth, error.

    `result` is the dict of Machine.topdown(). error = reported - truth, as a fraction of slots.
    The NumPy arrays of the result are used as they are (no copy until pandas builds its columns).
    """
    import numpy as np
    import pandas as pd

    reported, truth = result["reported"], result["truth"]
    nodes = list(result["nodes"])
    n, k = reported.shape
    frame = pd.DataFrame({
        "begin": np.repeat(result["begin"], k),
        "end": np.repeat(result["end"], k),
        "node": np.tile(np.array(nodes, dtype=object), n),
        "reported": reported.reshape(-1),
        "truth": truth.reshape(-1),
    })
    frame["error"] = frame["reported"] - frame["truth"]
    return frame


def metrics_frame(result):
    """Long-form Info metrics per interval: columns begin, end, metric, reported, truth, error.

    `result` is the dict of Machine.topdown(metrics=...). truth is the metric's formula on the exact
    counts; a division by zero in the formula is NaN in both columns, as perf computes it.
    """
    import numpy as np
    import pandas as pd

    reported, truth = result["metric_reported"], result["metric_truth"]
    n, k = reported.shape
    frame = pd.DataFrame({
        "begin": np.repeat(result["begin"], k),
        "end": np.repeat(result["end"], k),
        "metric": np.tile(np.array(list(result["metrics"]), dtype=object), n),
        "reported": reported.reshape(-1),
        "truth": truth.reshape(-1),
    })
    frame["error"] = frame["reported"] - frame["truth"]
    return frame


def counts_frame(result):
    """Per-interval counters of Machine.topdown(): begin, end, counter, count (perf's estimate,
    scaled when multiplexed), truth (the exact count; NaN where the event has no single truth)."""
    import numpy as np
    import pandas as pd

    counts, truth = result["counts"], result["counts_truth"]
    names = list(result["counters"])
    n, k = counts.shape
    return pd.DataFrame({
        "begin": np.repeat(result["begin"], k),
        "end": np.repeat(result["end"], k),
        "counter": np.tile(np.array(names, dtype=object), n),
        "count": counts.reshape(-1),
        "truth": truth.reshape(-1),
    })


def stat_frame(rows):
    """Machine.stat() rows as a DataFrame with `error` = scaled - truth and `relative_error`."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    if not frame.empty:
        truth = frame["truth"].astype(float)
        frame["error"] = frame["scaled"] - truth
        frame["relative_error"] = frame["error"] / truth.where(truth != 0)
    return frame


def contexts_frame(report):
    """Per-context counts of a run_scenario() report: context, event, reported, truth, error."""
    import pandas as pd

    rows = []
    for ctx in report["contexts"]:
        for event, (reported, truth) in ctx["counts"].items():
            rows.append({"context": ctx["name"], "event": event, "reported": reported, "truth": truth,
                         "error": reported - truth})
    return pd.DataFrame(rows, columns=["context", "event", "reported", "truth", "error"])


def scenario_topdown_frame(report):
    """Per-context topdown of a run_scenario() report: context, method, node, reported, truth, error."""
    import pandas as pd

    rows = []
    for ctx in report["contexts"]:
        for node, (reported, truth) in ctx["topdown"].items():
            rows.append({"context": ctx["name"], "method": ctx["topdown_method"], "node": node,
                         "reported": reported, "truth": truth, "error": reported - truth})
    return pd.DataFrame(rows, columns=["context", "method", "node", "reported", "truth", "error"])


def violations_frame(report):
    """The recorded violations of a run_scenario() report, one row each, in cycle order."""
    import pandas as pd

    cols = ["cycle", "kind", "register", "reader", "source", "expected", "actual", "step", "detail"]
    frame = pd.DataFrame(report["violations"], columns=cols)
    return frame.sort_values("cycle", kind="stable").reset_index(drop=True)


def cpus_frame(report):
    """A host with several CPUs (run_scenario() of a scenario with host.cpus > 1): one row per CPU and
    host perf event (counting on that CPU, as perf stat -a per CPU): cpu, event, reported, truth,
    error, with the CPU's cycles, transition cycles and violations. Empty for a run on one CPU."""
    import pandas as pd

    cols = ["cpu", "event", "reported", "truth", "error", "cycles", "transition_cycles", "violations"]
    rows = []
    for c in report.get("cpus", []):
        host = c["contexts"][0]
        for event, (reported, truth) in host["counts"].items():
            rows.append({"cpu": c["cpu_index"], "event": event, "reported": reported, "truth": truth,
                         "error": reported - truth, "cycles": c["cycles"], "transition_cycles": c["transition_cycles"],
                         "violations": sum(c["violation_counts"].values())})
    return pd.DataFrame(rows, columns=cols)


def host_tasks_frame(report):
    """Host tasks counted per task (host.task; docs/virtualization.md "Host perf per task"): one row
    per task and event: task, vcpu, event, reported, truth, error, with the task's counted cycles,
    its switches in and the CPUs it ran on. Empty without a host task."""
    import pandas as pd

    cols = ["task", "vcpu", "event", "reported", "truth", "error", "counted_cycles", "switches", "cpus"]
    rows = []
    for t in report.get("host_tasks", []):
        for event, (reported, truth) in t["counts"].items():
            rows.append({"task": t["name"], "vcpu": t["vcpu"], "event": event, "reported": reported, "truth": truth,
                         "error": reported - truth, "counted_cycles": t["counted_cycles"], "switches": t["switches"],
                         "cpus": list(t["cpus"])})
    return pd.DataFrame(rows, columns=cols)


def accesses_frame(report):
    """Every recorded guest program access of a run_scenario() report, one row each: guest, cycle,
    guest_cycle, op, index, register, written, value, gp, exited, bare_value, bare_gp (the same
    access on bare metal: the guest's reference PMU), label, where, expect, failure (empty: met)."""
    import pandas as pd

    cols = ["guest", "cycle", "guest_cycle", "op", "index", "register", "written", "value", "gp", "exited",
            "bare_value", "bare_gp", "label", "where", "expect", "failure"]
    return pd.DataFrame(report["programs"]["records"], columns=cols)


def mutations_frame(rows):
    """mutate_scenario() rows: mutant, clean, kinds, one column per violation kind (in the engine's
    order, pmusim.violation_kinds()), first_cycle."""
    import pandas as pd

    from . import _pmusim
    kinds = [k["name"] for k in _pmusim.violation_kinds()]
    return pd.DataFrame(rows, columns=["mutant", "clean", "kinds", *kinds, "first_cycle"])


def read_toplev_csv(path, sep=","):
    """The CSV of `pmusim topdown --format toplev` (toplev's columns, then Truth and Error), with
    two columns added from the Area path: Node (its last part) and Level (1-3 for a node, 0 for an
    Info metric). Values are percent of slots for nodes, as toplev prints them; read so that each is
    the very double the JSON holds times 100 (pandas' default parser may differ in the last bit).
    """
    import pandas as pd

    frame = pd.read_csv(path, sep=sep, comment="#", float_precision="round_trip")
    area = frame["Area"].astype(str)
    frame["Node"] = area.str.rsplit(".", n=1).str[-1]
    is_node = frame["Unit"].astype(str).str.startswith("%")
    frame["Level"] = (area.str.count(r"\.") + 1).where(is_node, 0)  # nodes' units are "% Slots"
    return frame

"""How pmusim's objects show themselves: a one-line repr in a terminal, an HTML table in a notebook.

Machine reprs read `Machine.state()` (plain data, no MSR access), so showing a Machine never
advances it, never traces and never raises a #GP. Topdown results and scenario reports stay dicts
(subclasses), so indexing, `json.dumps` and pickling work as before.
"""
import html
import re

_ROWS = 12  # rows of a table shown before "... N more"


def _table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows[:_ROWS])
    more = f"<tr><td colspan='{len(header)}'>... {len(rows) - _ROWS} more</td></tr>" if len(rows) > _ROWS else ""
    return f"<table><tr>{head}</tr>{body}{more}</table>"


def machine_repr(m):
    c, s = m.cpu, m.state()
    pm = ", PERF_METRICS" if c["perf_metrics"] else ""
    return (f"<pmusim.Machine {c['preset']}: {m.mode} mode, cycle {s['cycle']}, "
            f"v{c['version']} {c['num_gp']} GP + {c['num_fixed']} fixed{pm}>")


def machine_html(m):
    c, s = m.cpu, m.state()
    rows = [("CPU", f"{c['preset']} (perfmon v{c['version']})"), ("mode", m.mode), ("cycle", s["cycle"]),
            ("counters", f"{c['num_gp']} GP ({c['gp_width']}-bit), {c['num_fixed']} fixed"),
            ("GLOBAL_CTRL", hex(s["global_ctrl"])), ("GLOBAL_STATUS", hex(s["global_status"]))]
    if c["perf_metrics"]:
        rows.append(("PERF_METRICS", hex(s["perf_metrics"])))
    rows += [(f"PMC{i}", f"{v:#x} (PERFEVTSEL {e:#x})") for i, (v, e) in enumerate(zip(s["counters"], s["evtsel"]))
             if v or e]
    return "<b>pmusim.Machine</b>" + _table(("register", "value"), rows)


class TopdownResult(dict):
    """Machine.topdown's result: a dict (see its docstring) that shows its summary."""

    def __repr__(self):
        b, t = self.get("summary_bottleneck") or self.get("bottleneck"), self.get("summary_truth_bottleneck")
        workload = re.split(r"[ (]", str(self.get("workload")), maxsplit=1)[0]  # the name, not its description
        return (f"<pmusim topdown {self.get('cpu')} {workload} level {self.get('level')} "
                f"({self.get('method')}): {len(self.get('begin', []))} intervals, bottleneck {b} (truth {t})>")

    def _repr_html_(self):
        rows = [(n, f"{100 * r:.2f}%", f"{100 * t:.2f}%", f"{100 * e:+.2f}%")
                for n, (r, t, e) in (self.get("summary") or {}).items()]
        return f"<b>{html.escape(repr(self))}</b>" + _table(("node", "reported", "truth", "error"), rows)


class ScenarioReport(dict):
    """run_scenario's report: a dict (see its docstring) that shows its contexts and violations."""

    def __repr__(self):
        v = sum(self.get("violation_counts", {}).values())
        verdict = "clean" if self.get("clean") else f"{v} violations"
        return (f"<pmusim scenario {self.get('scenario')} on {self.get('cpu')}, protocol {self.get('protocol')}: "
                f"{self.get('cycles')} cycles, {len(self.get('contexts', []))} contexts, {verdict}>")

    def _repr_html_(self):
        ctx = [(c["name"], c["cycles"], c.get("entries", 0), c.get("pmis", 0)) for c in self.get("contexts", [])]
        vio = [(v["cycle"], v["kind"], v["register"], v["reader"], v["source"], v["step"])
               for v in self.get("violations", [])]
        out = f"<b>{html.escape(repr(self))}</b>" + _table(("context", "cycles", "entries", "PMIs"), ctx)
        if vio:
            out += _table(("cycle", "kind", "register", "reader", "source", "step"), vio)
        return out

"""Plots with matplotlib (docs/python.md). Each function returns a matplotlib Figure built with the
object API: importing this module chooses no backend and leaves pyplot alone, so a notebook's own
plt.show() keeps working. Save with fig.savefig("x.png"); in a notebook the
returned Figure displays itself. From the shell: `python3 -m pmusim plot ...` (pmusim.__main__).

plot_topdown(result, level=1)      topdown per interval: what perf reports beside the truth, one
                                   panel per parent node above Level 1 (as pmu-tools' tl-barplot)
plot_violations(report, window=)   the context timeline of a scenario run with its violations
                                   (on several CPUs: plot_cpus)
plot_cpus(report, window=)         a host with several CPUs: one row per CPU, who ran there when,
                                   each CPU's violations on its row
plot_heatmap(frame, x, y, value)   a sweep result as a heat map
"""
import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import EngFormatter

__all__ = ["plot_topdown", "plot_violations", "plot_cpus", "plot_heatmap"]

LEVEL1 = ["Retiring", "Bad_Speculation", "Frontend_Bound", "Backend_Bound"]
COLOURS = {"Retiring": "#4caf50", "Bad_Speculation": "#f44336", "Frontend_Bound": "#2196f3",
           "Backend_Bound": "#ff9800"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]
KIND_MARKERS = {"clobber": ("x", "#d32f2f"), "flow": ("o", "#7b1fa2"), "bleed": ("s", "#f57c00"),
                "pmi_misrouted": ("^", "#1976d2"), "pmi_lost": ("v", "#0097a7"), "pmi_duplicated": ("D", "#5d4037"),
                "pmi_spurious": ("P", "#616161"), "filtered": ("X", "#388e3c")}
OTHER_MARKER = ("*", "#000000")  # a kind a newer engine reports that this table does not know
MAX_BARS = 60  # above this many intervals, stacked areas replace the bars


class PlotFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG in Jupyter without pyplot: IPython registers
    its Figure display only once pyplot is in use, which this module never starts."""

    def _repr_png_(self):
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100)
        return buf.getvalue()


def _tree(result):
    """{node: (level, parent)} for the result's family, from pmusim.tma_descriptors."""
    from . import tma_descriptors  # the extension; imported here so this module loads without it
    try:
        return {d["name"]: (d["level"], d["parent"]) for d in tma_descriptors(result["family"], result["method"])
                if d["kind"] == "node"}
    except (ValueError, KeyError):
        return {}


def _panels(result, level, nodes):
    """[(title, [nodes])]: the given nodes in one panel, Level 1 in one, deeper levels one per parent."""
    names = list(result["nodes"])
    if nodes:
        missing = [n for n in nodes if n not in names]
        if missing:
            raise ValueError(f"nodes: {missing} not in this result (it has {names})")
        return [(None, list(nodes))]
    if not isinstance(level, int) or level < 1:
        raise ValueError(f"level: expected 1, 2, 3, ..., got {level!r}")
    if level == 1:
        return [(None, [n for n in LEVEL1 if n in names])]
    tree = _tree(result)
    panels = {}
    for n in names:
        lv, parent = tree.get(n, (None, None))
        if lv == level:
            panels.setdefault(parent, []).append(n)
    if not panels:
        levels = sorted({tree[n][0] for n in names if n in tree})
        raise ValueError(f"level {level}: this result has no Level-{level} node (it has levels {levels}; "
                         f"measure with topdown(level={level}))")
    return [(f"{parent} (children)", children) for parent, children in panels.items()]


def _colours(nodes):
    return [COLOURS.get(n, PALETTE[i % len(PALETTE)]) for i, n in enumerate(nodes)]


def _bars(ax, result, nodes, idx):
    n = len(result["begin"])
    x = np.arange(n)
    width = 0.4
    for which, offset, hatch, alpha in (("reported", -width / 2, None, 1.0), ("truth", width / 2, "//", 0.55)):
        bottom = np.zeros(n)
        for node, colour in zip(nodes, _colours(nodes)):
            v = np.nan_to_num(result[which][:, idx[node]])
            ax.bar(x + offset, v, width, bottom=bottom, color=colour, alpha=alpha, hatch=hatch, edgecolor="white")
            bottom += v
    step = max(1, n // 12)  # at most about a dozen time labels
    ax.set_xticks(x[::step])
    ax.set_xticklabels([EngFormatter()(b) for b in result["begin"][::step]], rotation=45, ha="right", fontsize=7)
    return Patch(facecolor="#bdbdbd", hatch="//", edgecolor="white", label="truth (right bar, hatched)")


def _areas(ax, result, nodes, idx):
    t = (np.asarray(result["begin"], dtype=float) + np.asarray(result["end"], dtype=float)) / 2
    reported = np.nan_to_num(np.stack([result["reported"][:, idx[n]] for n in nodes]))
    ax.stackplot(t, reported, colors=_colours(nodes), alpha=0.9)
    truth = np.cumsum(np.nan_to_num(np.stack([result["truth"][:, idx[n]] for n in nodes])), axis=0)
    for row in truth:
        ax.plot(t, row, color="black", linestyle="--", linewidth=0.8)
    ax.xaxis.set_major_formatter(EngFormatter())
    ax.set_xlim(t[0], t[-1])
    return Line2D([], [], color="black", linestyle="--", label="truth (dashed: top of each node)")


def plot_topdown(result, nodes=None, ax=None, title=None, *, level=1, max_bars=MAX_BARS):
    """Topdown per interval of Machine.topdown(): what perf reports beside the ground truth.

    level: 1 draws the Level-1 nodes in one panel; 2, 3, ... draw one panel per parent with its
    children at that level (the result must be measured at that level or deeper). nodes: draw
    exactly these in one panel instead. Up to `max_bars` intervals are bars (left: reported,
    right, hatched: truth); more are stacked areas of what perf reports with the truth as dashed
    lines, over time. The legend sits outside the data, with an entry for the truth."""
    panels = _panels(result, level, nodes)
    if ax is not None and len(panels) > 1:
        raise ValueError(f"level {level} draws {len(panels)} panels (one per parent): give no ax")
    if ax is None:
        fig = PlotFigure(figsize=(11, 1.2 + 2.6 * len(panels)), layout="constrained")
        axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    else:
        fig, axes = ax.figure, [ax]
    idx = {n: i for i, n in enumerate(result["nodes"])}
    bars = len(result["begin"]) <= max_bars
    for a, (name, members) in zip(axes, panels):
        truth_handle = (_bars if bars else _areas)(a, result, members, idx)
        handles = [Patch(facecolor=c, label=n) for n, c in zip(members, _colours(members))] + [truth_handle]
        a.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        a.set_ylabel("fraction of slots")
        a.set_ylim(0, 1.05 * max(1e-9, max(np.nansum(result["truth"][:, [idx[m] for m in members]], axis=1).max(),
                                            np.nansum(result["reported"][:, [idx[m] for m in members]], axis=1).max())))
        if name:
            a.set_title(name, fontsize=9, loc="left")
    axes[-1].set_xlabel("interval start (cycles)" if bars else "cycle")
    head = title or f"topdown on {result['cpu']} ({result['method']}), {result['workload'].split(' (')[0]}"
    if ax is None:
        fig.suptitle(f"{head}, Level {level}" if not nodes else head)
    else:
        ax.set_title(head)
    return fig


def _timeline_axes(report, window, ax, height):
    """The cycle window (first, last) of a scenario run's timeline plot, and its axes (a new figure
    `height` inches high when none is given)."""
    lo, hi = (0, report["cycles"]) if window is None else window
    if not (0 <= lo < hi):
        raise ValueError(f"window: expected (first, last) cycles with first < last, got {window!r}")
    if ax is None:
        ax = PlotFigure(figsize=(11, height), layout="constrained").subplots()
    return lo, hi, ax


def plot_violations(report, ax=None, title=None, window=None):
    """The context timeline of run_scenario() (one row per context: the cycles it owned) with each
    recorded violation at its cycle, marked by kind, on the row of the context that read it.
    window: (first, last) cycle to show; the legend counts the violations inside it.
    A run on several CPUs is drawn by plot_cpus."""
    if report.get("cpus"):
        return plot_cpus(report, ax=ax, title=title, window=window)
    names = [c["name"] for c in report["contexts"]]
    lo, hi, ax = _timeline_axes(report, window, ax, 1.4 + 0.6 * len(names))
    fig = ax.figure
    tl = report["timeline"]
    for row, _ in enumerate(names):
        spans = [(b, e - b) for b, e, c in zip(tl["begin"], tl["end"], tl["context"]) if c == row and e >= lo and b <= hi]
        ax.broken_barh(spans, (row - 0.35, 0.7), color="#90a4ae" if row == 0 else "#26a69a")
    kinds = [k["name"] for k in report.get("violation_kinds", [])] or list(KIND_MARKERS)
    shown = 0
    for kind in kinds:
        marker, colour = KIND_MARKERS.get(kind, OTHER_MARKER)
        vs = [v for v in report["violations"] if v["kind"] == kind and lo <= v["cycle"] <= hi]
        if vs:
            shown += len(vs)
            ys = [names.index(v["reader"]) if v["reader"] in names else 0 for v in vs]
            ax.scatter([v["cycle"] for v in vs], ys, marker=marker, color=colour, s=30, zorder=3,
                       label=f"{kind} ({len(vs)} shown of {report['violation_counts'][kind]})")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.set_xlabel("cycle")
    ax.xaxis.set_major_formatter(EngFormatter())
    ax.set_xlim(lo, hi)
    verdict = "clean" if report["clean"] else f"{sum(report['violation_counts'].values())} violations"
    ax.set_title(title or f"{report['scenario']}: {report['protocol']} — {verdict}")
    if shown:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig


def plot_cpus(report, ax=None, title=None, window=None):
    """A host with several CPUs (run_scenario() with host.cpus > 1): one row per CPU with the spans
    each context owned there (the host grey, each vCPU its own colour, the same on every CPU, so
    a moving vCPU can be followed), and each CPU's recorded violations on its row, by kind."""
    cpus = report.get("cpus") or []
    if not cpus:
        raise ValueError("plot_cpus: the report is of a run on one CPU (no 'cpus'); use plot_violations")
    lo, hi, ax = _timeline_axes(report, window, ax, 1.6 + 0.45 * len(cpus))
    fig = ax.figure
    guests = [c["name"] for c in report["contexts"]]
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(guests)}
    for row, c in enumerate(cpus):
        tl, names = c["timeline"], c["context_names"]
        by = {}
        for b, e, k in zip(tl["begin"], tl["end"], tl["context"]):
            if e >= lo and b <= hi:
                name = names[k] if 0 <= k < len(names) and names[k] else "kvm"
                by.setdefault(name, []).append((b, e - b))
        for name, spans in by.items():
            ax.broken_barh(spans, (row - 0.35, 0.7), color=colour.get(name, "#b0bec5"))
    shown = 0
    for kind, (marker, col) in KIND_MARKERS.items():
        xs, ys = [], []
        for row, c in enumerate(cpus):
            for v in c["violations"]:
                if v["kind"] == kind and lo <= v["cycle"] <= hi:
                    xs.append(v["cycle"])
                    ys.append(row)
        if xs:
            shown += len(xs)
            ax.scatter(xs, ys, marker=marker, color=col, s=30, zorder=3, label=f"{kind} ({len(xs)})")
    handles = [Patch(color=colour[g], label=g) for g in guests[:20]]
    ax.set_yticks(range(len(cpus)))
    ax.set_yticklabels([f"cpu {c['cpu_index']}" for c in cpus])
    ax.set_xlabel("cycle")
    ax.xaxis.set_major_formatter(EngFormatter())
    ax.set_xlim(lo, hi)
    verdict = "clean" if report["clean"] else f"{sum(report['violation_counts'].values())} violations"
    ax.set_title(title or f"{report['scenario']}: {report['protocol']}, {len(cpus)} CPUs, "
                 f"{report['migrations']} vCPU moves — {verdict}")
    markers = ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles + markers, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig


def plot_heatmap(frame, x, y, value, ax=None, fmt="{:.3g}", title=None, cmap="viridis"):
    """A sweep DataFrame (pmusim.sweep) as a heat map of `value` over `x` (columns) and `y` (rows);
    each cell is annotated."""
    for col in (x, y, value):
        if col not in frame.columns:
            raise ValueError(f"column '{col}' not in the frame (columns: {list(frame.columns)})")
    table = frame.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
    if ax is None:
        fig = PlotFigure(figsize=(1.6 + 1.1 * table.shape[1], 1.2 + 0.6 * table.shape[0]), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    im = ax.imshow(table.values.astype(float), cmap=cmap, aspect="auto")
    ax.set_xticks(range(table.shape[1]))
    ax.set_xticklabels([str(c) for c in table.columns], rotation=45, ha="right")
    ax.set_yticks(range(table.shape[0]))
    ax.set_yticklabels([str(i) for i in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            v = table.values[i, j]
            if v == v:
                ax.text(j, i, fmt.format(v), ha="center", va="center", color="white", fontsize=8)
    fig.colorbar(im, ax=ax, label=value)
    ax.set_title(title or f"{value} by {y} and {x}")
    return fig

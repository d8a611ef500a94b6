"""Plots with matplotlib (docs/python.md). Each function returns the Figure; save it with
fig.savefig("x.png"). From the shell: `python3 -m pmusim plot ...` (see pmusim.__main__).

plot_topdown(result)      topdown per interval as stacked bars, reported beside truth
plot_violations(report)   the context timeline of a scenario run with every violation on it
plot_heatmap(frame, x, y, value)   a sweep result as a heat map
"""
import matplotlib

matplotlib.use("Agg")  # files, not windows: works without a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_topdown", "plot_violations", "plot_heatmap"]

LEVEL1 = ["Retiring", "Bad_Speculation", "Frontend_Bound", "Backend_Bound"]
COLOURS = {"Retiring": "#4caf50", "Bad_Speculation": "#f44336", "Frontend_Bound": "#2196f3",
           "Backend_Bound": "#ff9800"}
KIND_MARKERS = {"clobber": ("x", "#d32f2f"), "flow": ("o", "#7b1fa2"), "bleed": ("s", "#f57c00"),
                "pmi_misrouted": ("^", "#1976d2"), "pmi_lost": ("v", "#0097a7"), "pmi_duplicated": ("D", "#5d4037"),
                "pmi_spurious": ("P", "#616161"), "filtered": ("X", "#388e3c")}
OTHER_MARKER = ("*", "#000000")  # a kind a newer engine reports that this table does not know


def plot_topdown(result, nodes=None, ax=None, title=None):
    """Stacked bars per interval of Machine.topdown(): for each interval a bar of what perf reports
    and, beside it, a hatched bar of the ground truth. `nodes` defaults to the Level-1 nodes."""
    nodes = nodes or LEVEL1
    names = list(result["nodes"])
    missing = [n for n in nodes if n not in names]
    if missing:
        raise ValueError(f"nodes: {missing} not in this result (it has {names})")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(10, 4))
    n = len(result["begin"])
    x = np.arange(n)
    width = 0.4
    for which, offset, hatch, alpha in (("reported", -width / 2, None, 1.0), ("truth", width / 2, "//", 0.55)):
        bottom = np.zeros(n)
        values = result[which]
        for node in nodes:
            v = np.nan_to_num(values[:, names.index(node)])
            ax.bar(x + offset, v, width, bottom=bottom, color=COLOURS.get(node), alpha=alpha, hatch=hatch,
                   edgecolor="white", label=f"{node} ({which})" if which == "reported" else None)
            bottom += v
    ax.set_xticks(x)
    ax.set_xticklabels([f"{b / 1e6:.0f}M" for b in result["begin"]], rotation=90, fontsize=7)
    ax.set_xlabel("interval start (cycles); left bar reported, right (hatched) truth")
    ax.set_ylabel("fraction of slots")
    ax.set_ylim(0, 1.05)
    ax.set_title(title or f"topdown on {result['cpu']} ({result['method']}), {result['workload'].split(' (')[0]}")
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    fig.tight_layout()
    return fig


def plot_violations(report, ax=None, title=None):
    """The context timeline of run_scenario() (one row per context: the cycles it owned) with each
    recorded violation at its cycle, marked by kind, on the row of the context that read it."""
    names = [c["name"] for c in report["contexts"]]
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(11, 1.2 + 0.6 * len(names)))
    tl = report["timeline"]
    for row, _ in enumerate(names):
        spans = [(b, e - b) for b, e, c in zip(tl["begin"], tl["end"], tl["context"]) if c == row]
        ax.broken_barh(spans, (row - 0.35, 0.7), color="#90a4ae" if row == 0 else "#26a69a")
    kinds = [k["name"] for k in report.get("violation_kinds", [])] or list(KIND_MARKERS)
    for kind in kinds:
        marker, colour = KIND_MARKERS.get(kind, OTHER_MARKER)
        vs = [v for v in report["violations"] if v["kind"] == kind]
        if vs:
            ys = [names.index(v["reader"]) if v["reader"] in names else 0 for v in vs]
            ax.scatter([v["cycle"] for v in vs], ys, marker=marker, color=colour, s=30, zorder=3,
                       label=f"{kind} ({report['violation_counts'][kind]})")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.set_xlabel("cycle")
    ax.set_xlim(0, report["cycles"])
    verdict = "clean" if report["clean"] else f"{sum(report['violation_counts'].values())} violations"
    ax.set_title(title or f"{report['scenario']}: {report['protocol']} — {verdict}")
    if not report["clean"]:
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def plot_heatmap(frame, x, y, value, ax=None, fmt="{:.3g}", title=None, cmap="viridis"):
    """A sweep DataFrame (pmusim.sweep) as a heat map of `value` over `x` (columns) and `y` (rows);
    each cell is annotated."""
    for col in (x, y, value):
        if col not in frame.columns:
            raise ValueError(f"column '{col}' not in the frame (columns: {list(frame.columns)})")
    table = frame.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(1.6 + 1.1 * table.shape[1],
                                                                            1.2 + 0.6 * table.shape[0]))
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
    fig.tight_layout()
    return fig

"""pmusim.plots in notebooks: no backend chosen at import, Level 3 drawn as Level 3 (one panel per
parent), hundreds of intervals readable, the truth in the legend, a window on the violations."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pmusim
from pmusim import plots

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_fresh(code, **env):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), **env)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_import_keeps_the_users_backend_and_leaves_pyplot_alone():
    # Given a user's backend (a notebook's inline one, here svg), when pmusim.plots is imported and
    # used, then the backend is still the user's and pyplot was never imported by pmusim.
    assert run_fresh("""
        import sys, matplotlib
        from pmusim import plots
        import pandas as pd
        fig = plots.plot_heatmap(pd.DataFrame({"a": [1, 2], "b": [1, 1], "v": [1.0, 2.0]}), "a", "b", "v")
        from matplotlib.figure import Figure
        print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules, isinstance(fig, Figure))
        print(fig._repr_png_()[:4] == b"\\x89PNG")  # and it shows itself in Jupyter without pyplot
    """, MPLBACKEND="svg") == ["svg", "False", "True", "True"]


@pytest.fixture(scope="module")
def level3():
    m = pmusim.Machine(cpu="icelake")
    m.workload = pmusim.load_workload("pointer_chase")
    return m.topdown(level=3, interval=4_000_000, cycles=20_000_000)


def test_level_3_draws_one_panel_per_parent_with_its_level_3_children(level3):
    tree = {d["name"]: (d["level"], d["parent"]) for d in pmusim.tma_descriptors(level3["family"], level3["method"])
            if d["kind"] == "node"}
    fig = plots.plot_topdown(level3, level=3)
    # Given a Level-3 result, then each panel is a Level-2 parent and its legend its Level-3 children,
    titles = [a.get_title(loc="left") for a in fig.axes]
    parents = {tree[n][1] for n in level3["nodes"] if tree.get(n, (0,))[0] == 3}
    assert sorted(titles) == sorted(f"{p} (children)" for p in parents)
    for a, title in zip(fig.axes, titles):
        nodes = [t for t in legend_texts(a) if not t.startswith("truth")]
        assert nodes and all(tree[n] == (3, title.split(" ")[0]) for n in nodes)
        # and the truth has its own legend entry.
        assert "truth (right bar, hatched)" in legend_texts(a)
    # Level 1 of the same result: one panel, the four Level-1 nodes.
    one = plots.plot_topdown(level3, level=1)
    assert len(one.axes) == 1
    assert legend_texts(one.axes[0])[:4] == plots.LEVEL1
    with pytest.raises(ValueError, match="level 4: this result has no Level-4 node"):
        plots.plot_topdown(level3, level=4)


def test_hundreds_of_intervals_become_stacked_areas_over_time():
    # Given 300 intervals, then no bars are drawn: stacked areas with the truth as dashed lines.
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.load_workload("mixed_app")
    r = m.topdown(level=1, interval=100_000, cycles=30_000_000)
    assert len(r["begin"]) == 300
    fig = plots.plot_topdown(r)
    ax = fig.axes[0]
    assert len(ax.patches) == 0
    assert len(ax.collections) == 4  # one area per Level-1 node
    assert len([ln for ln in ax.lines if ln.get_linestyle() == "--"]) == 4
    assert "truth (dashed: top of each node)" in legend_texts(ax)
    # The same with few intervals: bars, with few enough time labels to read.
    few = plots.plot_topdown(r, max_bars=1000)
    assert len(few.axes[0].patches) == 2 * 4 * 300
    assert len(few.axes[0].get_xticks()) <= 13


def test_violations_window_shows_only_what_is_inside():
    s = pmusim.load_scenario("perf_metrics_yaml_patch_wrong_order", set=["cycles=600000"])
    report = pmusim.run_scenario(s)
    fig = plots.plot_violations(report, window=(200_000, 300_000))
    ax = fig.axes[0]
    assert ax.get_xlim() == (200_000, 300_000)
    inside = sum(200_000 <= v["cycle"] <= 300_000 for v in report["violations"])
    shown = sum(len(c.get_offsets()) for c in ax.collections if len(c.get_offsets()) and c.get_offsets().ndim == 2
                and np.all((c.get_offsets()[:, 0] >= 200_000) & (c.get_offsets()[:, 0] <= 300_000)))
    assert inside > 0 and shown == inside
    with pytest.raises(ValueError, match="window"):
        plots.plot_violations(report, window=(5, 5))


def test_load_scenario_takes_set_overrides():
    s = pmusim.load_scenario("perf_metrics_patch", set=["cycles=123456", "guests.vm0.workload=steady"])
    assert s.cycles == 123456
    with pytest.raises(ValueError, match=r"--set 'guests.vm9.x=1': scenario .*: guests.vm9: no entry 'vm9'"):
        pmusim.load_scenario("perf_metrics_patch", set=["guests.vm9.x=1"])


def test_plot_topdown_level_3_from_the_shell(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pmusim", "plot", "topdown", "--cpu", "icelake", "-w", "pointer_chase",
                          "-l", "3", "-n", "10000000", "-I", "2000000", "-o", str(tmp_path / "l3.png")],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python")),
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "l3.png").stat().st_size > 10_000

"""pmusim topdown --format toplev: toplev's CSV (toplev -I -x,) with Truth and Error appended, as
pandas reads it and as pmu-tools' own plotting scripts draw it.

The pmu-tools scripts are not in Debian: set PMU_TOOLS to a pmu-tools checkout (or its git
directory) to run them; without it those tests are skipped with a message.
"""
import io
import json
import os
import subprocess
import sys
import tarfile

import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PMUSIM = os.path.join(ROOT, "build", "pmusim")
TD = [PMUSIM, "topdown", "--cpu", "sapphirerapids", "-w", "mixed_app", "-n", "10000000", "-l", "3", "-M", "IPC"]
SCRIPTS = ["tl-barplot.py", "interval-plot.py", "tldata.py", "gen_level.py", "csv_formats.py", "tl_io.py"]


def run(*extra):
    return subprocess.run([*TD, *extra], capture_output=True, text=True, check=True).stdout


def test_read_csv_gives_the_json_numbers_in_percent():
    # round_trip: pandas' default parser may miss a double by one unit in the last place
    df = pd.read_csv(io.StringIO(run("-I", "2", "--format", "toplev")), comment="#", float_precision="round_trip")
    doc = json.loads(run("-I", "2", "--format", "json"))
    assert list(df.columns) == ["Timestamp", "CPUs", "Area", "Value", "Unit", "Description", "Sample", "Stddev",
                                "Multiplex", "Bottleneck", "Idle", "Truth", "Error"]
    assert sorted(df["Timestamp"].unique()) == [0.002, 0.004, 0.006, 0.008, 0.01]
    for t, iv in zip(sorted(df["Timestamp"].unique()), doc["intervals"]):
        rows = df[df["Timestamp"] == t]
        nodes = iv["nodes"]
        # the rows in the JSON's (tree) order, named by the JSON's paths
        assert list(rows["Area"]) == [n["path"] for n in nodes.values()] + ["IPC"]
        for (_, r), (name, n) in zip(rows.iterrows(), nodes.items()):
            assert r["Value"] == 100 * n["reported"] and r["Truth"] == 100 * n["truth"]
            assert r["Error"] == pytest.approx(100 * n["error"], abs=1e-9)
            assert r["Unit"] == ("% Slots" if n["flagged"] else "% Slots <")
            assert (r["Bottleneck"] == "<==") == (name == iv["bottleneck"])
        ipc = rows[rows["Area"] == "IPC"].iloc[0]
        assert ipc["Value"] == iv["metrics"]["IPC"]["reported"] and ipc["Truth"] == iv["metrics"]["IPC"]["truth"]


def test_read_toplev_csv_is_that_frame(tmp_path):
    import pmusim
    path = tmp_path / "td.csv"
    subprocess.run([*TD, "-I", "2", "--format", "toplev", "-x", ";", "-o", str(path)], check=True)
    df = pmusim.read_toplev_csv(str(path), sep=";")
    want = pd.read_csv(io.StringIO(run("-I", "2", "--format", "toplev")), comment="#", float_precision="round_trip")
    pd.testing.assert_frame_equal(df.drop(columns=["Node", "Level"]), want)
    assert list(df[df["Area"] == "Backend_Bound.Memory_Bound.DRAM_Bound"][["Node", "Level"]].iloc[0]) == ["DRAM_Bound", 3]
    assert df[df["Area"] == "IPC"]["Level"].iloc[0] == 0


def test_json_nodes_rebuild_the_tree():
    nodes = json.loads(run("--format", "json"))["summary"]["nodes"]
    seen = []
    for name, n in nodes.items():  # each node after its parent: tree (pre-)order
        assert n["parent"] is None or n["parent"] in seen
        assert n["path"] == (nodes[n["parent"]]["path"] + "." if n["parent"] else "") + name
        seen.append(name)
    assert nodes["DRAM_Bound"]["path"] == "Backend_Bound.Memory_Bound.DRAM_Bound"


@pytest.fixture(scope="module")
def pmu_tools(tmp_path_factory):
    src = os.environ.get("PMU_TOOLS", "")
    if not src:
        pytest.skip("PMU_TOOLS is not set: give a pmu-tools checkout (github.com/andikleen/pmu-tools) to run "
                    "tl-barplot.py and interval-plot.py on pmusim's toplev CSV")
    pytest.importorskip("matplotlib", reason="pmu-tools' plotting scripts need matplotlib (python3-matplotlib)")
    if os.path.isfile(os.path.join(src, "tl-barplot.py")):
        return src
    out = tmp_path_factory.mktemp("pmu-tools")  # a git directory: its files at HEAD
    tar = subprocess.run(["git", "--git-dir", src, "archive", "HEAD", *SCRIPTS], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(tar.stdout)) as t:
        t.extractall(out)
    return str(out)


# Runs a pmu-tools script unmodified (its own __main__), then reports what its figure shows.
DRAW = """
import json, runpy, sys
import matplotlib.pyplot as plt
sys.path.insert(0, sys.argv[1])
script = sys.argv[2]
sys.argv = [script] + sys.argv[3:]
runpy.run_path(sys.path[0] + "/" + script, run_name="__main__")
axes = plt.gcf().axes
print(json.dumps({"titles": [a.get_title(loc="right") or a.get_title() for a in axes],
                  "legend": [t.get_text() for a in axes if a.get_legend() for t in a.get_legend().get_texts()]}))
"""


def draw(tools, script, *args):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    out = subprocess.run([sys.executable, "-c", DRAW, tools, script, *args], capture_output=True, text=True,
                         env=env, cwd=tools)
    assert out.returncode == 0, out.stderr
    assert "PARSE-ERROR" not in out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_tl_barplot_draws_a_panel_per_level_and_parent(pmu_tools, tmp_path):
    csv = tmp_path / "td.csv"
    subprocess.run([*TD, "-I", "1", "--format", "toplev", "-o", str(csv)], check=True)
    shown = draw(pmu_tools, "tl-barplot.py", "-v", str(csv), "-o", str(tmp_path / "bar.png"))
    assert (tmp_path / "bar.png").stat().st_size > 0
    for panel in ["TopLevel", "Frontend_Bound", "Bad_Speculation", "Backend_Bound", "Retiring",
                  "Backend_Bound.Memory_Bound", "CPU-METRIC"]:
        assert panel in shown["titles"], shown
    assert {"Memory_Bound", "Core_Bound", "DRAM_Bound", "IPC"} <= set(shown["legend"]), shown


def test_interval_plot_draws_every_node_to_its_level(pmu_tools, tmp_path):
    csv = tmp_path / "td.csv"
    subprocess.run([*TD, "-I", "1", "--format", "toplev", "-o", str(csv)], check=True)
    shown = draw(pmu_tools, "interval-plot.py", "-l", "3", str(csv), "-o", str(tmp_path / "iv.png"))
    assert (tmp_path / "iv.png").stat().st_size > 0
    assert {"Frontend_Bound", "Backend_Bound.Memory_Bound", "Backend_Bound.Memory_Bound.DRAM_Bound"} <= set(
        shown["legend"]), shown

"""pmusim stat -x and -j as a pandas user reads them: perf's columns, the same numbers in both."""
import io
import json
import os
import subprocess

import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PMUSIM = os.path.join(ROOT, "build", "pmusim")
# perf stat -x, -I: the fields of tools/perf/util/stat-display.c, timestamp first
COLUMNS = ["time", "count", "unit", "event", "runtime", "pcnt_running", "metric_value", "metric_unit"]
ARGS = ["stat", "--cpu", "skylake", "-n", "3000000", "-I", "1", "-e", "instructions,cycles,branches,branch-misses"]


def run(*extra):
    out = subprocess.run([PMUSIM, *ARGS, *extra], capture_output=True, text=True, check=True)
    return out.stdout


def test_read_csv_gives_one_row_per_event_and_interval():
    df = pd.read_csv(io.StringIO(run("-x", ",")), header=None, names=COLUMNS)
    assert len(df) == 3 * 4
    assert list(df["time"].unique()) == [0.001, 0.002, 0.003]
    cycles = df[df.event == "cycles"]
    assert (cycles["count"] == 1_000_000).all() and (cycles["pcnt_running"] == 100.0).all()
    ipc = df[df.event == "instructions"]
    assert (ipc["metric_unit"] == "insn per cycle").all() and (ipc["metric_value"] == 1.5).all()


def test_csv_and_json_lines_carry_the_same_numbers():
    df = pd.read_csv(io.StringIO(run("-x", ";")), sep=";", header=None, names=COLUMNS)
    rows = [json.loads(line) for line in run("-j").splitlines()]
    assert len(rows) == len(df)
    for (_, c), j in zip(df.iterrows(), rows):
        assert c["event"] == j["event"]
        assert c["time"] == pytest.approx(j["interval"])
        assert c["count"] == float(j["counter-value"])
        assert c["runtime"] == j["event-runtime"] and c["pcnt_running"] == j["pcnt-running"]
        if "metric-value" in j:
            assert c["metric_value"] == pytest.approx(float(j["metric-value"]), abs=0.005)
        else:
            assert pd.isna(c["metric_value"])


def test_topdown_metric_rows_read_as_the_json_node_values():
    td = [PMUSIM, "topdown", "--cpu", "icelake", "-w", "mixed_app", "-n", "2000000", "-l", "2"]
    out = subprocess.run([*td, "-x", ","], capture_output=True, text=True, check=True).stdout
    df = pd.read_csv(io.StringIO(out), header=None, names=COLUMNS[1:])
    metrics = df[df.event.isna()]
    nodes = json.loads(subprocess.run([*td, "--format", "json"], capture_output=True, text=True,
                                      check=True).stdout)["summary"]["nodes"]
    assert len(metrics) == len(nodes)
    for _, row in metrics.iterrows():
        name = row["metric_unit"].split("tma_")[1]
        node = next(v for k, v in nodes.items() if k.lower() == name)
        assert row["metric_value"] == pytest.approx(100 * node["reported"], abs=0.05)

"""GTKWave save files beside pmusim's waveforms (docs/waveforms.md): given a run whose checks fire,
when it writes X.vcd, then X.gtkw names the VCD, groups the signals and marks the first violation
of each kind; GTKWave itself (headless, under Xvfb) loads every signal and marker of it."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

PMUSIM = os.path.join(ROOT, "build", "pmusim")
HEADLESS = shutil.which("gtkwave") and shutil.which("xvfb-run")


def run_swapped(tmp_path):
    vcd = tmp_path / "swap.vcd"
    out = subprocess.run([PMUSIM, "run", "perf_metrics_patch", "-n", "300000", "-E",
                          "swap:load_guest_pmcs,load_perf_metrics", "--vcd", str(vcd), "--format", "json"],
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    return vcd, json.loads(out.stdout)


def first_of_each_kind(report):
    first = {}
    for v in report["violations"]:
        if v["kind"] not in first or v["cycle"] < first[v["kind"]]["cycle"]:
            first[v["kind"]] = v
    return first


def gtkwave_sees(save_file, tmp_path):
    """Opens the save file in GTKWave and returns (trace names, {marker letter: time})."""
    script = tmp_path / "probe.tcl"
    script.write_text(
        'for {set i 0} {$i < [gtkwave::getTotalNumTraces]} {incr i} '
        '{ puts "TRACE [gtkwave::getTraceNameFromIndex $i]" }\n'
        'foreach m {A B C} { puts "MARKER $m [gtkwave::getNamedMarker $m]" }\n'
        "gtkwave::/File/Quit\n")
    # From another directory: GTKWave finds the VCD through the save file's recorded path.
    out = subprocess.run(["xvfb-run", "-a", "gtkwave", "-S", str(script), str(save_file)],
                         capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    traces = [l.split(" ", 1)[1] for l in lines if l.startswith("TRACE ")]
    markers = {l.split()[1]: int(l.split()[2]) for l in lines if l.startswith("MARKER ")}
    return traces, markers


def test_run_writes_a_save_file_with_markers_at_the_first_violations(tmp_path):
    vcd, report = run_swapped(tmp_path)
    text = (tmp_path / "swap.gtkw").read_text()
    assert f'[dumpfile] "{vcd}"' in text
    first = first_of_each_kind(report)
    assert set(first) == {"clobber", "flow"}
    for letter, kind in zip("AB", ["clobber", "flow"]):  # in the order of the kinds' table
        assert f"[markername] {letter}{kind} {first[kind]['register']}\n" in text
    times = text.split("\n*", 1)[1].split("\n", 1)[0].split()[1:]
    assert times[:3] == ["-1", str(first["clobber"]["cycle"]), str(first["flow"]["cycle"])]
    assert text.index("-Context") < text.index("-Global registers") < text.index("-Counters") \
        < text.index("-PERF_METRICS") < text.index("-PMI")


def test_text_run_names_the_save_file(tmp_path):
    out = subprocess.run([PMUSIM, "run", "perf_metrics_patch", "-n", "20000", "--vcd", str(tmp_path / "a.vcd")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"(GTKWave: gtkwave {tmp_path / 'a.gtkw'})" in out.stdout
    assert "[markername]" not in (tmp_path / "a.gtkw").read_text()  # a clean run: no markers


@pytest.mark.skipif(not HEADLESS, reason="needs gtkwave and xvfb-run (scripts/install-deps.sh)")
def test_gtkwave_loads_every_signal_and_marker(tmp_path):
    _, report = run_swapped(tmp_path)
    # Moved together to another directory, the originals gone: GTKWave still finds the VCD.
    (tmp_path / "moved").mkdir()
    for f in ("swap.vcd", "swap.gtkw"):
        shutil.move(str(tmp_path / f), str(tmp_path / "moved" / f))
    traces, markers = gtkwave_sees(tmp_path / "moved" / "swap.gtkw", tmp_path)
    # 27 signals and 5 group titles: a name GTKWave could not resolve would be missing.
    assert len(traces) == 32, traces
    assert traces[:4] == ["Context", "ctx", "step", "lvtpc"]
    assert "PERF_METRICS" in traces and "retiring" in traces and traces[-2:] == ["PMI", "pmi"]
    first = first_of_each_kind(report)
    assert markers == {"A": first["clobber"]["cycle"], "B": first["flow"]["cycle"], "C": -1}


@pytest.mark.skipif(not HEADLESS, reason="needs gtkwave and xvfb-run (scripts/install-deps.sh)")
def test_stat_waveform_opens_in_gtkwave(tmp_path):
    out = subprocess.run([PMUSIM, "stat", "-n", "20000", "--vcd", str(tmp_path / "s.vcd")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "(GTKWave: gtkwave" in out.stderr
    traces, _ = gtkwave_sees(tmp_path / "s.gtkw", tmp_path)
    assert "GLOBAL_CTRL[63:0]" in traces and "pmi" in traces and "ctx" not in traces

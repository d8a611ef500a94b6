"""Golden waveforms from pytest (docs/waveforms.md): given each built-in scenario run as long as its
golden file, when its VCD is compared with tests/golden/SCENARIO.vcd by signal and time
(pmusim.wave_diff), then nothing differs; `--bless-waveforms` rewrites them instead."""
import os
import shutil

import pytest

from conftest import ROOT
import pmusim

GOLDEN = os.path.join(ROOT, "tests", "golden")
CYCLES = 300_000  # as scripts/golden-waveforms.sh runs them


def run(name, path, edits=()):
    s = pmusim.load_scenario(name)
    s.cycles = CYCLES
    p = s.protocol()
    for e in edits:
        p.apply(e)
    pmusim.run_scenario(s, p, vcd=str(path))
    return path


@pytest.mark.parametrize("name", pmusim.scenario_library())
def test_golden_waveform(name, tmp_path, request):
    run(name, tmp_path / f"{name}.vcd")
    # A host with several CPUs writes one waveform per CPU (NAME.cpuN.vcd).
    files = sorted(f for f in os.listdir(tmp_path) if f == f"{name}.vcd" or
                   (f.startswith(f"{name}.cpu") and f.endswith(".vcd")))
    assert files
    for f in files:
        pmusim.check_waveform(tmp_path / f, os.path.join(GOLDEN, f), bless=request.config.getoption("--bless-waveforms"))


def test_a_changed_protocol_is_reported_by_signal_and_time(tmp_path):
    actual = run("perf_metrics_patch", tmp_path / "swap.vcd", ["swap:load_guest_pmcs,load_perf_metrics"])
    d = pmusim.wave_diff(os.path.join(GOLDEN, "perf_metrics_patch.vcd"), str(actual))
    assert not d["identical"]
    fields = {x["signal"]: x for x in d["differences"]}
    assert fields["pmusim.PERF_METRICS.retiring"]["kind"] == "differs"
    assert fields["pmusim.PERF_METRICS.retiring"]["time"] > 0
    assert "pmusim.ctx" not in fields  # who ran when is unchanged
    with pytest.raises(AssertionError, match=r"PERF_METRICS.retiring: first differs at \d+"):
        pmusim.check_waveform(actual, os.path.join(GOLDEN, "perf_metrics_patch.vcd"))
    # Restricted to signals that did not change: identical.
    assert pmusim.wave_diff(os.path.join(GOLDEN, "perf_metrics_patch.vcd"), str(actual), ["pmusim.ctx"])["identical"]


def test_bless_writes_the_golden_file(tmp_path, monkeypatch):
    actual = run("two_guests", tmp_path / "a.vcd")
    golden = tmp_path / "golden.vcd"
    with pytest.raises(AssertionError, match="no golden waveform"):
        pmusim.check_waveform(actual, golden)
    assert pmusim.check_waveform(actual, golden, bless=True) is None
    assert pmusim.check_waveform(actual, golden)["identical"]
    shutil.copyfile(os.path.join(GOLDEN, "pmi_sampling.vcd"), golden)
    monkeypatch.setenv("PMUSIM_BLESS", "1")
    pmusim.check_waveform(actual, golden)
    monkeypatch.delenv("PMUSIM_BLESS")
    assert pmusim.check_waveform(actual, golden)["identical"]


def test_unreadable_waveforms_raise_value_error(tmp_path):
    bad = tmp_path / "bad.vcd"
    bad.write_text("$var wire 1 ! a $end\n")
    with pytest.raises(ValueError, match="bad.vcd: no .enddefinitions"):
        pmusim.wave_diff(str(bad), str(bad))
    with pytest.raises(ValueError, match="missing.vcd: cannot open waveform"):
        pmusim.wave_diff(str(tmp_path / "missing.vcd"), str(bad))


def test_write_gtkw_from_python(tmp_path):
    vcd = run("two_guests", tmp_path / "t.vcd")
    path = pmusim.write_gtkw(str(vcd), [(1000, "look here")])
    assert path == str(tmp_path / "t.gtkw")
    assert "[markername] Alook here\n" in open(path).read()

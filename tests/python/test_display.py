"""How pmusim's objects show themselves in a terminal (repr) and a notebook (_repr_html_)."""
import json
import pickle

import pmusim
from pmusim import display


def test_a_machine_shows_its_cpu_mode_cycle_and_programmed_registers_without_touching_them():
    m = pmusim.Machine(cpu="icelake")
    m.wrmsr(0x186, 0x43003C)  # PERFEVTSEL0: unhalted core cycles, both rings, enabled
    m.run(cycles=1000)
    before = m.state()
    assert repr(m) == "<pmusim.Machine icelake: fast mode, cycle 1000, v5 8 GP + 4 fixed, PERF_METRICS>"
    page = m._repr_html_()
    assert "<td>PMC0</td><td>0x3e8 (PERFEVTSEL 0x43003c)</td>" in page
    assert "<td>PMC1</td>" not in page  # counters nobody programmed are left out
    assert m.state() == before and m.cycle == 1000  # showing it ran nothing and read no MSR


def test_a_topdown_result_is_still_the_dict_and_shows_its_summary():
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.load_workload("pointer_chase")
    r = m.topdown(level=1, interval=500_000, cycles=2_000_000)
    assert isinstance(r, dict) and isinstance(r, display.TopdownResult)
    assert repr(r).startswith("<pmusim topdown sapphirerapids pointer_chase level 1 (perf_metrics): 4 intervals")
    assert f"bottleneck {r['summary_bottleneck']} (truth {r['summary_truth_bottleneck']})" in repr(r)
    page = r._repr_html_()
    for node, (rep, truth, _) in r["summary"].items():
        assert f"<td>{node}</td><td>{100 * rep:.2f}%</td><td>{100 * truth:.2f}%</td>" in page
    assert pickle.loads(pickle.dumps(r))["level"] == 1


def test_a_scenario_report_shows_its_verdict_contexts_and_violations():
    s = pmusim.load_scenario("perf_metrics_patch")
    s.cycles = 150_000
    clean = pmusim.run_scenario(s)
    assert repr(clean).endswith("2 contexts, clean>")
    bad = pmusim.run_scenario(s, protocol=s.protocol().remove("put_perf_metrics"))
    n = sum(bad["violation_counts"].values())
    assert n > 0 and repr(bad).endswith(f"2 contexts, {n} violations>")
    first = bad["violations"][0]
    assert f"<td>{first['cycle']}</td><td>{first['kind']}</td><td>{first['register']}</td>" in bad._repr_html_()
    assert json.loads(json.dumps(bad))["violation_counts"] == bad["violation_counts"]
    assert pmusim.run_scenario.__doc__ and pmusim.Machine.topdown.__doc__


def test_html_tables_escape_names_and_stop_after_a_screenful():
    rows = [(f"<v{i}>", i) for i in range(30)]
    page = display._table(("name", "n"), rows)
    assert "&lt;v0&gt;" in page and "<v0>" not in page
    assert page.count("<tr>") == 1 + display._ROWS + 1 and "... 18 more" in page


def test_sweep_progress_goes_through_tqdm_when_it_is_installed(capsys):
    from pmusim.sweep import _Bar

    bar = _Bar(3, 1, True)
    assert bar.tqdm is not None  # python3-tqdm is a dependency (scripts/install-deps.sh)
    bar.step()
    bar.close()
    err = capsys.readouterr().err
    assert "sweep" in err and "2/3" in err
    quiet = _Bar(3, 0, False)
    quiet.step()
    quiet.close()
    assert quiet.tqdm is None and capsys.readouterr().err == ""

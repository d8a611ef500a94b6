"""Topdown and workload files from Python (issue #3)."""
import numpy as np
import pytest

import pmusim


def test_library_has_the_archetypes():
    lib = pmusim.workload_library()
    for name in ("pointer_chase", "interpreter", "server_icache", "vector_kernel", "string_microcode", "mixed_app"):
        assert name in lib


def test_topdown_arrays_match_truth_within_2_lsb():
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.load_workload("interpreter")
    r = m.topdown(level=2, interval=2_000_000)
    assert r["method"] == "perf_metrics"
    assert r["reported"].shape == (len(r["begin"]), len(r["nodes"])) == r["truth"].shape
    assert np.all(np.abs(r["reported"] - r["truth"]) <= 2 / 255)
    assert r["summary_bottleneck"] == "Branch_Mispredicts" == r["summary_truth_bottleneck"]
    rep, tru, err = r["summary"]["Bad_Speculation"]
    assert err == pytest.approx(rep - tru)


def test_same_seed_same_result():
    def once():
        m = pmusim.Machine(cpu="icelake")
        m.workload = pmusim.load_workload("mixed_app")
        return m.topdown(level=1, interval=5_000_000)["reported"]
    assert np.array_equal(once(), once())


def test_malformed_file_names_file_line_and_field(tmp_path):
    f = tmp_path / "w.yaml"
    f.write_text("phases:\n  a:\n    cycles: 100\n    ipc: lots\n")
    with pytest.raises(ValueError, match=r"w\.yaml:4: phases\.a\.ipc: expected a number, got 'lots'"):
        pmusim.load_workload(str(f))


def test_bad_topdown_arguments_raise_value_error():
    m = pmusim.Machine(cpu="skylake")
    with pytest.raises(ValueError, match="Skylake has no PERF_METRICS|skylake has no PERF_METRICS"):
        m.topdown(method="perf_metrics")
    with pytest.raises(ValueError, match="level"):
        m.topdown(level=4)
    w = pmusim.load_workload("vector_kernel")
    assert isinstance(w, pmusim.PhasedWorkload) and w.length == 20_000_000 and w.phases == ["compute"]

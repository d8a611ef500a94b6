"""Errors and limits from Python (docs/user-guide.md "Limits"): every bad file or value is a
ValueError whose message names the file, line and field and is never empty; reports survive any name."""
import pytest

import pmusim


def test_a_stray_byte_never_empties_the_message(tmp_path):
    # Given a protocol edit naming a step with a byte that is not UTF-8, when the scenario is
    # loaded, then the ValueError still says where and what (the byte shown as \xff).
    f = tmp_path / "u.yaml"
    f.write_bytes(b'cpu: sapphirerapids\ncycles: 40000\nprotocol: {edits: ["remove:\xff"]}\n')
    with pytest.raises(ValueError) as e:
        pmusim.load_scenario(str(f))
    assert str(e.value).endswith(r"u.yaml:3: protocol: protocol edit 'remove:\xff': step '\xff' is not in the mediated protocol")


def test_report_survives_a_name_that_is_not_utf8(tmp_path):
    f = tmp_path / "n.yaml"
    f.write_bytes(b'cpu: sapphirerapids\ncycles: 40000\nguests:\n  - name: "v\xff"\n')
    r = pmusim.run_scenario(pmusim.load_scenario(str(f)))
    assert [c["name"] for c in r["contexts"]] == ["host", "v\ufffd"]


def test_yaml_structure_errors_are_value_errors_naming_the_field():
    with pytest.raises(ValueError, match=r"^x.yaml:2: guests\[0\]: expected a mapping$"):
        pmusim.parse_scenario("guests:\n  - vm0\n", "x.yaml")
    with pytest.raises(ValueError, match=r"^x.yaml:3: guests.vm0.run.min: missing"):
        pmusim.parse_scenario("guests:\n  - name: vm0\n    run: {dist: uniform, max: 10}\n", "x.yaml")


def test_integers_are_range_checked_not_truncated():
    with pytest.raises(ValueError, match=r"guests.vm0.vpmu.version: expected a whole number from 0 to 255, got '4294967301'"):
        pmusim.parse_scenario("guests:\n  - name: vm0\n    vpmu: {version: 4294967301}\n", "x.yaml")
    with pytest.raises(ValueError, match=r"checks.perf_metrics_tolerance_lsb: must be within 0..255"):
        pmusim.parse_scenario("checks: {perf_metrics_tolerance_lsb: -1}\n", "x.yaml")


def test_only_regular_files_of_bounded_size_are_read(tmp_path):
    for load in (pmusim.load_scenario, pmusim.scenario_dict):
        with pytest.raises(ValueError, match="^/dev/zero: not a regular file"):
            load("/dev/zero")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (pmusim.limits["input_file_bytes"] + 1))
    with pytest.raises(ValueError, match="big.yaml: 16777217 bytes: a scenario file has at most 16777216 bytes"):
        pmusim.scenario_dict(str(big))
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: [1,\n")
    with pytest.raises(ValueError, match=r"bad.yaml:2: YAML syntax"):
        pmusim.scenario_dict(str(bad))


def test_run_past_the_systemc_time_base_is_a_value_error():
    m = pmusim.Machine()
    with pytest.raises(ValueError, match="more cycles pass the end of SystemC's time base"):
        m.run(cycles=2**64 - 1)
    s = pmusim.load_scenario("perf_metrics_patch")
    s.cycles = pmusim.limits["run_cycles"] + 1
    with pytest.raises(ValueError, match=r"perf_metrics_patch.yaml: cycles: expected a whole number from 1 to 10000000000000000"):
        pmusim.run_scenario(s)


def test_kept_topdown_intervals_are_bounded():
    m = pmusim.Machine()
    with pytest.raises(ValueError, match="intervals; at most 1000000 kept in memory"):
        m.topdown(interval=1, cycles=pmusim.limits["intervals_kept"] + 1)

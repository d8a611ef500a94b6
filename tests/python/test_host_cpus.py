"""A host with several CPUs from Python (docs/virtualization.md "A host with several CPUs"): given a
scenario with host.cpus and guest affinities, when it runs, then the report has a section per CPU
and each vCPU once; the scenario's CPU count and migration probability can be changed, with errors
as ValueError; frames and the per-CPU plot read the report."""
import pytest

import pmusim


def test_a_section_per_cpu_and_each_vcpu_once():
    s = pmusim.load_scenario("host_cpus")
    assert s.host_cpus == 4
    assert s.affinities["vm0"] == [0] and s.affinities["vm2"] == []
    s.cycles = 300_000
    r = pmusim.run_scenario(s)
    assert r["clean"]
    assert r["host_cpus"] == 4 and [c["cpu_index"] for c in r["cpus"]] == [0, 1, 2, 3]
    assert [c["name"] for c in r["contexts"]] == ["vm0", "vm1", "vm2", "vm3", "vm4", "vm5"]
    assert sum(c["migrations"] for c in r["contexts"]) == r["migrations"] > 0
    for c in r["cpus"]:
        assert [x["name"] for x in c["contexts"]] == ["host"]
    f = pmusim.cpus_frame(r)
    assert sorted(set(f["cpu"])) == [0, 1, 2, 3]
    assert (f["error"] == 0).all()
    assert (pmusim.contexts_frame(r)["error"] == 0).all()


def test_the_wrong_elision_is_caught_and_the_builtin_is_clean():
    s = pmusim.load_scenario("host_cpus_elide_same_cpu")
    s.cycles = 300_000
    bad = pmusim.run_scenario(s)
    assert bad["violation_counts"]["clobber"] > 0
    assert pmusim.violations_frame(bad)["detail"].str.startswith("cpu ").all()
    ok = pmusim.run_scenario(s, pmusim.Protocol("mediated"))
    assert ok["clean"]


def test_cpu_count_and_migration_can_be_changed():
    s = pmusim.load_scenario("two_guests")
    s.cycles = 200_000
    s.host_cpus = 2
    s.migrate = 0.5
    r = pmusim.run_scenario(s)
    assert r["clean"] and len(r["cpus"]) == 2 and r["migrations"] > 0
    with pytest.raises(ValueError, match="migrate: expected a probability from 0 to 1"):
        s.migrate = 1.5
    with pytest.raises(ValueError, match="host_cpus: expected 1 to 256"):
        s.host_cpus = 0
    pinned = pmusim.load_scenario("host_cpus")
    pinned.host_cpus = 1  # vm3 is pinned to CPUs 1..3
    with pytest.raises(ValueError, match=r"guests.vm3.affinity: CPU 1 is not on a host of 1 CPU\(s\)"):
        pmusim.run_scenario(pinned)


def test_plot_cpus_draws_a_row_per_cpu():
    s = pmusim.load_scenario("host_cpus")
    s.cycles = 200_000
    r = pmusim.run_scenario(s)
    fig = pmusim.plots.plot_violations(r)  # a run on several CPUs is drawn per CPU
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cpu 0", "cpu 1", "cpu 2", "cpu 3"]
    with pytest.raises(ValueError, match="plot_cpus: the report is of a run on one CPU"):
        pmusim.plots.plot_cpus(pmusim.run_scenario(pmusim.load_scenario("two_guests")))

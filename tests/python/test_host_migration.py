"""Live migration to another host from Python (docs/virtualization.md "Migration to another host"):
given a scenario with a destination host and a VMM migration, when it runs, then the report says
whether the vCPU moved, what KVM refused and what the destination cannot hold; set= reaches the
destination's keys and bad values raise ValueError naming the field."""
import pytest

import pmusim


def test_topdown_migration_moves_vm0_and_runs_clean():
    s = pmusim.load_scenario("migrate_host_topdown")
    assert s.destination == {"cpu": "sapphirerapids", "overrides": {}, "workload": "pointer_chase", "cpus": 1, "migrate": 0.0}
    assert s.host_migrations == [("vm0", 600000)]
    r = pmusim.run_scenario(s)
    assert r["clean"] and r["passed"]
    (m,) = r["host_migrations"]
    assert m["moved"] and m["vcpu"] == "vm0" and m["restored"] == m["saved"] + 1 and m["lost"] == []
    assert [c.get("destination_host", False) for c in r["cpus"]] == [False, True]
    assert {c["name"]: c["migrations"] for c in r["contexts"]} == {"vm0": 1, "vm1": 0}


def test_kvm_refuses_perf_metrics_on_a_host_without_it():
    r = pmusim.run_scenario(pmusim.load_scenario("migrate_host_no_perf_metrics"))
    (m,) = r["host_migrations"]
    assert not m["moved"] and m["refused"] == "IA32_PERF_CAPABILITIES" and "0x8000" in m["why"]
    assert m["lost"] == ["IA32_PERF_METRICS"]
    assert r["passed"]
    # With PERF_METRICS on the destination (set= reaches its overrides) the same VMM moves vm0.
    s = pmusim.load_scenario("migrate_host_no_perf_metrics", set=["destination.overrides.perf_metrics=1"])
    assert s.destination["overrides"] == {"perf_metrics": 1}
    assert pmusim.run_scenario(s)["host_migrations"][0]["moved"]


def test_destination_errors_raise_value_error():
    with pytest.raises(ValueError, match="destination.cpu: unknown CPU preset 'nosuch'"):
        pmusim.run_scenario(pmusim.load_scenario("migrate_host_topdown", set=["destination.cpu=nosuch"]))
    with pytest.raises(ValueError, match=r"vmm\[0\].migrate.to: expected destination"):
        pmusim.load_scenario("migrate_host_topdown", set=["vmm=[{at: 1, vcpu: vm0, migrate: {to: moon}}]"])


def test_an_overflow_pending_under_a_masked_lvtpc_is_handled_once_at_the_destination():
    s = pmusim.load_scenario("migrate_host_pmi_pending")
    assert s.host_migrations == [("vm0", 150000)]
    r = pmusim.run_scenario(s)
    assert r["clean"] and r["passed"]
    (m,) = r["host_migrations"]
    assert m["moved"] and m["cycle"] == 187819
    vm0 = next(c for c in r["contexts"] if c["name"] == "vm0")
    assert vm0["samples"] > vm0["pmis"] > 0


def test_a_destination_of_several_cpus():
    s = pmusim.load_scenario("migrate_host_topdown", set=["destination.cpus=2", "destination.migrate=1"])
    assert s.destination["cpus"] == 2 and s.destination["migrate"] == 1
    r = pmusim.run_scenario(s)
    assert r["clean"]
    assert [c.get("destination_host", False) for c in r["cpus"]] == [False, True, True]
    assert r["host_migrations"][0]["to_cpu"] in (1, 2)

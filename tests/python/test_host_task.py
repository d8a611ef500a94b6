"""Host perf per task from Python (docs/virtualization.md "Host perf per task"): given a scenario
whose host counts a vCPU thread per task beside its per-CPU events, when it runs, then the report
has the task's counts over every CPU it ran on, equal to its truth; a task can be set or removed
on a scenario, with errors as ValueError; the load path that forgets the task context is caught."""
import pytest

import pmusim


def test_the_task_follows_its_thread_across_cpus_and_equals_its_truth():
    s = pmusim.load_scenario("host_task_perf")
    assert s.host_task == {"vcpu": "vm0", "events": ["instructions", "cycles", "branches"]}
    r = pmusim.run_scenario(s)
    assert r["clean"]
    f = pmusim.host_tasks_frame(r)
    assert sorted(f["event"]) == ["branches", "cycles", "instructions"]
    assert (f["error"] == 0).all() and (f["truth"] > 0).all()
    assert len(f["cpus"][0]) >= 2
    assert pmusim.cpus_frame(r)["error"].eq(0).all()


def test_a_task_set_from_python_and_its_errors():
    s = pmusim.load_scenario("two_guests")
    assert s.host_task is None
    assert pmusim.host_tasks_frame(pmusim.run_scenario(s)).empty
    s.cycles = 200_000
    s.host_task = {"vcpu": "vm1", "events": ["branches"]}
    r = pmusim.run_scenario(s)
    assert r["clean"] and r["host_tasks"][0]["vcpu"] == "vm1"
    with pytest.raises(ValueError, match="host_task.vcpu: no guest named 'vm7'"):
        s.host_task = {"vcpu": "vm7", "events": ["branches"]}
    s.host_task = {"vcpu": "vm1", "events": ["no-such-event"]}
    with pytest.raises(ValueError, match="host.task.perf.events"):
        pmusim.run_scenario(s)
    s.host_task = None
    assert "host_tasks" not in pmusim.run_scenario(s)


def test_forgetting_the_task_context_at_vm_entry_is_caught():
    s = pmusim.load_scenario("host_task_perf")
    bad = pmusim.run_scenario(s, s.protocol().replace("perf_load_guest_context", "perf_load_guest_context_cpu_only"))
    v = pmusim.violations_frame(bad)
    assert not bad["clean"] and v["register"].str.startswith("task vm0").all()
    assert v["step"].iloc[0] == "vmentry"


def test_each_cpus_waveform_shows_where_the_task_context_is_switched_in(tmp_path):
    s = pmusim.load_scenario("host_task_perf")
    s.cycles = 300_000
    pmusim.run_scenario(s, vcd=str(tmp_path / "t.vcd"))
    shown = [i for i in range(3) if "svm0\\040thread" in (tmp_path / f"t.cpu{i}.vcd").read_text()]
    assert len(shown) >= 2  # it ran on several CPUs
    assert "$var string 1 $ task $end" in (tmp_path / "t.cpu0.vcd").read_text()

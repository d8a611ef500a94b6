"""Virtualization from Python: scenarios, protocol variants, checkers, mutation analysis."""
import pytest

import pmusim


def short(name, cycles=400_000):
    s = pmusim.load_scenario(name)
    s.cycles = cycles
    return s


def test_builtin_scenarios_are_listed_and_run_clean():
    names = pmusim.scenario_library()
    assert {"perf_metrics_patch", "guest_without_perf_metrics", "two_guests", "pmi_sampling"} <= set(names)
    r = pmusim.run_scenario(short("two_guests"))
    assert r["clean"], r["violations"][:3]
    assert [c["name"] for c in r["contexts"]] == ["host", "vm0", "vm1"]
    for ctx in r["contexts"][1:]:
        for event, (reported, truth) in ctx["counts"].items():
            assert reported == truth, (ctx["name"], event)


def test_protocol_variant_from_python_is_caught_with_the_right_kind():
    # Given the mediated protocol without put_perf_metrics, when host and guest both use topdown,
    # then the guest's PERF_METRICS reaches host perf at perf_put_guest_context.
    p = pmusim.Protocol("mediated").remove("put_perf_metrics")
    assert "put_perf_metrics" not in p.steps("exit")
    r = pmusim.run_scenario(short("perf_metrics_patch"), protocol=p)
    assert not r["clean"]
    flow = [v for v in r["violations"] if v["kind"] == "flow"]
    assert flow and flow[0]["register"] == "PERF_METRICS"
    assert (flow[0]["reader"], flow[0]["source"], flow[0]["step"]) == ("host", "vm0", "perf_put_guest_context")


def test_protocol_edits_and_errors():
    p = pmusim.Protocol()
    p.swap("load_guest_pmcs", "load_perf_metrics").replace("vmexit", "vmexit_no_host_load")
    assert p.steps("load").index("load_perf_metrics") < p.steps("load").index("load_guest_pmcs")
    assert "vmexit_no_host_load" in p.steps("exit")
    assert ("load_guest_pmcs", "load_perf_metrics") in pmusim.Protocol().order_sensitive_pairs("load")
    with pytest.raises(ValueError, match="'nope' is not in the mediated protocol"):
        p.remove("nope")
    with pytest.raises(ValueError, match="unknown protocol"):
        pmusim.Protocol("paravirt")
    with pytest.raises(ValueError, match="exactly one of before= or after="):
        p.move("vmentry")
    names = {s["name"] for s in pmusim.protocol_steps()}
    assert {"perf_load_guest_context", "put_perf_metrics", "legacy_vmexit"} <= names


def test_bad_scenario_names_line_and_field():
    with pytest.raises(ValueError, match=r"x.yaml:3: guests.vm0.vpmu.gp: expected a number, got .many."):
        pmusim.parse_scenario("guests:\n  - name: vm0\n    vpmu: {gp: many}\n", "x.yaml")
    with pytest.raises(ValueError, match="no such file or built-in scenario"):
        pmusim.load_scenario("nosuch")
    s = short("perf_metrics_patch")
    with pytest.raises(ValueError, match="mode"):
        s.mode = "sometimes"


def test_mutation_table_from_python():
    rows = pmusim.mutate_scenario(short("pmi_sampling", 600_000))
    assert rows[0]["mutant"] == "baseline" and rows[0]["clean"]
    by = {r["mutant"]: r for r in rows}
    assert by["remove:load_guest_lvtpc"]["pmi_misrouted"] > 0
    assert by["remove:load_global_status"]["clobber"] > 0
    assert len(rows) == len(pmusim.load_scenario("pmi_sampling").protocol().mutants()) + 1


def test_every_public_name_has_a_docstring():
    import inspect
    missing = []
    for name in pmusim.__all__:
        obj = getattr(pmusim, name)
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if not attr.startswith("_") and not (getattr(value, "__doc__", None) or "").strip():
                    missing.append(f"{name}.{attr}")
    for module in ("frames", "plots", "sweep", "scenarios"):
        mod = getattr(pmusim, module, None) or __import__(f"pmusim.{module}", fromlist=["_"])
        for attr in getattr(mod, "__all__", []):
            if not (getattr(mod, attr).__doc__ or "").strip():
                missing.append(f"{module}.{attr}")
    assert missing == []


def test_checkers_and_kinds_come_from_one_registry():
    kinds = [k["name"] for k in pmusim.violation_kinds()]
    assert kinds[:3] == ["clobber", "flow", "bleed"] and "pmi_lost" in kinds
    names = [c["name"] for c in pmusim.checkers()]
    assert {"exposure", "pmi_accounting", "guest_state", "host_scheduled"} <= set(names)
    assert all(k in kinds for c in pmusim.checkers() for k in c["kinds"])
    # Reports and the mutation frame carry one count per kind, in registry order.
    r = pmusim.run_scenario(short("guest_without_perf_metrics", 600_000))
    assert set(r["violation_counts"]) == set(kinds)
    assert [k["name"] for k in r["violation_kinds"]] == kinds
    assert r["violation_counts"]["flow"] > 0 and not r["clean"]   # the finding: RDPMC of the host's PERF_METRICS
    frame = pmusim.violations_frame(r)
    assert set(frame.register) == {"PERF_METRICS (RDPMC)"} and set(frame.step) == {"vmentry"}
    rows = pmusim.mutations_frame([{"mutant": "x", "clean": True, "kinds": "-", **{k: 0 for k in kinds}, "first_cycle": None}])
    assert list(rows.columns) == ["mutant", "clean", "kinds", *kinds, "first_cycle"]

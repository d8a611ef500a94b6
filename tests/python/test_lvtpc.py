"""The guest's LVTPC from Python: the late-ack scenario's PMI accounting, and KVM's auto-mask."""
import pmusim


def run(d):
    return pmusim.run_scenario(pmusim.scenario_from_dict(d))


def test_overflows_inside_a_late_ack_handler_are_not_new_pmis():
    # Given a guest whose sampling period is shorter than its PMI handler, then the physical
    # LVTPC (under the mask the injection set) takes none of the overflows inside a handler.
    d = pmusim.scenario_dict("lvtpc_late_ack")
    d["cycles"] = 600000
    r = run(d)
    vm0 = r["contexts"][1]
    assert r["clean"] and vm0["pmis_inhibited"] > 0 and vm0["pmis_masked"] == 0
    # An early ack unmasks before the handler runs: those overflows raise PMIs of their own.
    d["guests"][0]["perf"]["sample"]["ack"] = "early"
    early = run(d)
    assert early["clean"] and early["contexts"][1]["pmis_inhibited"] == 0
    assert early["contexts"][1]["pmis"] > vm0["pmis"]


def test_kvm_without_the_auto_mask_injects_pmis_bare_metal_would_not():
    d = pmusim.scenario_dict("lvtpc_late_ack")
    d["cycles"] = 600000
    d["kvm_variants"] = ["lvtpc_no_auto_mask"]
    r = run(d)
    assert r["violation_counts"]["pmi_duplicated"] > 0

"""KVM's userspace interface from Python, in the style of vmx_pmu_caps_test and pmu_counters_test:
given this userspace configuration, when userspace or the guest does this, then these values or
this error."""
import errno

import pytest

import pmusim

PERF_METRICS = 1 << 15
FW_WRITE = 1 << 13


def test_perf_capabilities_before_and_after_run():
    v = pmusim.KvmVcpu("sapphirerapids")
    full = v.supported_perf_capabilities
    assert full & PERF_METRICS and full & FW_WRITE
    assert v.set_msrs({"IA32_PERF_CAPABILITIES": 0}) == 1
    assert v.set_msrs({"IA32_PERF_CAPABILITIES": full}) == 1
    assert v.guest_rdmsr("IA32_PERF_CAPABILITIES") == full
    with pytest.raises(pmusim.GeneralProtection):
        v.guest_wrmsr("IA32_PERF_CAPABILITIES", full)
    v.run()
    assert v.set_msrs({"IA32_PERF_CAPABILITIES": full}) == 1
    assert v.set_msrs({"IA32_PERF_CAPABILITIES": 0}) == 0      # immutable after KVM_RUN
    assert v.get_msrs(["IA32_PERF_CAPABILITIES"]) == {"IA32_PERF_CAPABILITIES": full}


def test_perf_metrics_only_with_the_mediated_vpmu():
    assert not pmusim.KvmVcpu("sapphirerapids", mediated=False).supported_perf_capabilities & PERF_METRICS
    legacy = pmusim.KvmVcpu("sapphirerapids", mediated=False)
    assert legacy.set_msrs({0x345: PERF_METRICS}) == 0
    assert 0x329 not in legacy.msrs_to_save() and legacy.vpmu["fixed"] == [0, 1, 2]
    assert 0x329 in pmusim.KvmVcpu("sapphirerapids").msrs_to_save()
    assert 0x329 not in pmusim.KvmVcpu("skylake").msrs_to_save()


def test_cpuid_shaping_and_its_errors():
    v = pmusim.KvmVcpu("sapphirerapids")
    v.set_cpuid(num_fixed=1, fixed_bitmap=0b101)
    assert v.vpmu["fixed"] == [0, 2]
    assert v.intercepted("IA32_FIXED_CTR1") and not v.intercepted("IA32_FIXED_CTR2")
    with pytest.raises(pmusim.GeneralProtection):
        v.guest_rdmsr("IA32_FIXED_CTR1")
    v.set_cpuid(version=0)
    with pytest.raises(pmusim.GeneralProtection):
        v.guest_rdpmc(0)
    v.set_cpuid(version=5, num_fixed=4)
    v.run()
    with pytest.raises(OSError) as e:
        v.set_cpuid(num_gp=2)
    assert e.value.errno == errno.EINVAL and "after KVM_RUN" in e.value.strerror
    with pytest.raises(ValueError, match="unknown field 'gp'"):
        v.set_cpuid(gp=2)


def test_host_initiated_accesses_and_reset():
    v = pmusim.KvmVcpu("sapphirerapids")
    assert v.set_msrs({"IA32_PMC0": 0x80000000, "IA32_PERF_GLOBAL_STATUS": 0x3}) == 2
    assert v.get_msrs(["IA32_PMC0", "IA32_PERF_GLOBAL_STATUS"]) == {"IA32_PMC0": 0x80000000,
                                                                  "IA32_PERF_GLOBAL_STATUS": 0x3}
    v.guest_wrmsr("IA32_PMC0", 0x80000000)          # the guest's write sign-extends bit 31
    assert v.guest_rdmsr("IA32_PMC0") == 0xFFFF80000000
    assert v.set_msrs({"IA32_PMC1": 1, "IA32_PERF_GLOBAL_STATUS": 1 << 40, "IA32_PMC2": 2}) == 1
    v.reset()
    assert set(v.get_msrs(["IA32_PMC0", "IA32_PERF_GLOBAL_STATUS", "IA32_PERF_GLOBAL_CTRL"]).values()) == {0}
    with pytest.raises(ValueError, match="no PMU MSR named 'IA32_NOPE'"):
        v.get_msrs(["IA32_NOPE"])


def test_a_vmm_in_a_scenario_from_python():
    # Given the built-in VMM scenario as a dict, when the VMM's KVM_SET_MSRS writes a counter,
    # then the KVM_GET_MSRS record shows it beside the guest's bare-metal value.
    d = pmusim.scenario_dict("vmm_userspace")
    d["vmm"] = [{"at": 100000, "vcpu": "vm0", "set_msrs": [{"IA32_PMC1": 1234}]},
                {"at": 100000, "vcpu": "vm0", "get_msrs": ["IA32_PMC1"], "expect": {"IA32_PMC1": {"equals": 1234}}}]
    d["cycles"] = 300000
    r = pmusim.run_scenario(pmusim.scenario_from_dict(d))
    f = pmusim.accesses_frame(r)
    got = f[(f["label"] == "vmm: get_msrs") & (f["register"] == "IA32_PMC1")]
    assert got["value"].item() == 1234 and got["bare_value"].item() == 1234
    assert r["passed"]
    d["guests"][0]["perf_capabilities"] = 0x1000
    with pytest.raises(ValueError, match="perf_capabilities: PERF_CAPABILITIES bits KVM does not support"):
        pmusim.run_scenario(pmusim.scenario_from_dict(d))

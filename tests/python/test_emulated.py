"""Instructions KVM emulates, from Python: pmusim.guest.emulate in a generator program."""
import pytest

import pmusim
from pmusim import guest


def scenario(vm_extra=""):
    return pmusim.parse_scenario(
        "cpu: sapphirerapids\ncycles: 300000\nguests:\n  - name: vm0\n    workload: pointer_chase\n"
        "    run: {dist: uniform, min: 2000, max: 9000}\n" + vm_extra)


def counting_program():
    yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 0)
    yield guest.wrmsr("IA32_FIXED_CTR_CTRL", 0x3)          # FIXED_CTR0: instructions, all rings
    yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 1 << 32)
    for _ in range(20):
        yield guest.emulate("cpuid")
        yield guest.emulate("hlt")
    yield guest.rdmsr("IA32_FIXED_CTR0", label="count")


def test_kvm_counts_emulated_instructions_and_refuses_the_fastpath():
    r = pmusim.run_scenario(scenario(), programs={"vm0": counting_program})
    vm0 = r["contexts"][1]
    assert r["passed"]
    assert vm0["exits"]["cpuid"] == 20 and vm0["exits"]["hlt"] == 20 and "hlt_fastpath" not in vm0["exits"]


def test_without_kvms_count_the_guest_reads_less_than_bare_metal():
    s = pmusim.parse_scenario(
        "cpu: sapphirerapids\ncycles: 300000\nkvm_variants: [emulated_not_counted]\nguests:\n  - name: vm0\n"
        "    workload: pointer_chase\n    run: {dist: uniform, min: 2000, max: 9000}\n")
    r = pmusim.run_scenario(s, programs={"vm0": counting_program})
    f = pmusim.accesses_frame(r)
    row = f[f["label"] == "count"]
    assert row["bare_value"].item() - row["value"].item() == 40
    assert not r["clean"]


def test_an_unknown_instruction_is_a_value_error():
    def bad():
        yield guest.emulate("rdtsc")
    with pytest.raises(ValueError, match="emulated instruction 'rdtsc': unknown"):
        pmusim.run_scenario(scenario(), programs={"vm0": bad})


def test_a_kvm_vcpu_counts_an_emulated_instruction_and_decides_the_fastpath():
    # Given FIXED_CTR0 and PMC0 counting instructions (PMC0 with INT, one below overflow), when
    # KVM emulates one, then both count it and the overflow asks for a PMI; the fastpath is
    # refused while instructions are counted, and allowed once GLOBAL_CTRL clears them.
    v = pmusim.KvmVcpu("sapphirerapids")
    v.guest_wrmsr("IA32_FIXED_CTR_CTRL", 0x3)
    v.guest_wrmsr("IA32_PERFEVTSEL0", 0x5300C0)
    v.guest_wrmsr("IA32_A_PMC0", (1 << 48) - 1)
    v.guest_wrmsr("IA32_PERF_GLOBAL_CTRL", (1 << 32) | 1)
    assert not v.fastpath_allowed
    assert v.emulate_instruction("cpuid") is True
    assert v.guest_rdmsr("IA32_FIXED_CTR0") == 1 and v.guest_rdmsr("IA32_PMC0") == 0
    assert v.guest_rdmsr("IA32_PERF_GLOBAL_STATUS") & 1
    v.guest_wrmsr("IA32_PERF_GLOBAL_CTRL", 0)
    assert v.fastpath_allowed
    assert v.emulate_instruction("hlt") is False
    assert v.guest_rdmsr("IA32_FIXED_CTR0") == 1
    with pytest.raises(ValueError, match="emulated instruction 'nop': unknown"):
        v.emulate_instruction("nop")

// Instructions KVM emulates on a VM exit (docs/virtualization.md "Emulated instructions"), declared
// once: the exit they take, whether they also retire as a branch, and whether KVM can complete
// them in its fastpath (handled right after the VM-exit, without leaving the inner run loop: no
// put and no load of the mediated vPMU). On bare metal each retires as one instruction; under
// KVM the exit keeps it from retiring in hardware, and KVM counts it in software
// (kvm_pmu_instruction_retired, kvm_pmu_branch_retired).
#pragma once
#include <string>
#include <vector>

namespace pmusim {

struct EmulatedInstr {
    const char* name;    // in guest programs: `emulate: NAME`
    const char* exit;    // exit reason in reports
    bool branch;         // a branch: BR_INST_RETIRED counts it too
    bool fastpath;       // KVM completes it in the fastpath when kvm_pmu_is_fastpath_emulation_allowed
    const char* source;
};

const std::vector<EmulatedInstr>& emulated_instructions();
// Throws std::invalid_argument naming the known instructions.
unsigned emulated_instruction_index(const std::string& name);

}  // namespace pmusim

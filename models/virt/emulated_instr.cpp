#include "models/virt/emulated_instr.h"

#include <stdexcept>

#include "models/core/quote_value.h"

namespace pmusim {

const std::vector<EmulatedInstr>& emulated_instructions() {
    // Sources: arch/x86/kvm/x86.c unless named otherwise.
    static const std::vector<EmulatedInstr> table = {
        {"cpuid", "cpuid", false, false, "kvm_emulate_cpuid -> kvm_skip_emulated_instruction (arch/x86/kvm/cpuid.c)"},
        {"hlt", "hlt", false, true, "handle_fastpath_hlt; the vCPU has an interrupt pending and runs on"},
        {"invd", "invd", false, true, "handle_fastpath_invd"},
        {"wrmsr_tsc_deadline", "msr", false, true, "handle_fastpath_wrmsr (MSR_IA32_TSC_DEADLINE)"},
        {"wrmsr_x2apic_icr", "msr", false, true, "handle_fastpath_wrmsr (x2APIC ICR, 0x830)"},
        {"fep_nop", "emulation", false, false,
         "x86_emulate_instruction on the forced-emulation prefix (force_emulation_prefix)"},
        {"fep_jmp", "emulation", true, false,
         "x86_emulate_instruction: an emulated branch also calls kvm_pmu_branch_retired"},
    };
    return table;
}

unsigned emulated_instruction_index(const std::string& name) {
    std::string all;
    const auto& t = emulated_instructions();
    for (unsigned i = 0; i < t.size(); ++i) {
        if (name == t[i].name) return i;
        all += std::string(all.empty() ? "" : ", ") + t[i].name;
    }
    throw std::invalid_argument("emulated instruction " + quote_value(name) + ": unknown (known: " + all + ")");
}

}  // namespace pmusim

#include "sim/machine.h"

#include "sim/platform.h"

namespace pmusim {

Machine::Machine(const MachineOptions& opts) : mode_(opts.mode) {
    Overrides cpu_ov;
    Semantics sem;
    for (auto& [k, v] : opts.overrides) {
        bool is_sem = false;
        for (auto& f : semantics_fields()) is_sem = is_sem || f.first == k;
        if (is_sem) apply_semantics_override(sem, k, v);
        else cpu_ov[k] = v;
    }
    pmu_ = std::make_unique<Pmu>(make_cpu_config(opts.cpu, cpu_ov), sem, nullptr);
    set_quantum(opts.quantum);
}

Machine::~Machine() {
    Platform& p = Platform::get();
    if (p.active == this) {
        p.pmu.attach(nullptr);
        p.core.attach(nullptr);
        p.active = nullptr;
    }
}

void Machine::set_quantum(uint64_t q) {
    if (q == 0) throw ConfigError("quantum", "must be at least 1 cycle");
    quantum_ = q;
}

MsrPort& Machine::activate(bool force) {
    Platform& p = Platform::get();
    if (p.active != this || force) {
        p.pmu.attach(pmu_.get());
        p.core.attach(&pmu_->workload());
        p.active = this;
    }
    p.pmu.set_mode(mode_, quantum_);
    return p.cpu;
}

uint64_t Machine::rdmsr(uint32_t msr) { return activate().rdmsr(msr); }
void Machine::wrmsr(uint32_t msr, uint64_t v) { activate().wrmsr(msr, v); }
uint64_t Machine::rdpmc(uint32_t ecx, unsigned cpl) { return activate().rdpmc(ecx, cpl); }
AccessResult Machine::try_rdmsr(uint32_t msr) { return activate().try_rdmsr(msr); }
AccessResult Machine::try_wrmsr(uint32_t msr, uint64_t v) { return activate().try_wrmsr(msr, v); }
AccessResult Machine::try_rdpmc(uint32_t ecx, unsigned cpl) { return activate().try_rdpmc(ecx, cpl); }

RunResult Machine::run(uint64_t cycles, bool stop_on_pmi) {
    activate();
    Platform& p = Platform::get();
    const uint64_t start = cycle();
    if (cycles == 0) return {};
    p.pmu.begin_run(start + cycles, stop_on_pmi);
    sc_core::sc_start(Platform::cycle_period() * static_cast<double>(cycles));
    const bool stopped = p.pmu.finish_run();
    return {cycle() - start, stopped};
}

}  // namespace pmusim

// A bare Machine behind a minimal StepContext, for protocol steps on their own (built-in and
// custom): KVM's accesses go straight to the PMU, the handovers only set flags.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "models/virt/costs.h"
#include "models/virt/protocol.h"
#include "models/virt/step_context.h"
#include "sim/machine.h"

namespace pmusim {

class BareContext : public StepContext {
public:
    BareContext() : m(MachineOptions{}), v(1, m.cpu(), VpmuConfig{}, true) {}
    Result rdmsr(uint32_t a) override { return result(m.try_rdmsr(a)); }
    Result rdpmc(uint32_t e) override { return result(m.try_rdpmc(e)); }
    void wrmsr(uint32_t a, uint64_t x, Taint) override { writes.push_back(a), m.wrmsr(a, x); }
    KvmVpmu& vcpu() override { return v; }
    const CpuConfig& host() const override { return m.cpu(); }
    const Costs& costs() const override { return c; }
    void elapse(uint64_t n) override { m.run(n); }
    void vmx_load_global_ctrl(uint64_t x, Taint) override { m.wrmsr(msr::kGlobalCtrl, x); }
    Result hw_global_ctrl() const override { return {true, m.pmu().state().global_ctrl, 0}; }
    void verified_counter(unsigned, Taint) override {}
    void verified_status(uint64_t, uint64_t, Taint) override {}
    void set_lvtpc_guest(bool g, bool) override { lvtpc_guest = g; }
    void host_perf_sched_out(bool) override {}
    void host_perf_sched_in() override {}
    uint64_t host_perf_counter_bits() const override { return 0; }
    uint64_t gp_counters_in_use() const override { return 0; }
    void host_counting(bool) override {}
    void enter_guest() override { entered = true; }
    void pmu_to_host(bool) override { handed = true; }

    void run(const std::string& step) { find_step(step)->behaviour(*this); }
    void run(const StepInfo& step) { step.behaviour(*this); }

    Machine m;
    KvmVpmu v;
    Costs c;
    std::vector<uint32_t> writes;
    bool lvtpc_guest = false, entered = false, handed = false;

private:
    static Result result(const AccessResult& a) { return {a.ok, a.value, 0}; }
};


}  // namespace pmusim

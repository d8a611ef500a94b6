#include "sim/machine.h"

#include <atomic>
#include <stdexcept>
#include <thread>

#include "sim/platform.h"
#include "sim/pmu_trace.h"
#include "sim/sc_run.h"

namespace pmusim {

PlatformHold::PlatformHold() : outer_(!held_here()) {
    if (!outer_) return;
    Platform::mutex().lock();
    holder_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    ++taken_;
}

PlatformHold::~PlatformHold() {
    if (!outer_) return;
    holder_.store(std::thread::id(), std::memory_order_relaxed);
    Platform::mutex().unlock();
}

// A Machine call's turn on the platform: the mutex, unless this thread's PlatformHold has it.
class PlatformLock {
public:
    PlatformLock() : take_(!PlatformHold::held_here()) {
        if (take_) Platform::mutex().lock();
    }
    ~PlatformLock() {
        if (take_) Platform::mutex().unlock();
    }
    PlatformLock(const PlatformLock&) = delete;
    PlatformLock& operator=(const PlatformLock&) = delete;

private:
    bool take_;
};

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
    platform_ = &Platform::get();
    set_quantum(opts.quantum);
}

void Machine::trace(const std::string& path, const std::vector<std::string>& signals, uint64_t sample) {
    auto t = std::make_unique<PmuTrace>(path, *pmu_, signals, "pmusim machine " + pmu_->cpu().preset);
    t->begin();
    trace_ = std::move(t);
    trace_sample_ = sample;
    traced();
}

void Machine::end_trace() {
    if (trace_) trace_->close();
    trace_.reset();
}

void Machine::trace_now() {
    trace_->pmis(*pmu_);
    trace_->sample(*pmu_);
}

Machine::~Machine() {
    const PlatformLock lock;
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

// Callers hold Platform::mutex() until their access or run ends.
MsrPort& Machine::activate(bool force) {
    Platform& p = *platform_;
    if (p.active != this || force) {
        ahead_ = 0;  // attach anchors the PMU's cycle to SystemC time now
        p.pmu.attach(pmu_.get());
        p.core.attach(&pmu_->workload());
        p.active = this;
    }
    p.pmu.set_mode(mode_, quantum_);
    return p.cpu;
}

void Machine::set_workload(std::unique_ptr<Workload> w) {
    const PlatformLock lock;
    pmu_->set_workload(std::move(w));
    activate(true);
}

uint64_t Machine::rdmsr(uint32_t msr) {
    const PlatformLock lock;
    return activate().rdmsr(msr);
}
void Machine::wrmsr(uint32_t msr, uint64_t v) {
    const PlatformLock lock;
    activate().wrmsr(msr, v);
    traced();
}
uint64_t Machine::rdpmc(uint32_t ecx, unsigned cpl) {
    const PlatformLock lock;
    const uint64_t v = activate().rdpmc(ecx, cpl);
    traced();  // a metrics-clear RDPMC changes state
    return v;
}
AccessResult Machine::try_rdmsr(uint32_t msr) {
    const PlatformLock lock;
    MsrPort& port = activate();
    return port.try_rdmsr(msr, lead());
}
AccessResult Machine::try_wrmsr(uint32_t msr, uint64_t v) {
    const PlatformLock lock;
    MsrPort& port = activate();
    const AccessResult r = port.try_wrmsr(msr, v, lead());
    traced();
    return r;
}
AccessResult Machine::try_rdpmc(uint32_t ecx, unsigned cpl) {
    const PlatformLock lock;
    MsrPort& port = activate();
    const AccessResult r = port.try_rdpmc(ecx, cpl, lead());
    traced();
    return r;
}

AccessResult Machine::access(AccessKind k, uint32_t index, uint64_t value, unsigned cpl) {
    const PlatformLock lock;
    activate();
    switch (k) {
        case AccessKind::Rdmsr: return pmu_->rdmsr(index);
        case AccessKind::Wrmsr: {
            AccessResult r = pmu_->wrmsr(index, value);  // not const: returned without a copy of its text
            traced();
            return r;
        }
        case AccessKind::Rdpmc: {
            AccessResult r = pmu_->rdpmc(index, cpl);
            traced();  // a metrics-clear RDPMC changes state
            return r;
        }
    }
    return AccessResult::gp("unknown access kind");
}

Pmu* Machine::direct_pmu() {
    if (!PlatformHold::held_here() || trace_) return nullptr;
    activate();
    return pmu_.get();
}

RunResult Machine::run(uint64_t cycles, bool stop_on_pmi) {
    const PlatformLock lock;
    if (trace_ && trace_sample_ && cycles > trace_sample_) {
        // Sampled: run in chunks, writing the waveform after each.
        RunResult total;
        while (total.cycles < cycles) {
            const RunResult r = run_chunk(std::min(trace_sample_, cycles - total.cycles), stop_on_pmi);
            total.cycles += r.cycles;
            traced();
            if (r.stopped_on_pmi) {
                total.stopped_on_pmi = true;
                break;
            }
            if (r.cycles == 0) break;
        }
        return total;
    }
    const RunResult r = run_chunk(cycles, stop_on_pmi);
    traced();
    return r;
}

sc_core::sc_time Machine::lead() const {
    return ahead_ ? sc_core::sc_time::from_value(ahead_ * Platform::cycle_period().value()) : sc_core::SC_ZERO_TIME;
}

RunResult Machine::advance(uint64_t cycles, bool stop_on_pmi) {
    const PlatformLock lock;
    activate();
    const uint64_t start = cycle(), to = start + cycles;
    const bool pmi = mode_ == TimeMode::PerCycle ? pmu_->advance_per_cycle(to, stop_on_pmi) : pmu_->advance_fast(to, stop_on_pmi);
    ahead_ += cycle() - start;
    traced();
    return {cycle() - start, pmi};
}

RunResult Machine::run_chunk(uint64_t cycles, bool stop_on_pmi) {
    activate();
    ahead_ = 0;  // begin_run anchors the PMU's cycle to SystemC time now
    Platform& p = Platform::get();
    const uint64_t start = cycle();
    if (cycles == 0) return {};
    // SystemC's clock is one 64-bit count of its resolution for the whole process: a run that would
    // pass its end is refused here, before sc_start computes a time that wraps.
    const uint64_t period = Platform::cycle_period().value();
    const uint64_t left = (~uint64_t(0) - sc_core::sc_time_stamp().value()) / period;
    if (cycles > left)
        throw std::invalid_argument("cycles: " + std::to_string(cycles) + " more cycles pass the end of SystemC's time base (" +
                                    std::to_string(left) + " cycles left in this process; see Limits in docs/user-guide.md)");
    p.pmu.begin_run(start + cycles, stop_on_pmi);
    run_systemc(sc_core::sc_time::from_value(cycles * period));  // exact, unlike a product in double
    const bool stopped = p.pmu.finish_run();
    return {cycle() - start, stopped};
}

}  // namespace pmusim

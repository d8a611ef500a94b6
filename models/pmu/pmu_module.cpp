#include "models/pmu/pmu_module.h"

#include <cstring>

#include "models/pmu/tlm_msr.h"

namespace pmusim {

using namespace sc_core;

PmuModule::PmuModule(sc_module_name name, sc_time cycle_period)
    : sc_module(name), msr_socket("msr_socket"), rdpmc_socket("rdpmc_socket"), core("core"), period_(cycle_period) {
    msr_socket.register_b_transport(this, &PmuModule::msr_transport);
    rdpmc_socket.register_b_transport(this, &PmuModule::rdpmc_transport);
    SC_METHOD(clock_method);
}

// Simulation cycles in integer time units (the resolution's), not sc_time arithmetic.
int64_t PmuModule::sim_cycle(const sc_time& t) const { return static_cast<int64_t>(t.value() / period_.value()); }

void PmuModule::anchor() {
    const int64_t now = sim_cycle(sc_time_stamp());
    offset_ = pmu_ ? now - static_cast<int64_t>(pmu_->cycle()) : now;
    armed_ = false;  // the clock's next cycle is computed from the time again
}

void PmuModule::attach(Pmu* pmu) {
    pmu_ = pmu;
    anchor();
}

uint64_t PmuModule::cycle_at(const sc_time& delay) const {
    return static_cast<uint64_t>(std::max<int64_t>(0, sim_cycle(sc_time_stamp() + delay) - offset_));
}

bool PmuModule::sync(uint64_t cycle) {
    if (!pmu_ || cycle <= pmu_->cycle()) return false;
    const bool stop = stop_on_pmi_;
    const bool pmi = mode_ == TimeMode::PerCycle ? pmu_->advance_per_cycle(cycle, stop) : pmu_->advance_fast(cycle, stop);
    if (pmi) stopped_at_pmi();
    return pmi;
}

void PmuModule::begin_run(uint64_t target, bool stop_on_pmi) {
    anchor();
    target_ = target;
    stop_on_pmi_ = stop_on_pmi;
    stopped_ = false;
    run_event_.notify(SC_ZERO_TIME);
}

bool PmuModule::finish_run() {
    if (!stopped_) sync(target_);
    const bool stopped = stopped_;
    stop_on_pmi_ = false;
    target_ = pmu_ ? pmu_->cycle() : 0;
    anchor();
    return stopped;
}

// One activation per cycle (per-cycle mode) or per quantum (fast mode). An SC_METHOD re-armed with
// next_trigger: an activation is a function call, where an SC_THREAD's wait() is a coroutine
// switch, about twice the cost per cycle (docs/performance.md "Per-cycle mode"). Re-armed for
// the next cycle, it knows that cycle without reading the time (until anchor() moves the offset).
void PmuModule::clock_method() {
    // Per-cycle mode's common case first: re-armed for this cycle, inside the run, and the cycle
    // raises no PMI that stops it. The same steps as below, without re-reading the time or mode.
    if (armed_ && !stopped_ && mode_ == TimeMode::PerCycle) {
        const uint64_t now = armed_cycle_;
        if (pmu_->cycle() < now && now < target_) {
            if (!pmu_->advance_per_cycle(now, stop_on_pmi_)) {
                armed_cycle_ = now + 1;
                return next_trigger(period_);
            }
            armed_ = false;  // a PMI stopped the run: reported as sync does, and the run pauses
            stopped_at_pmi();
            sc_pause();
            return next_trigger(run_event_);
        }
    }
    const bool armed = armed_;
    armed_ = false;
    if (!pmu_ || stopped_ || pmu_->cycle() >= target_) return next_trigger(run_event_);
    const uint64_t now = armed ? armed_cycle_ : cycle_at(SC_ZERO_TIME);
    if (sync(now) && stopped_) {
        sc_pause();
        return next_trigger(run_event_);
    }
    if (pmu_->cycle() >= target_) return next_trigger(run_event_);
    if (mode_ == TimeMode::PerCycle) {
        armed_ = true;
        armed_cycle_ = now + 1;
        return next_trigger(period_);
    }
    next_trigger(period_ * static_cast<double>(std::min<uint64_t>(quantum_, target_ - pmu_->cycle())));
}

namespace {
void fault(tlm::tlm_generic_payload& t, const std::string& why) {
    if (GpExtension* gp = t.get_extension<GpExtension>()) gp->reason = why;
    t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
}
}  // namespace

void PmuModule::msr_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    if (!pmu_) return fault(t, "no PMU attached");
    if (t.get_data_length() != 8) {
        t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    sync(cycle_at(delay));
    const uint32_t msr = static_cast<uint32_t>(t.get_address());
    uint64_t v = 0;
    AccessResult r;
    if (t.is_write()) {
        std::memcpy(&v, t.get_data_ptr(), 8);
        r = pmu_->wrmsr(msr, v);
    } else {
        r = pmu_->rdmsr(msr);
        if (r.ok) std::memcpy(t.get_data_ptr(), &r.value, 8);
    }
    if (!r.ok) return fault(t, r.reason);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
}

void PmuModule::rdpmc_transport(tlm::tlm_generic_payload& t, sc_time& delay) {
    if (!pmu_) return fault(t, "no PMU attached");
    if (t.get_data_length() != 8 || !t.is_read()) {
        t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    sync(cycle_at(delay));
    const AccessContext* ctx = t.get_extension<AccessContext>();
    const AccessResult r = pmu_->rdpmc(static_cast<uint32_t>(t.get_address()), ctx ? ctx->cpl : 0);
    if (!r.ok) return fault(t, r.reason);
    std::memcpy(t.get_data_ptr(), &r.value, 8);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace pmusim

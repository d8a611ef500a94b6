// The core as the PMU sees it: a SystemC module holding the running workload and answering, for
// any cycle, its event vector, CPL and halted state. The PMU reaches it through event_source_if
// (an sc_export, no signal per cycle, so per-cycle mode stays cheap); the PMU's own evaluation walks
// the same workload with a RunCursor, which gives identical vectors.
#pragma once
#include <systemc>

#include "models/core/workload.h"

namespace pmusim {

class event_source_if : public virtual sc_core::sc_interface {
public:
    virtual const Workload* workload() const = 0;
    // Cycle `c`'s events, CPL and halted state (zeros and CPL 3 with no workload attached).
    virtual EventVector events(uint64_t c) const = 0;
    virtual uint8_t cpl(uint64_t c) const = 0;
    virtual bool halted(uint64_t c) const = 0;
};

class CoreEventSource : public sc_core::sc_module, public event_source_if {
public:
    sc_core::sc_export<event_source_if> source;

    explicit CoreEventSource(sc_core::sc_module_name name) : sc_module(name), source("source") { source.bind(*this); }
    void attach(const Workload* w) { workload_ = w; }

    const Workload* workload() const override { return workload_; }
    EventVector events(uint64_t c) const override {
        return workload_ ? events_at(*workload_, c) : EventVector::Zero().eval();
    }
    uint8_t cpl(uint64_t c) const override { return workload_ ? workload_->run_at(c).cpl : 3; }
    bool halted(uint64_t c) const override { return workload_ && workload_->run_at(c).halted; }

private:
    const Workload* workload_ = nullptr;
};

}  // namespace pmusim

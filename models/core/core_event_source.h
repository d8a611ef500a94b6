// The core as the PMU sees it: a SystemC module that holds the running workload and, cycle by
// cycle, the event vector, CPL and halted state it produces. The PMU pulls from it through
// event_source_if (no signal per cycle, so per-cycle mode stays cheap); in per-cycle mode the
// module also latches the current cycle's values for tracing.
#pragma once
#include <systemc>

#include "models/core/workload.h"

namespace pmusim {

class event_source_if : public virtual sc_core::sc_interface {
public:
    virtual const Workload* workload() const = 0;
};

class CoreEventSource : public sc_core::sc_module, public event_source_if {
public:
    sc_core::sc_export<event_source_if> source;

    explicit CoreEventSource(sc_core::sc_module_name name) : sc_module(name), source("source") { source.bind(*this); }
    void attach(const Workload* w) { workload_ = w; }
    const Workload* workload() const override { return workload_; }

    // Latch cycle `c`'s values (per-cycle mode with tracing).
    void latch(uint64_t c) {
        if (!workload_) return;
        const Run r = workload_->run_at(c);
        events_ = events_at(*workload_, c);
        cpl_ = r.cpl;
        halted_ = r.halted;
    }
    const EventVector& events() const { return events_; }
    uint8_t cpl() const { return cpl_; }
    bool halted() const { return halted_; }

private:
    const Workload* workload_ = nullptr;
    EventVector events_ = EventVector::Zero();
    uint8_t cpl_ = 3;
    bool halted_ = false;
};

}  // namespace pmusim

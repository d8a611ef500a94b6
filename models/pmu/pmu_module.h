// SystemC face of the PMU: TLM-2.0 target sockets for MSR and RDPMC accesses, and the process
// that moves the PMU through time, either one cycle per SystemC time step (per-cycle mode) or in
// large quanta with overflow cycles computed arithmetically (fast mode, temporal decoupling).
// The Pmu is always advanced lazily up to the time of an access, so accesses from any process
// see the exact cycle's state whatever the mode.
#pragma once
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/core/core_event_source.h"
#include "models/pmu/pmu.h"

namespace pmusim {

enum class TimeMode { PerCycle, Fast };

class PmuModule : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<PmuModule> msr_socket;
    tlm_utils::simple_target_socket<PmuModule> rdpmc_socket;
    sc_core::sc_port<event_source_if> core;
    sc_core::sc_event pmi_event;  // notified when a PMI is raised during a run

    SC_HAS_PROCESS(PmuModule);
    PmuModule(sc_core::sc_module_name name, sc_core::sc_time cycle_period);

    const sc_core::sc_time& cycle_period() const { return period_; }
    // Bind a PMU (owned elsewhere) and anchor its cycle counter to the current simulation time.
    void attach(Pmu* pmu);
    Pmu* attached() const { return pmu_; }
    void set_mode(TimeMode m, uint64_t quantum) { mode_ = m; quantum_ = quantum ? quantum : 1; }
    TimeMode mode() const { return mode_; }
    uint64_t quantum() const { return quantum_; }
    // Start a run to `target` (exclusive); the caller then calls sc_start.
    void begin_run(uint64_t target, bool stop_on_pmi);
    // After sc_start returns: account the cycles up to the target unless stopped by a PMI.
    // Returns true if the run stopped on a PMI.
    bool finish_run();
    // Bring the PMU to `cycle` in the current mode (never backwards).
    bool sync(uint64_t cycle);
    // The machine cycle at simulation time now + delay.
    uint64_t cycle_at(const sc_core::sc_time& delay) const;

private:
    void clock_method();
    // A PMI stopped the run (stop_on_pmi): the run is over for this module, and pmi_event tells
    // the waiting processes.
    void stopped_at_pmi() {
        stopped_ = true;
        pmi_event.notify(sc_core::SC_ZERO_TIME);
    }
    void msr_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
    void rdpmc_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay);
    void anchor();
    int64_t sim_cycle(const sc_core::sc_time& t) const;

    sc_core::sc_time period_;
    Pmu* pmu_ = nullptr;
    int64_t offset_ = 0;  // simulation cycle - machine cycle
    TimeMode mode_ = TimeMode::Fast;
    uint64_t quantum_ = 1'000'000;
    uint64_t target_ = 0;
    bool stop_on_pmi_ = false, stopped_ = false;
    bool armed_ = false;         // the clock re-armed itself for one period, for cycle armed_cycle_
    uint64_t armed_cycle_ = 0;
    sc_core::sc_event run_event_;
};

}  // namespace pmusim

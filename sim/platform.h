// The elaborated platform of one process: core event source, PMU and an MSR port, bound once.
// SystemC elaborates once per process and cannot restart, so every Machine of the process shares
// this platform and is attached to it while it runs or is accessed (docs/architecture.md).
#pragma once
#include <mutex>
#include <systemc>

#include "models/core/core_event_source.h"
#include "models/pmu/msr_port.h"
#include "models/pmu/pmu_module.h"

namespace pmusim {

class Machine;

class Platform {
public:
    static Platform& get();  // elaborates on first use
    static const sc_core::sc_time& cycle_period();  // 1 ns: one core clock at 1 GHz
    // Held by every Machine from its activation to the end of each access or run, so that Machines
    // used from several threads take turns on the one platform (docs/python.md "Threads").
    // Recursive: a run activates, and a Machine's calls nest.
    static std::recursive_mutex& mutex();

    CoreEventSource core;
    PmuModule pmu;
    MsrPort cpu;
    Machine* active = nullptr;

private:
    Platform();
};

// Turn SystemC errors and fatals into C++ exceptions (never abort the host process); warnings are
// counted and, if `warnings_throw`, thrown too.
void install_report_handler(bool warnings_throw);
unsigned systemc_warning_count();

}  // namespace pmusim

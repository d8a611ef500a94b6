// The register suite (docs/virtualization.md "The register suite inside a guest"): the project's
// bare-metal register expectations (tests/cpp/test_msr_access.cpp, test_overflow.cpp,
// test_perf_metrics_register.cpp) written once as a guest program for a guest CPU, so that they
// run inside a guest: the read/write/#GP matrix per PMU version and FW_WRITE, the fixed-counter
// bitmap, RDPMC encodings, overflow from a 1-N preset on every counter, a write to a running
// counter, CMASK/INV, and the PERF_METRICS sequence of KVM's selftest. Each expectation is the
// SDM's rule for that CPU, independent of the model's register table.
#pragma once
#include <string>
#include <vector>

#include "models/cpu/cpu_config.h"
#include "models/virt/guest_program.h"

namespace pmusim {

GuestProgram register_suite(const CpuConfig& cpu);

// Built-in programs by name (a scenario's `program: NAME`); throws std::invalid_argument for an
// unknown name, listing the known ones.
GuestProgram builtin_program(const std::string& name, const CpuConfig& cpu);
std::vector<std::string> builtin_program_names();

}  // namespace pmusim

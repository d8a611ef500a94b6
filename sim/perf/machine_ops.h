// Runs the operations of the perf model (sim/perf/perf_model.h) on a bare Machine: each one is
// performed at once, in queue order, at the machine's current cycle (an access on a bare
// Machine takes no cycles), and its `done` is called with the value read and that cycle. What
// `done` queues in front (a read-modify-write's write) runs next. A #GP throws
// GeneralProtection, as any Machine access does.
#pragma once
#include "sim/machine.h"
#include "sim/perf/perf_model.h"

namespace pmusim {

void run_ops(Machine& m, OpQueue& q);

}  // namespace pmusim

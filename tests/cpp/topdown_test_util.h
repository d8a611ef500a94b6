// The TMA tests' common run: a steady phase on a preset in fast mode, `pmusim topdown --nodes`
// over `cycles`, and a node's value in a breakdown.
#pragma once
#include <string>

#include "models/core/workload.h"
#include "pmu_test_util.h"
#include "sim/topdown.h"
#include "tma/tma_engine.h"

namespace pmusim::test {

inline TopdownReport subtree_run(const std::string& cpu, const SteadyParams& phase, const std::string& nodes,
                                 unsigned level, uint64_t cycles = 8'000'000) {
    auto m = make_machine(cpu, {}, TimeMode::Fast, phase);
    TopdownOptions o;
    o.level = level;
    o.cycles = cycles;
    o.nodes = nodes;
    return run_topdown(*m, o);
}

inline double node(const tma::Breakdown& b, tma::Node n) { return b[tma::ni(n)]; }

}  // namespace pmusim::test

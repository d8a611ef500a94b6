// The TMA tests' common run: a steady phase on a preset in fast mode, `pmusim topdown --nodes`
// over `cycles`; a library archetype's run; and a node's value in a breakdown.
#pragma once
#include <string>

#include "models/core/workload.h"
#include "pmu_test_util.h"
#include "sim/topdown.h"
#include "sim/workload_file.h"
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

// `pmusim topdown -w name --cpu cpu -l level -I interval` over one pass (or `cycles`).
inline TopdownReport run_archetype(const std::string& cpu, const std::string& name, unsigned level,
                                   uint64_t interval, TimeMode mode = TimeMode::Fast, uint64_t cycles = 0) {
    auto m = make_machine(cpu, {}, mode);
    auto w = load_workload_file(workload_library_dir() + "/" + name + ".yaml");
    const uint64_t len = w->length();
    m->set_workload(std::move(w));
    TopdownOptions o;
    o.level = level;
    o.cycles = cycles ? cycles : len;
    o.interval = interval;
    return run_topdown(*m, o);
}

inline double node(const tma::Breakdown& b, tma::Node n) { return b[tma::ni(n)]; }

}  // namespace pmusim::test

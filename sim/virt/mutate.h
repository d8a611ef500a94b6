// Mutation analysis of a protocol under a scenario (docs/virtualization.md "Mutation analysis"):
// every step removed in turn, every order-sensitive pair swapped; each mutant is run and the
// checks that fire are tabulated. A mutant that runs clean means the step (or the order) is
// redundant under that scenario, which is a finding in itself.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "sim/virt/hypervisor.h"

namespace pmusim {

struct Mutant {
    std::string name;  // e.g. "remove:put_perf_metrics", "swap:load_guest_pmcs,load_perf_metrics"
    ProtocolEdit edit;
};

struct MutantResult {
    std::string name;
    std::array<uint64_t, kNumViolationKinds> count{};
    std::array<uint64_t, kNumViolationKinds> first{};
    uint64_t first_cycle = ~0ull;  // first violation of any kind
    std::string kinds;             // "-" when clean
    bool clean() const { return kinds == "-"; }
};

std::vector<Mutant> protocol_mutants(const Protocol& p);
MutantResult run_mutant(const Scenario& s, const Protocol& p, const std::string& name);
// The unmutated protocol first (named "baseline"), then every mutant.
std::vector<MutantResult> mutate_scenario(const Scenario& s,
                                          const std::function<void(size_t done, size_t total)>& progress = {});
// Plain text (the CLI) or a Markdown table (docs).
std::string mutation_table(const std::vector<MutantResult>& r, bool markdown);

}  // namespace pmusim

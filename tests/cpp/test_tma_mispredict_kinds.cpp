// Lunar Lake's six mispredict kinds under Branch_Mispredicts, as intel/perfmon LNL defines them:
// each kind's retired mispredicts (BR_MISP_RETIRED.<kind>_COST) times their mean retire latency
// (`:retire_latency`, perf's `:R`: the mean of the PEBS samples' retire-latency field) over CLKS;
// Ind_Jump_Mispredicts is INDIRECT_COST's (calls and jumps) less INDIRECT_CALL_COST's.
// Given a workload whose mispredicts are a known mix of kinds with known costs, when perf measures
// the subtree, then the retire latency read is each kind's cost, each node is count x cost / CLKS,
// and that is the truth the workload describes.
#include <cmath>

#include "sim/perf/perf_events.h"
#include "sim/perf_stat.h"
#include "topdown_test_util.h"

using namespace pmusim;
using namespace pmusim::test;
using tma::Node;

namespace {

// Mispredicts at 12 % of the slots, 0.01 per cycle: the phase's mean cost is 0.12 x 8 / 8 / 0.01
// = 12 cycles per mispredict, the cost of the kinds whose cost is left at 0 (RET below).
SteadyParams kinds_phase() {
    SteadyParams p;
    p.slot_mix = {0.25, 0.05, 0.12, 0.04, 0.15, 0.2, 0.11, 0.08};
    p.instructions = 1.2;
    p.branches = 0.2;
    p.branch_misses = 0.01;
    p.misp_kinds = {0.4, 0.2, 0.1, 0.1, 0.1, 0.05};
    p.misp_costs = {12, 8, 20, 30, 25, 0};
    return p;
}

TopdownReport kinds_run(const std::string& cpu, const SteadyParams& p = kinds_phase()) {
    return subtree_run(cpu, p, "Branch_Mispredicts*", 3);
}

double latency(const TopdownInterval& iv, const std::string& event) {
    for (auto& [name, v] : iv.retire_latencies)
        if (name == event) return v;
    ADD_FAILURE() << event << ": no retire latency read";
    return NAN;
}

}  // namespace

TEST(MispredictKinds, EachKindIsItsCountTimesItsRetireLatencyOverCycles) {
    const TopdownReport r = kinds_run("lunarlake");
    // Then perf's :R reads each kind's cost (INDIRECT: the mean of calls at 30 and jumps at 25)...
    EXPECT_NEAR(latency(r.summary, "BR_MISP_RETIRED.COND_NTAKEN_COST:R"), 12, 1e-3);
    EXPECT_NEAR(latency(r.summary, "BR_MISP_RETIRED.COND_TAKEN_BWD_COST:R"), 8, 1e-3);
    EXPECT_NEAR(latency(r.summary, "BR_MISP_RETIRED.INDIRECT_CALL_COST:R"), 30, 1e-3);
    EXPECT_NEAR(latency(r.summary, "BR_MISP_RETIRED.INDIRECT_COST:R"), 27.5, 1e-3);
    EXPECT_NEAR(latency(r.summary, "BR_MISP_RETIRED.RET_COST:R"), 12, 1e-3);
    // ...the truth of each kind is share x 0.01 mispredicts per cycle x its cost...
    const std::pair<Node, double> kinds[] = {
        {Node::CondNtMispredicts, 0.4 * 0.01 * 12},   {Node::CondTkBwdMispredicts, 0.2 * 0.01 * 8},
        {Node::CondTkFwdMispredicts, 0.1 * 0.01 * 20}, {Node::IndCallMispredicts, 0.1 * 0.01 * 30},
        {Node::IndJumpMispredicts, 0.1 * 0.01 * 25},   {Node::RetMispredicts, 0.05 * 0.01 * 12}};
    for (auto [n, want] : kinds) {
        EXPECT_NEAR(node(r.summary.truth, n), want, 1e-6) << tma::node_name(n);
        // ...and Intel's formula on the multiplexed counts recovers it (1 %).
        EXPECT_NEAR(node(r.summary.reported, n), want, 0.01 * want + 1e-5) << tma::node_name(n);
    }
    // Kinds at the phase's mean cost add up to their share of Branch_Mispredicts (the RET kind).
    EXPECT_NEAR(node(r.summary.truth, Node::RetMispredicts), 0.05 * node(r.summary.truth, Node::BranchMispredicts), 1e-6);
}

TEST(MispredictKinds, OnlyLunarLakesTreeHasThem) {
    for (const char* cpu : {"skylake", "icelake", "sapphirerapids"}) {
        const TopdownReport r = kinds_run(cpu);
        EXPECT_FALSE(tma::family_defines(r.model.family, Node::CondNtMispredicts)) << cpu;
        EXPECT_TRUE(std::isnan(node(r.summary.reported, Node::RetMispredicts))) << cpu;
        EXPECT_TRUE(r.summary.retire_latencies.empty()) << cpu;
    }
}

TEST(MispredictKinds, AWorkloadWithoutKindsReadsZeroAndNoRetireLatency) {
    // Given the default workload (no kinds), each node and its truth are 0, and perf reads a
    // retire latency of 0, as it does without samples and without a precomputed default.
    const TopdownReport r = kinds_run("lunarlake", SteadyParams{});
    EXPECT_EQ(node(r.summary.truth, Node::CondNtMispredicts), 0.0);
    EXPECT_EQ(node(r.summary.reported, Node::CondNtMispredicts), 0.0);
    EXPECT_EQ(node(r.summary.reported, Node::IndJumpMispredicts), 0.0);
    EXPECT_EQ(latency(r.summary, "BR_MISP_RETIRED.RET_COST:R"), 0.0);
}

TEST(MispredictKinds, RetireLatencyIsASampledValueNotACounter) {
    const CpuConfig lnl = make_cpu_config("lunarlake");
    const StatEventSpec s = parse_stat_event("BR_MISP_RETIRED.RET_COST:R", lnl);
    EXPECT_TRUE(s.retire_latency);
    EXPECT_TRUE(s.user && s.kernel);
    EXPECT_EQ(s.latency, bit(Event::MispRetLat));
    // Only the precise *_COST events carry one...
    for (const char* bad : {"cycles:R", "branches:R", "BR_MISP_RETIRED.ALL_BRANCHES:R"}) {
        try {
            parse_stat_event(bad, lnl);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(":R"), std::string::npos) << e.what();
        }
    }
    // ...and it is no counter: `pmusim stat -e X:R` is refused with the reason.
    auto m = make_machine("lunarlake");
    try {
        PerfAgent agent(*m, {"BR_MISP_RETIRED.RET_COST:R"});
        ADD_FAILURE() << "a retire latency was programmed on a counter";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("PEBS"), std::string::npos) << e.what();
    }
}

TEST(MispredictKinds, KindsAndCostsAreCheckedByName) {
    SteadyParams p;
    p.misp_kinds = {0.6, 0.6, 0, 0, 0, 0};
    try {
        validate(p);
        FAIL() << "accepted mispredict kinds adding up to 1.2";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("misp_"), std::string::npos) << e.what();
    }
    p = SteadyParams{};
    set_phase_param(p, "misp_cost_ret", 7);
    set_phase_param(p, "misp_ind_jump", 0.25);
    EXPECT_EQ(p.misp_costs[5], 7);
    EXPECT_EQ(get_phase_param(p, "misp_ind_jump"), 0.25);
    p.misp_costs[0] = -1;
    EXPECT_THROW(validate(p), std::invalid_argument);
}

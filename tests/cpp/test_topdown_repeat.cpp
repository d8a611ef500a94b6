// `topdown -r N` (perf stat --topdown -r): N runs over the workload's seeds pooled into one report,
// each node from the mean counts and its spread as perf's rel_stddev_stats (docs/user-guide.md).
#include <cmath>
#include <regex>

#include "pmu_test_util.h"
#include "sim/topdown.h"
#include "sim/topdown_format.h"
#include "sim/workload_spec.h"

using namespace pmusim;
using tma::Node;

namespace {

// Run i of mixed_app (its Markov tail differs by seed) on `cpu`, one interval.
std::unique_ptr<Machine> mixed_app(const std::string& cpu, unsigned i) {
    MachineOptions o;
    o.cpu = cpu;
    auto m = std::make_unique<Machine>(o);
    m->set_workload(parse_workload_spec("mixed_app", i));
    return m;
}

std::vector<TopdownReport> runs_of(const std::string& cpu, const TopdownOptions& o, unsigned n) {
    std::vector<TopdownReport> v;
    for (unsigned i = 0; i < n; ++i) {
        auto m = mixed_app(cpu, i);
        v.push_back(run_topdown(*m, o));
    }
    return v;
}

size_t event_index(const TopdownReport& r, const std::string& name) {
    for (size_t i = 0; i < r.events.size(); ++i)
        if (r.events[i] == name) return i;
    ADD_FAILURE() << name << " not programmed";
    return 0;
}

TopdownOptions one_pass() {
    TopdownOptions o;
    o.cycles = 33'714'290;  // one pass of mixed_app: the seeded tail differs between runs
    o.level = 2;
    o.method = "gp_events";
    return o;
}

}  // namespace

TEST(TopdownRepeat, NodesComeFromTheMeanCountsOfTheRuns) {
    // Given three runs of mixed_app on skylake (GP events), seeds + 0, 1, 2...
    const auto runs = runs_of("skylake", one_pass(), 3);
    const TopdownReport p = pool_topdown_runs(runs, make_cpu_config("skylake"));
    // ...then Retiring is UOPS_RETIRED.RETIRE_SLOTS over 4 x cycles (CLKS) of the mean
    // counts (equivalently of the summed ones), not the mean of the three ratios...
    const size_t uops = event_index(p, "UOPS_RETIRED.RETIRE_SLOTS"), clk = event_index(p, "cycles");
    double su = 0, sc = 0, mean_of_ratios = 0;
    for (const auto& r : runs) {
        su += r.totals.counts[uops], sc += r.totals.counts[clk];
        mean_of_ratios += r.summary.reported[tma::ni(Node::Retiring)] / 3;
    }
    EXPECT_DOUBLE_EQ(p.summary.reported[tma::ni(Node::Retiring)], su / (4 * sc));
    EXPECT_NE(p.summary.reported[tma::ni(Node::Retiring)], mean_of_ratios);
    // ...the one interval is the summary, holding the mean reading...
    ASSERT_EQ(p.intervals.size(), 1u);
    EXPECT_EQ(p.intervals[0].reported[tma::ni(Node::Retiring)], p.summary.reported[tma::ni(Node::Retiring)]);
    const auto& c = p.intervals[0].reading.counts;
    double mean_uops = 0;
    for (const auto& r : runs)
        for (const auto& x : r.intervals[0].reading.counts)
            if (x.name == "UOPS_RETIRED.RETIRE_SLOTS") mean_uops += x.scaled / 3;
    for (const auto& x : c)
        if (x.name == "UOPS_RETIRED.RETIRE_SLOTS") EXPECT_DOUBLE_EQ(x.scaled, mean_uops);
    // ...and the truth is the exact attribution of all three runs' slots together.
    EventVector truth = EventVector::Zero();
    for (const auto& r : runs) truth += r.totals.truth;
    for (Node n : tma::selected_nodes(p.model))
        EXPECT_DOUBLE_EQ(p.summary.truth[tma::ni(n)], truth_breakdown(truth, 4)[tma::ni(n)]) << tma::node_name(n);
}

TEST(TopdownRepeat, EachNodesSpreadIsPerfsRelativeStandardErrorOfItsRunValues) {
    const auto runs = runs_of("skylake", one_pass(), 4);
    const TopdownReport p = pool_topdown_runs(runs, make_cpu_config("skylake"));
    ASSERT_TRUE(p.repeat);
    EXPECT_EQ(p.repeat->runs, 4u);
    for (Node n : tma::selected_nodes(p.model)) {
        // stat.c: stddev_stats = sqrt(sample variance / n); rel_stddev_stats = 100 x that / mean
        double mean = 0, m2 = 0;
        for (const auto& r : runs) mean += r.summary.reported[tma::ni(n)] / 4;
        for (const auto& r : runs) m2 += std::pow(r.summary.reported[tma::ni(n)] - mean, 2);
        const double want = 100.0 * std::sqrt(m2 / 3 / 4) / mean;
        EXPECT_NEAR(p.repeat->nodes[tma::ni(n)], want, 1e-9) << tma::node_name(n);
        EXPECT_GT(want, 0) << tma::node_name(n) << ": the seeds give different runs";
    }
    // The count rows' spread is perf's variance field of each count, slots group included.
    ASSERT_EQ(p.repeat->counts.mean.size(), runs[0].intervals[0].reading.counts.size());
}

TEST(TopdownRepeat, PerfMetricsRunsPoolTheSlotsGroupAndPrintPerfsVarianceField) {
    TopdownOptions o = one_pass();
    o.method = "perf_metrics";
    o.level = 1;
    const auto runs = runs_of("sapphirerapids", o, 3);
    const TopdownReport p = pool_topdown_runs(runs, make_cpu_config("sapphirerapids"));
    // Given the slots group, the mean reading holds the mean slots and topdown-* slot counts...
    ASSERT_TRUE(p.intervals[0].reading.topdown);
    double slots = 0;
    for (const auto& r : runs) slots += double(r.intervals[0].reading.topdown->slots) / 3;
    EXPECT_EQ(p.intervals[0].reading.topdown->slots, uint64_t(std::llround(slots)));
    // ...and perf's CSV rows carry a variance after each event name, then a metric row per node.
    const std::string rows = topdown_perf_rows(p, PerfOutputOptions{",", false, 1.0}, false);
    EXPECT_NE(rows.find(",,slots,"), std::string::npos) << rows;
    EXPECT_TRUE(std::regex_search(rows, std::regex(R"(\n[0-9]+,,topdown-retiring,[0-9]+\.[0-9]{2}%,)"))) << rows;
    EXPECT_NE(rows.find("%  tma_retiring"), std::string::npos);
}

TEST(TopdownRepeat, OneRunIsTheRunItselfWithNoSpread) {
    const auto runs = runs_of("skylake", one_pass(), 1);
    const TopdownReport p = pool_topdown_runs(runs, make_cpu_config("skylake"));
    for (Node n : tma::selected_nodes(p.model)) {
        EXPECT_DOUBLE_EQ(p.summary.reported[tma::ni(n)], runs[0].summary.reported[tma::ni(n)]) << tma::node_name(n);
        EXPECT_EQ(p.repeat->nodes[tma::ni(n)], 0.0);
    }
}

TEST(TopdownRepeat, RunsThatDifferOrHaveIntervalsAreRefused) {
    TopdownOptions o = one_pass();
    o.cycles = 2'000'000;
    auto a = runs_of("skylake", o, 1);
    o.cycles = 3'000'000;
    auto b = runs_of("skylake", o, 1);
    a.push_back(b[0]);
    EXPECT_THROW(pool_topdown_runs(a, make_cpu_config("skylake")), std::invalid_argument);
    o.interval = 1'000'000;
    EXPECT_THROW(pool_topdown_runs(runs_of("skylake", o, 2), make_cpu_config("skylake")), std::invalid_argument);
    EXPECT_THROW(pool_topdown_runs({}, make_cpu_config("skylake")), std::invalid_argument);
    EXPECT_THROW(run_topdown_repeated([](unsigned i) { return mixed_app("skylake", i); }, o, 2), std::invalid_argument);
}

// Topdown measurement: the perf agent programs what the TMA model of this CPU needs (the slots
// group with PERF_METRICS, or GP events only), reads it every interval, and the TMA engine turns
// each reading into a breakdown; the workload's exact slot attribution over the same cycles is
// the ground truth each node is compared with (docs/tma.md).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/machine.h"
#include "sim/perf_stat.h"
#include "sim/perf_stat_format.h"
#include "tma/tma_engine.h"

namespace pmusim {

struct TopdownReport;
struct TopdownInterval;

// Receives the intervals of a run as they are produced (the CLI writes each and forgets it, so
// memory stays flat in the number of intervals).
class TopdownSink {
public:
    virtual ~TopdownSink() = default;
    // Before the first interval: the report without intervals or summary, and how many will come.
    virtual void begin(const TopdownReport& r, uint64_t intervals) = 0;
    virtual void interval(const TopdownReport& r, const TopdownInterval& iv) = 0;
};

struct TopdownOptions {
    unsigned level = 2;               // 1..3
    std::string method = "auto";      // auto | perf_metrics | gp_events
    uint64_t cycles = 0;              // run length
    uint64_t interval = 0;            // cycles per read-and-reset; 0: a single interval
    uint64_t mux_interval = 0;        // 0: auto (perf's 4e6, shortened for short intervals)
    std::string nodes;                // --nodes: node names, NAME* for a subtree (empty: every node to `level`)
    std::string groups;               // -M: metric groups, node or Info metric names
    TopdownSink* sink = nullptr;      // set: intervals go to it, not into the report
};

struct TopdownInterval {
    uint64_t begin = 0, end = 0;
    tma::Breakdown reported, truth;
    std::vector<double> metrics, metrics_truth;  // the model's Info metrics, in Model::metrics order
    tma::Node bottleneck = tma::Node::FrontendBound, truth_bottleneck = tma::Node::FrontendBound;
    IntervalReading reading;
    // The retire latencies the formulas read (perf's ":R" events), each with its value.
    std::vector<std::pair<std::string, double>> retire_latencies;
};

// What a run's summary is computed from: each programmed event's count summed over the intervals
// (in TopdownReport::events order), the PERF_METRICS field slots summed, and the exact event sums.
struct TopdownTotals {
    std::vector<double> counts;
    std::array<double, 8> pm{};
    EventVector truth = EventVector::Zero();
};

// Evaluates `iv` (nodes, Info metrics, bottlenecks, truths) from totals of r's model scaled by `scale`
// (1/N: the mean of N runs; the truth's fractions do not depend on it).
void evaluate_totals(const TopdownReport& r, const CpuConfig& cpu, const TopdownTotals& t, double scale,
                     TopdownInterval& iv);
// `topdown -r N` (perf stat -r): the spread of N runs, each perf's rel_stddev_stats in % of the
// mean (tools/perf/util/stat.c): of every node's and Info metric's per-run value, and of every
// count row perf would print (the counts, then the slots group).
struct TopdownSpread {
    unsigned runs = 1;
    tma::Breakdown nodes = tma::Breakdown::Zero();
    std::vector<double> metrics;
    RepeatedCounts counts;
};

struct TopdownReport {
    tma::Model model;
    std::string cpu, workload;
    bool multiplexed = false;
    uint64_t mux_interval = 0;        // rotation period used
    std::vector<std::string> events;  // what the agent programmed (besides the metrics group)
    std::vector<TopdownInterval> intervals;  // empty when the options had a sink
    uint64_t interval_count = 0;      // intervals produced (kept or streamed)
    TopdownInterval summary;          // over the whole run: summed counts and summed truth
    TopdownTotals totals;             // what `summary` was computed from
    std::optional<TopdownSpread> repeat;  // set by pool_topdown_runs
};

// The TMA model for a machine's CPU (method "auto": PERF_METRICS where the CPU has it).
tma::Model topdown_model(const Machine& m, unsigned level, const std::string& method);
// Every count a model reads, exact, from an interval's base-event sums (the ground truth of the
// counters); an event whose truth is not known (a CMASK form) reads NaN.
// `scale` multiplies every input (1/N: the mean of N runs' summed sums).
tma::Inputs exact_inputs(const tma::Model& md, const CpuConfig& cpu, const EventVector& sums, double scale = 1.0);
// Exact per-node fractions over [a, b) of the workload (both rings), from the slot leaves (Level
// 1/2) and the auxiliary events that define the Level-3 splits.
tma::Breakdown truth_breakdown(const EventVector& sums, unsigned level);
// Throws std::invalid_argument when the run has more intervals than kMaxIntervals (streamed) or
// kMaxKeptIntervals (kept in the report): sim/input_limits.h.
TopdownReport run_topdown(Machine& m, const TopdownOptions& o);
// Evaluates `iv` (nodes, Info metrics, bottlenecks, truths) from totals of r's model scaled by `scale`
// (1/N: the mean of N runs; the truth's fractions do not depend on it).
void evaluate_totals(const TopdownReport& r, const CpuConfig& cpu, const TopdownTotals& t, double scale,
                     TopdownInterval& iv);
// `topdown -r N`: N runs of one configuration (the workload's seed + i; `make(i)` builds run i's
// machine, the previous one destroyed first) pooled by pool_topdown_runs. Without -I only.
TopdownReport run_topdown_repeated(const std::function<std::unique_ptr<Machine>(unsigned)>& make, const TopdownOptions& o,
                                   unsigned runs);
// One report of N single-interval runs of the same model: every node and Info metric evaluated
// on the counts averaged over the runs (perf's shadow statistics took the mean of each event over
// -r runs: stat-shadow.c avg_stats), the truth on the summed exact sums, the one interval holding
// the mean reading; `repeat` holds the spreads. Throws std::invalid_argument when the runs differ
// in model or events or have several intervals.
TopdownReport pool_topdown_runs(const std::vector<TopdownReport>& runs, const CpuConfig& cpu);

}  // namespace pmusim

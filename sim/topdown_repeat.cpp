// `pmusim topdown -r N` (perf stat --topdown -r N): N runs over the workload's seeds pooled into one
// report with perf's spread (docs/user-guide.md "Repeated runs").
#include <cmath>
#include <stdexcept>

#include "sim/topdown.h"
#include "sim/topdown_format.h"

namespace pmusim {

namespace {

// perf's rel_stddev_stats (tools/perf/util/stat.c): the standard deviation of the mean (sample
// variance over n - 1, divided by n) in % of the mean; 0 for one run or a zero mean, NaN when a
// run's value is NaN (a 0/0 formula).
double rel_spread(const std::vector<double>& xs) {
    const double n = double(xs.size());
    double sum = 0;
    for (double x : xs) sum += x;
    const double mean = sum / n;
    if (std::isnan(mean)) return mean;
    if (xs.size() < 2 || mean == 0) return 0.0;
    double m2 = 0;
    for (double x : xs) m2 += (x - mean) * (x - mean);
    return 100.0 * std::sqrt(m2 / (n - 1) / n) / std::fabs(mean);
}

void check_same(const TopdownReport& a, const TopdownReport& b) {
    if (a.intervals.size() != 1 || b.intervals.size() != 1)
        throw std::invalid_argument("-r: each run must be one interval kept in the report (no -I)");
    if (a.events != b.events || a.model.family != b.model.family || a.model.method != b.model.method ||
        a.model.nodes != b.model.nodes || a.model.metrics != b.model.metrics)
        throw std::invalid_argument("-r: the runs measured different models or events");
    if (a.summary.end - a.summary.begin != b.summary.end - b.summary.begin)
        throw std::invalid_argument("-r: the runs have different lengths");
}

// The mean of the runs' topdown readings (slots and fields; the raw PERF_METRICS value of a mean
// does not exist and reads 0).
std::optional<TopdownReading> mean_topdown(const std::vector<TopdownReport>& runs) {
    if (!runs[0].intervals[0].reading.topdown) return std::nullopt;
    TopdownReading m = *runs[0].intervals[0].reading.topdown;
    m.metrics = 0;
    double slots = 0;
    m.field.fill(0);
    m.field_slots.fill(0);
    const double n = double(runs.size());
    for (const auto& r : runs) {
        const TopdownReading& t = *r.intervals[0].reading.topdown;
        slots += double(t.slots);
        for (unsigned k = 0; k < 8; ++k) m.field[k] += t.field[k] / n, m.field_slots[k] += t.field_slots[k] / n;
    }
    m.slots = static_cast<uint64_t>(std::llround(slots / n));
    return m;
}

}  // namespace

TopdownReport pool_topdown_runs(const std::vector<TopdownReport>& runs, const CpuConfig& cpu) {
    if (runs.empty()) throw std::invalid_argument("-r: no runs to pool");
    for (const auto& r : runs) check_same(runs[0], r);
    TopdownReport p = runs[0];
    TopdownTotals sum;
    sum.counts.assign(p.totals.counts.size(), 0.0);
    std::vector<std::vector<CountReading>> rows, plain;
    for (const auto& r : runs) {
        for (size_t i = 0; i < sum.counts.size(); ++i) sum.counts[i] += r.totals.counts[i];
        for (unsigned k = 0; k < 8; ++k) sum.pm[k] += r.totals.pm[k];
        for (int e = 0; e < sum.truth.size(); ++e) {
            if (sum.truth[e] + r.totals.truth[e] < sum.truth[e])
                throw std::invalid_argument("-r: the runs' exact event sums pass 2^64 (fewer or shorter runs)");
            sum.truth[e] += r.totals.truth[e];
        }
        rows.push_back(topdown_count_rows(r.intervals[0]));
        plain.push_back(r.intervals[0].reading.counts);
        p.multiplexed = p.multiplexed || r.multiplexed;
    }
    const double n = double(runs.size());
    evaluate_totals(p, cpu, sum, 1.0 / n, p.summary);
    // The one interval is the summary (same bounds) with the mean reading.
    TopdownInterval& iv = p.intervals[0] = p.summary;
    iv.reading.counts = average_runs(plain).mean;
    iv.reading.topdown = mean_topdown(runs);
    p.totals = sum;
    TopdownSpread s;
    s.runs = unsigned(runs.size());
    s.counts = average_runs(rows);
    std::vector<double> xs(runs.size());
    for (tma::Node node : tma::selected_nodes(p.model)) {
        for (size_t i = 0; i < runs.size(); ++i) xs[i] = runs[i].summary.reported[tma::ni(node)];
        s.nodes[tma::ni(node)] = rel_spread(xs);
    }
    for (size_t k = 0; k < p.model.metrics.size(); ++k) {
        for (size_t i = 0; i < runs.size(); ++i) xs[i] = runs[i].summary.metrics[k];
        s.metrics.push_back(rel_spread(xs));
    }
    p.repeat = std::move(s);
    return p;
}

TopdownReport run_topdown_repeated(const std::function<std::unique_ptr<Machine>(unsigned)>& make, const TopdownOptions& o,
                                   unsigned runs) {
    if (runs == 0) throw std::invalid_argument("-r: at least 1 run");
    if (o.interval != 0 && o.interval < o.cycles)
        throw std::invalid_argument("-r with -I: the intervals of repeated runs are not averaged; drop one");
    if (o.sink) throw std::invalid_argument("-r: runs are pooled at the end; intervals cannot be streamed");
    std::vector<TopdownReport> reports;
    std::unique_ptr<Machine> m;
    CpuConfig cpu;
    for (unsigned i = 0; i < runs; ++i) {
        m.reset();  // the previous machine (and its waveform) closes first
        m = make(i);
        cpu = m->cpu();
        reports.push_back(run_topdown(*m, o));
    }
    return pool_topdown_runs(reports, cpu);
}

}  // namespace pmusim

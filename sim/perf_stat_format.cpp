#include "sim/perf_stat_format.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pmusim {

namespace {

const CountReading* find(const std::vector<CountReading>& all, const std::string& name) {
    for (auto& c : all)
        if (c.name == name) return &c;
    return nullptr;
}

uint64_t to_ns(uint64_t cycles, double ghz) { return static_cast<uint64_t>(std::llround(double(cycles) / ghz)); }

// perf's "%lu.%09lu" of a timespec (prepare_interval).
std::string timestamp(uint64_t ns) {
    char b[48];
    std::snprintf(b, sizeof b, "%llu.%09llu", static_cast<unsigned long long>(ns / 1'000'000'000ull),
                  static_cast<unsigned long long>(ns % 1'000'000'000ull));
    return b;
}

// print_running_csv/_json: the percentage is 100 * run / ena in 64-bit integers, so a multiplexed
// event shows a whole percentage ("60.00").
double pcnt_running(uint64_t run, uint64_t ena) { return run == ena ? 100.0 : double(ena ? 100 * run / ena : 0); }

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

// The counter value, or perf's "<not counted>" for an event that never reached a counter and
// "<not supported>" for one refused at open (print_counter_value_csv's bad_count).
std::string count_value(const CountReading& c, const char* f) {
    if (!c.supported) return "<not supported>";
    return c.running && c.enabled ? fmt(f, c.scaled) : "<not counted>";
}

std::string csv_row(const CountReading& c, const StatMetric& m, const PerfOutputOptions& o, const double* noise) {
    const std::string& s = o.sep;
    const uint64_t run = to_ns(c.running, o.ghz), ena = to_ns(c.enabled, o.ghz);
    std::string row = count_value(c, "%.0f") + s + /* unit, empty for counts */ s + c.name +
                      (noise ? s + fmt("%.2f%%", *noise) : "") + s + std::to_string(run) + s +
                      fmt("%.2f", pcnt_running(run, ena));
    return row + (m.present && c.running ? s + fmt("%.2f", m.value) + s + m.unit : s + s);
}

std::string json_row(const CountReading& c, const StatMetric& m, const PerfOutputOptions& o, const double* noise) {
    const uint64_t run = to_ns(c.running, o.ghz), ena = to_ns(c.enabled, o.ghz);
    std::string row = "\"counter-value\" : \"" + count_value(c, "%f") + "\", \"unit\" : \"\", \"event\" : " +
                      nlohmann::json(c.name).dump() + ", " + (noise ? "\"variance\" : " + fmt("%.2f", *noise) + ", " : "") +
                      "\"event-runtime\" : " + std::to_string(run) +
                      ", \"pcnt-running\" : " + fmt("%.2f", pcnt_running(run, ena));
    if (m.present && c.running)
        row += ", \"metric-value\" : \"" + fmt("%f", m.value) + "\", \"metric-unit\" : " + nlohmann::json(m.unit).dump();
    return row;
}

}  // namespace

StatMetric stat_metric(const CountReading& c, const std::vector<CountReading>& all) {
    StatMetric m;
    const CountReading* base = nullptr;
    if (c.name == "instructions") {
        base = find(all, "cycles");
        m.unit = "insn per cycle";
        if (base && base->scaled) m.value = c.scaled / base->scaled;
    } else if (c.name == "branch-misses") {
        base = find(all, "branches");
        m.unit = "of all branches";
        if (base && base->scaled) m.value = 100.0 * c.scaled / base->scaled;
    }
    m.present = base && base->scaled;
    return m;
}

std::string perf_stat_rows(const std::vector<CountReading>& counts, const PerfOutputOptions& o,
                           std::optional<uint64_t> interval_end, const std::vector<double>* noise_pct) {
    std::string out;
    const std::string ts = interval_end ? timestamp(to_ns(*interval_end, o.ghz)) : "";
    for (size_t k = 0; k < counts.size(); ++k) {
        const CountReading& c = counts[k];
        const StatMetric m = stat_metric(c, counts);
        const double* noise = noise_pct && k < noise_pct->size() ? &(*noise_pct)[k] : nullptr;
        if (o.json) {
            out += "{";
            if (interval_end) out += "\"interval\" : " + ts + ", ";
            out += json_row(c, m, o, noise) + "}\n";
        } else {
            if (interval_end) out += ts + o.sep;
            out += csv_row(c, m, o, noise) + "\n";
        }
    }
    return out;
}

RepeatedCounts average_runs(const std::vector<std::vector<CountReading>>& runs) {
    if (runs.empty()) throw std::invalid_argument("-r: no runs to average");
    RepeatedCounts r;
    r.runs = static_cast<unsigned>(runs.size());
    const double n = double(runs.size());
    for (size_t k = 0; k < runs[0].size(); ++k) {
        CountReading c = runs[0][k];
        double sum = 0, raw = 0, ena = 0, run = 0, truth = 0;
        for (auto& one : runs) {
            if (one.size() != runs[0].size() || one[k].name != c.name)
                throw std::invalid_argument("-r: the runs counted different events");
            const CountReading& x = one[k];
            sum += x.scaled, raw += double(x.raw), ena += double(x.enabled), run += double(x.running),
                truth += double(x.truth);
            c.truth_known = c.truth_known && x.truth_known;
        }
        const double mean = sum / n;
        double m2 = 0;
        for (auto& one : runs) m2 += (one[k].scaled - mean) * (one[k].scaled - mean);
        // stddev_stats: the sample variance (n - 1), divided by n: the spread of the mean.
        const double var = n > 1 ? m2 / (n - 1) : 0.0;
        c.scaled = mean;
        c.raw = static_cast<uint64_t>(std::llround(raw / n));
        c.enabled = static_cast<uint64_t>(std::llround(ena / n));
        c.running = static_cast<uint64_t>(std::llround(run / n));
        c.truth = static_cast<uint64_t>(std::llround(truth / n));
        r.mean.push_back(c);
        r.noise_pct.push_back(mean ? 100.0 * std::sqrt(var / n) / mean : 0.0);  // rel_stddev_stats
    }
    return r;
}

std::string perf_metric_row(double value, const std::string& unit, const PerfOutputOptions& o,
                            std::optional<uint64_t> interval_end) {
    const std::string ts = interval_end ? timestamp(to_ns(*interval_end, o.ghz)) : "";
    if (o.json)
        return "{" + (interval_end ? "\"interval\" : " + ts + ", " : std::string()) + "\"metric-value\" : \"" +
               fmt("%f", value) + "\", \"metric-unit\" : " + nlohmann::json(unit).dump() + "}\n";
    const std::string& s = o.sep;
    return (interval_end ? ts + s : "") + s + s + s + s + s + (std::isnan(value) ? "" : fmt("%.1f", value)) + s + unit +
           "\n";
}

uint64_t parse_interval(const std::string& text, double ghz) {
    const bool cycles = !text.empty() && text.back() == 'c';
    const std::string num = cycles ? text.substr(0, text.size() - 1) : text;
    size_t used = 0;
    double v = -1;
    try {
        v = std::stod(num, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (num.empty() || used != num.size() || !(v > 0) || !std::isfinite(v))
        throw std::invalid_argument("-I '" + text +
                                    "': expected a positive number of milliseconds (100, 0.5) or of cycles with a 'c' suffix (1000000c)");
    const double c = cycles ? v : v * 1e6 * ghz;  // 1 ms = 10^6 ns = 10^6 * GHz cycles
    if (c < 1 || c > 1.8e19 || (cycles && std::floor(v) != v))
        throw std::invalid_argument("-I '" + text + "': " + (cycles ? "not a whole number of cycles >= 1 that fits 64 bits"
                                                                     : "shorter than one cycle or too long at this --freq"));
    return static_cast<uint64_t>(std::llround(c));
}

std::string short_interval_warning(uint64_t cycles, double ghz) {
    const double ms = double(cycles) / (ghz * 1e6);
    if (ms >= 1) return "";  // far below perf's floor: simulated runs are short, so 1-9 ms stays quiet
    char b[200];
    std::snprintf(b, sizeof b,
                  "an interval of %llu cycles is %.6g ms at %g GHz; perf stat -I counts in milliseconds and "
                  "accepts no less than 10",
                  static_cast<unsigned long long>(cycles), ms, ghz);
    return b;
}

}  // namespace pmusim

// perf stat's machine-readable output for `pmusim stat`: CSV rows (-x SEP) and JSON Lines (-j) in
// the field order of Linux tools/perf/util/stat-display.c (print_counter_value_csv,
// print_running_csv, print_metric_csv and their _json twins; prepare_interval for -I), and -I
// in milliseconds at a stated core frequency (docs/user-guide.md "perf's formats").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/perf_stat.h"

namespace pmusim {

// The one derived value perf stat prints beside an event (stat-shadow.c): instructions per cycle
// beside instructions, the share of branches beside branch-misses.
struct StatMetric {
    bool present = false;
    double value = 0;
    std::string unit;   // "insn per cycle", "of all branches"
};
StatMetric stat_metric(const CountReading& c, const std::vector<CountReading>& all);

struct PerfOutputOptions {
    std::string sep;     // -x SEP: CSV with this separator
    bool json = false;   // -j: JSON Lines
    double ghz = 1.0;    // core clock: converts cycles to perf's nanoseconds
};

// `perf stat -r N`: the mean of each event over the runs, and perf's spread: the standard
// deviation of the mean in % of it (tools/perf/util/stat.c stddev_stats, rel_stddev_stats).
struct RepeatedCounts {
    unsigned runs = 0;
    std::vector<CountReading> mean;  // in the events' order; counts, times and truths averaged
    std::vector<double> noise_pct;   // per event
};
// Throws std::invalid_argument when the runs are empty or list different events.
RepeatedCounts average_runs(const std::vector<std::vector<CountReading>>& runs);

// One line per event (each ending in '\n'); interval_end (cycles since the start) adds perf's
// timestamp field first, as `perf stat -I` does. With `noise_pct` (-r), perf's variance field
// follows the event name: "0.12%" in CSV, "variance" in JSON (print_noise_pct_csv/_json).
std::string perf_stat_rows(const std::vector<CountReading>& counts, const PerfOutputOptions& o,
                           std::optional<uint64_t> interval_end = std::nullopt,
                           const std::vector<double>* noise_pct = nullptr);

// A metric's own line, as perf prints a metric past the first of an event (new_line_csv pads the
// count, unit, event, run and percentage fields empty; new_line_json starts a new object). A NaN
// value prints empty in CSV, as perf's trimming of "%8.1f" leaves it.
std::string perf_metric_row(double value, const std::string& unit, const PerfOutputOptions& o,
                            std::optional<uint64_t> interval_end = std::nullopt);

// "-I" as given: milliseconds at `ghz` ("100", "0.5"), or cycles with a "c" suffix ("1000000c").
// Returns cycles (at least 1); throws std::invalid_argument naming the value.
uint64_t parse_interval(const std::string& text, double ghz);

// Why an interval of `cycles` is far shorter than a perf user means by -I (under 1 ms; perf
// refuses under 10 ms, builtin-stat.c), or "" when it is not.
std::string short_interval_warning(uint64_t cycles, double ghz);

}  // namespace pmusim

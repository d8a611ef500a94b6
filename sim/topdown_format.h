// Output of `pmusim topdown`: a toplev-like tree (table), the raw counts in the shape of
// `perf stat -x, -I` (csv), or everything for scripts (json).
#pragma once
#include <string>

#include "sim/perf_stat_format.h"
#include "sim/topdown.h"

namespace pmusim {
std::string topdown_table(const TopdownReport& r);
std::string topdown_csv(const TopdownReport& r);
// perf stat -x / -j rows (sim/perf_stat_format.h): the counts, the slots group, then a metric row
// per node computed; with `intervals`, one block per interval with its timestamp.
std::string topdown_perf_rows(const TopdownReport& r, const PerfOutputOptions& o, bool intervals);
std::string topdown_json(const TopdownReport& r, double wall_seconds);
}  // namespace pmusim

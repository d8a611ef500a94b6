// Output of `pmusim topdown`: a toplev-like tree (table), the raw counts in the shape of
// `perf stat -x, -I` (csv), or everything for scripts (json).
#pragma once
#include <string>

#include "sim/topdown.h"

namespace pmusim {
std::string topdown_table(const TopdownReport& r);
std::string topdown_csv(const TopdownReport& r);
std::string topdown_json(const TopdownReport& r, double wall_seconds);
}  // namespace pmusim

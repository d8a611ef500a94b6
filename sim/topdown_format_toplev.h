// toplev's CSV for `pmusim topdown --format toplev` (docs/user-guide.md "toplev's CSV"): the row
// layout of pmu-tools' tl_output.py OutputCSV (toplev -x, -I), so that pmu-tools' tl-barplot.py and
// interval-plot.py read it unmodified, with two columns appended: Truth and Error.
#pragma once
#include <cstdint>
#include <ostream>
#include <set>
#include <string>

#include "tma/tma_engine.h"

namespace pmusim {

struct TopdownReport;
struct TopdownInterval;

// A node's toplev path: its ancestors' names and its own, joined by '.' ("Backend_Bound.Memory_Bound").
std::string toplev_path(tma::Node n);
// The same for a name of the node table; a name that is not a node (an Info metric) is itself.
std::string toplev_path(const std::string& name);
// perf's name of a node's metric: "tma_" and the name in lower case ("tma_memory_bound").
std::string perf_metric_name(const std::string& node);

struct ToplevCsvOptions {
    std::string sep = ",";    // toplev -x SEP
    bool timestamps = false;  // toplev -I: a Timestamp column (interval end, seconds since the start)
    double ghz = 1.0;         // core clock: converts cycles to the timestamps
};

// Writes the header line and rows, one interval at a time (streamed: nothing is kept but the
// descriptions already printed, which toplev prints once per node).
class ToplevCsvWriter {
public:
    ToplevCsvWriter(std::ostream& os, ToplevCsvOptions o) : os_(os), o_(std::move(o)) {}
    void begin(const TopdownReport& r);
    void interval(const TopdownReport& r, const TopdownInterval& iv);
    void end(const TopdownReport& r);

private:
    std::string field(const std::string& s) const;  // quoted where it holds the separator
    void row(const std::string& ts, const std::string& name, double value, const std::string& unit,
             const std::string& desc, double mux, bool bottleneck, double truth, double stddev);
    std::ostream& os_;
    ToplevCsvOptions o_;
    uint64_t start_ = 0;
    bool started_ = false;
    std::set<std::string> described_;
};

}  // namespace pmusim

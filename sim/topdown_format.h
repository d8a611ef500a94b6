// Output of `pmusim topdown`: a toplev-like tree (table), the raw counts in the shape of
// `perf stat -x, -I` (csv), toplev's CSV with the truth (toplev, sim/topdown_format_toplev.h), or
// everything for scripts (json, nodes in tree order with their parent and toplev path).
#pragma once
#include <ostream>
#include <string>

#include <memory>

#include "sim/perf_stat_format.h"
#include "sim/topdown.h"
#include "sim/topdown_format_toplev.h"

namespace pmusim {

// Writes a topdown run in one format ("table", "csv", "toplev" or "json") as it runs: as the sink
// of run_topdown, each interval is written when it is produced and not kept; end() adds the
// summary. `toplev` sets the separator and timestamps of the toplev format and the clock of all.
class TopdownWriter : public TopdownSink {
public:
    TopdownWriter(std::ostream& os, std::string format, ToplevCsvOptions toplev = {});
    void begin(const TopdownReport& r, uint64_t intervals) override;
    void interval(const TopdownReport& r, const TopdownInterval& iv) override;
    void end(const TopdownReport& r, double wall_seconds);
    void write(const TopdownReport& r, double wall_seconds);  // a report that kept its intervals

private:
    std::ostream& os_;
    std::string format_;
    ToplevCsvOptions options_;
    std::unique_ptr<ToplevCsvWriter> toplev_;
    uint64_t count_ = 0, written_ = 0;
};

std::string topdown_table(const TopdownReport& r);
// The count rows perf prints for an interval: its counts, then the slots group (slots and perf's
// topdown-* events) where it has one.
std::vector<CountReading> topdown_count_rows(const TopdownInterval& iv);
std::string topdown_csv(const TopdownReport& r);
// perf stat -x / -j rows (sim/perf_stat_format.h): the counts, the slots group, then a metric row
// per node computed; with `intervals`, one block per interval with its timestamp.
std::string topdown_perf_rows(const TopdownReport& r, const PerfOutputOptions& o, bool intervals);
std::string topdown_json(const TopdownReport& r, double wall_seconds);
}  // namespace pmusim

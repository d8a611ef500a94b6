// The waveform of a PMU (docs/waveforms.md): GLOBAL_CTRL, GLOBAL_STATUS, FIXED_CTR_CTRL, every
// counter, each PERF_METRICS field and the PMI line, sampled from the PMU state whenever the
// caller says, with optional extra signals (the virtualization layer adds ctx, step, lvtpc).
// Used by the hypervisor and by Machine (any run: `pmusim stat/topdown --vcd`, Machine.trace).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/pmu/pmu.h"
#include "sim/vcd_writer.h"

namespace pmusim {

class PmuTrace {
public:
    // `select`: names or prefixes ending in '*' (empty: all). Throws naming the path or a
    // pattern that matches no signal (after begin()).
    PmuTrace(const std::string& path, const Pmu& pmu, std::vector<std::string> select, std::string comment = {});
    size_t add_extra(const std::string& name, unsigned width);  // before begin()
    size_t add_extra_string(const std::string& name) { return vcd_.add_string(name); }  // before begin()
    void begin();
    void set_extra(size_t h, uint64_t v, uint64_t t) { vcd_.set(h, v, t); }
    void set_extra_string(size_t h, const std::string& v, uint64_t t) { vcd_.set_string(h, v, t); }
    // Writes the PMU's registers as they are at its current cycle.
    void sample(const Pmu& pmu);
    // A one-cycle pulse on `pmi` for each PMI the PMU has raised since the last call.
    void pmis(const Pmu& pmu);
    void close() { vcd_.close(); }

private:
    VcdWriter vcd_;
    std::vector<size_t> sig_;
    size_t pmi_ = VcdWriter::kNone;
    size_t pmis_seen_ = 0;
    bool begun_ = false;
    const CpuConfig cpu_;
    unsigned fields_ = 0;
};

}  // namespace pmusim

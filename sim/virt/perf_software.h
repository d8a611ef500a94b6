// perf as software inside one context (the host, or a guest kernel): it only emits MSR/RDPMC
// operations; the hypervisor engine executes them on the physical PMU (pass-through), emulates
// them (intercepted guest accesses) or mirrors them on the guest's reference PMU.
//
// Host perf follows Linux (arch/x86/events/intel/core.c, kernel/events/core.c):
//  - GLOBAL_CTRL enables every counter (x86_pmu.intel_ctrl) on a mediated host; a counter counts
//    when its own selector / FIXED_CTR_CTRL field enables it;
//  - fixed-counter fields are changed by read-modify-write of FIXED_CTR_CTRL;
//  - scheduled out at perf_load_guest_context: GLOBAL_CTRL = 0, counts read, FIXED_CTR3 and
//    PERF_METRICS saved without reset, selectors disabled, then GLOBAL_CTRL re-enabled;
//  - scheduled in at perf_put_guest_context: selectors re-enabled, FIXED_CTR3 then PERF_METRICS
//    restored if slots were saved (icl_set_topdown_event_period), GLOBAL_CTRL enabled;
//  - the topdown group is read with RDPMC and reset (FIXED_CTR3, then PERF_METRICS) every interval.
// Guest perf does the same inside the guest, without the schedule-out/in.
#pragma once
#include <array>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "models/pmu/pmu.h"
#include "sim/perf_stat.h"
#include "sim/virt/scenario.h"

namespace pmusim {

struct SoftOp {
    enum class Kind { Rdmsr, Wrmsr, Rdpmc, Marker } kind = Kind::Marker;
    uint32_t index = 0;
    uint64_t value = 0;
    std::function<void(uint64_t value, uint64_t cycle)> done;  // reads: the value read
    std::string what;  // for reports
    uint64_t keep = 0;  // WRMSR FIXED_CTR_CTRL: fields this read-modify-write leaves as found
};
using OpQueue = std::deque<SoftOp>;

// One read-and-reset of a perf session.
struct AgentReading {
    uint64_t cycle = 0;                    // physical cycle of the read
    uint64_t local = 0;                    // the context's own cycle
    std::vector<uint64_t> deltas;          // per counting event, since the previous reading
    std::vector<uint64_t> from, to;        // per event: cycles of the previous and of this read
    uint64_t td_from = 0, td_to = 0;       // topdown: cycle of the last FIXED_CTR3 reset, of this read
    uint64_t td_restored_slots = 0;        // FIXED_CTR3 at each restore of PERF_METRICS since the reset
    bool topdown = false;
    uint64_t slots = 0, metrics = 0;       // FIXED_CTR3 and PERF_METRICS as read (PERF_METRICS group)
};

class PerfSoftware {
public:
    // `cpu` is the CPU as this context sees it (a guest's vPMU). `host`: a host session.
    // `global_all`: enable every counter in GLOBAL_CTRL (Linux on a mediated host).
    // `first_gp`: GP counters from this index are used.
    PerfSoftware(std::string context, const CpuConfig& cpu, const AgentConfig& cfg, bool host, bool global_all);

    const std::string& context() const { return context_; }
    const AgentConfig& config() const { return cfg_; }
    const std::vector<StatEventSpec>& events() const { return events_; }
    const std::vector<std::string>& tma_events() const { return tma_names_; }  // GP topdown events
    bool uses_perf_metrics() const { return pm_; }
    uint64_t gp_bits() const;      // GP counters in use (bit i)
    uint64_t counter_bits() const; // GLOBAL_CTRL bits of the counters in use (and 48 with PERF_METRICS)

    void start(OpQueue& q);
    void tick(OpQueue& q);        // interval read-and-reset
    void pmi(OpQueue& q);         // PMI handler
    void sched_out(OpQueue& q);   // host: perf_load_guest_context
    void sched_in(OpQueue& q);    // host: perf_put_guest_context
    bool scheduled_in() const { return in_; }
    // PERF_METRICS field width (the semantics what-if; 8 on hardware).
    void set_metrics_bits(unsigned b) { metrics_bits_ = b; }

    // Totals since start.
    std::vector<uint64_t> totals;           // per counting event (events() order)
    std::vector<uint64_t> tma_totals;       // per GP topdown event
    uint64_t td_slots = 0;                  // summed FIXED_CTR3 readings
    std::array<double, 8> td_field_slots{}; // summed field x slots / max
    std::vector<AgentReading> readings;
    uint64_t samples = 0, pmis = 0, spurious_pmis = 0;
    // Called after every reading (the engine checks it against the truth).
    std::function<void(const AgentReading&)> on_reading;

private:
    struct Counter {
        bool fixed = false;
        unsigned index = 0;   // GP or fixed counter number
        uint64_t config = 0;  // PERFEVTSEL value with EN (GP), or the 4-bit field (fixed)
        uint64_t last = 0;    // value at the previous read / schedule-in
    };
    void read_counters(OpQueue& q, std::vector<uint64_t>* at = nullptr);
    void program(OpQueue& q, bool enable);
    uint32_t rdpmc_index(const Counter& c) const { return c.fixed ? (1u << 30) | c.index : c.index; }
    uint64_t mask(const Counter& c) const { return c.fixed ? cpu_.fixed_mask() : cpu_.gp_mask(); }
    uint64_t fixed_fields(bool enable) const;
    uint64_t enabled_global() const;  // GLOBAL_CTRL while the session counts
    uint64_t fixed_field_mask() const;

    std::string context_;
    CpuConfig cpu_;
    AgentConfig cfg_;
    bool host_, global_all_;
    bool pm_ = false;
    std::vector<StatEventSpec> events_;
    std::vector<Counter> counters_;        // counting events
    std::vector<std::string> tma_names_;
    std::vector<Counter> tma_counters_;
    int sample_ = -1;                      // GP counter used for sampling
    uint64_t sample_config_ = 0;
    uint64_t sample_left_ = 0;  // sample counter saved at schedule-out (0: start a fresh period)
    bool in_ = false;
    uint64_t saved_slots_ = 0, saved_metric_ = 0;
    AgentReading pending_;
    std::vector<uint64_t> last_at_, tick_base_;
    uint64_t td_reset_at_ = 0;  // cycle of the last FIXED_CTR3 reset
    uint64_t restored_slots_ = 0;
    unsigned metrics_bits_ = 8;
};

}  // namespace pmusim

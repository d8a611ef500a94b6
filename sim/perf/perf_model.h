// The one model of Linux perf on an Intel PMU: which MSR/RDPMC accesses perf issues, and in which
// order, to start a session, read an interval (the topdown group read and reset with the PMU
// disabled), handle a PMI, schedule its events out and in, and rotate multiplexed events
// (arch/x86/events/intel/core.c, arch/x86/events/core.c, kernel/events/core.c; docs/tma.md
// "The perf model"). It only emits operations (SoftOp) and keeps the counts their results give;
// whoever drives it executes them:
//  - PerfSoftware (sim/virt/perf_software.h): host and guest perf under the hypervisor, which
//    runs each operation on hardware, emulates it or mirrors it, and charges its cycles;
//  - PerfAgent (sim/perf_stat.h): `pmusim stat` and `pmusim topdown`, each operation performed
//    at once on a bare Machine (run_ops, sim/perf/machine_ops.h), where accesses take no cycles.
//
// SoftOp, OpQueue and AgentReading are defined in sim/virt/perf_software.h, which includes this
// header after them; including this header first works too (the guard below comes after).
#include "sim/virt/perf_software.h"

#ifndef PMUSIM_SIM_PERF_PERF_MODEL_H
#define PMUSIM_SIM_PERF_PERF_MODEL_H
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "models/cpu/cpu_config.h"
#include "sim/perf/perf_events.h"

namespace pmusim {

// What one perf session counts and how its owner set it up.
struct PerfSession {
    std::string where;                      // names the session in errors, e.g. "host.perf"
    std::vector<StatEventSpec> events;      // counting events: fixed ones pinned, the rest on GP counters
    std::vector<StatEventSpec> tma_events;  // the GP topdown events of a session without PERF_METRICS
    std::vector<std::string> tma_names;
    bool topdown_group = false;             // {slots, topdown-*}: FIXED_CTR3 + PERF_METRICS
    bool metrics_clear = false;             // the metrics RDPMC clears the group (Lunar Lake)
    bool sampling = false;                  // `sample` on a GP counter with PMIs every sample_period
    StatEventSpec sample;
    uint64_t sample_period = 0;
    bool global_all = false;                // GLOBAL_CTRL enables every counter (Linux on a mediated host)
    bool multiplex = false;                 // time-slice GP events that outnumber the counters (else refuse)
    // A second context on the same PMU (a host task's events beside the CPU's, one driver:
    // sim/virt/host_task.cpp): its GP events start at counter first_gp, and a fixed event whose
    // counter is in fixed_taken goes on a GP counter with its architectural encoding, as
    // x86_schedule_events places it when the fixed counter is busy (arch/x86/events/core.c).
    unsigned first_gp = 0;
    uint32_t fixed_taken = 0;
};

// Slots of one PERF_METRICS field, as perf reports topdown-*: slots x field / field_max, rounded
// down (icl_get_metrics_event_value: mul_u64_u32_div).
double topdown_field_slots(uint64_t slots, double field, double field_max);

class PerfModel {
public:
    // `cpu` is the CPU as this context sees it (a guest's vPMU). Throws std::invalid_argument
    // naming s.where when an event cannot be placed.
    PerfModel(std::string context, const CpuConfig& cpu, PerfSession s);

    const std::string& context() const { return context_; }
    const std::vector<StatEventSpec>& events() const { return s_.events; }
    const std::vector<std::string>& tma_events() const { return s_.tma_names; }
    bool uses_perf_metrics() const { return s_.topdown_group; }
    uint64_t gp_bits() const;       // GP counters in use now (bit i)
    uint64_t counter_bits() const;  // GLOBAL_CTRL bits of the counters in use (and 48 with PERF_METRICS)
    bool multiplexed() const { return flex_.size() > flex_room_; }
    size_t gp_events() const { return flex_.size(); }
    int gp_counter(size_t event) const { return counters_[event].fixed ? -1 : counters_[event].index; }
    // The counter slot (0..9 GP, 10..13 fixed) of counting event i; -1 while it has none (multiplexed out).
    int counter_slot(size_t event) const {
        const auto& c = counters_[event];
        return c.index < 0 ? -1 : c.fixed ? int(kMaxGpCounters) + c.index : c.index;
    }
    uint64_t running(size_t event) const { return counters_[event].running; }  // cycles on a counter

    void start(OpQueue& q);
    void tick(OpQueue& q);       // interval read-and-reset
    void pmi(OpQueue& q);        // PMI handler
    void pmi_recheck(OpQueue& q);  // the handler's status re-read before its late ack
    // host: perf_load_guest_context / perf_put_guest_context. `pmu_ops` false: the caller
    // disables and enables the PMU around it (one perf_ctx_disable for several contexts).
    // `reading`: the counts read at the schedule-out are a reading (a task's, at its switch-out).
    void sched_out(OpQueue& q) { sched_out_ctx(q, true, false); }
    void sched_in(OpQueue& q) { sched_in_ctx(q, true); }
    void sched_out_ctx(OpQueue& q, bool pmu_ops, bool reading);
    void sched_in_ctx(OpQueue& q, bool pmu_ops);
    // The PMU disable / enable around a change of several contexts (perf_ctx_disable/enable).
    void ctx_disable(OpQueue& q) const;
    void ctx_enable(OpQueue& q) const;
    void rotate(OpQueue& q);     // multiplexing: perf_rotate_context
    bool scheduled_in() const { return in_; }
    // Replayed operation lists (on by default): the counter loops of a schedule-in/out and of a
    // reading are built once per placement of the counters and copied into the queue after.
    // Off: built every time (what the replayed lists are tested against).
    void set_replay(bool on) { replay_ = on; }
    // PERF_METRICS field width (the semantics what-if; 8 on hardware).
    void set_metrics_bits(unsigned b) { metrics_bits_ = b; }

    // Totals since start.
    std::vector<uint64_t> totals;           // per counting event (events() order)
    std::vector<uint64_t> tma_totals;       // per GP topdown event
    uint64_t td_slots = 0;                  // summed FIXED_CTR3 readings
    std::array<double, 8> td_field_slots{}; // summed field x slots / max, not rounded (the virtualization
                                            // report; perf's own counts are topdown_field_slots)
    // The last reading and how many were taken: a reading is used when it is taken (on_reading),
    // so none is kept (a long run would otherwise grow by one per interval).
    AgentReading last_reading;
    uint64_t reading_count = 0;
    uint64_t samples = 0, pmis = 0, spurious_pmis = 0;
    // Called after every reading (the engine checks it against the truth).
    std::function<void(const AgentReading&)> on_reading;

private:
    friend struct SoftDone;
    // An operation's completion (SoftDone): the one dispatch of what each result does.
    void complete(const SoftDone& d, uint64_t value, uint64_t cycle);
    SoftDone done_of(SoftDone::Kind k, uint32_t arg = 0, OpQueue* q = nullptr) { return {this, q, arg, k}; }
    void status_read(OpQueue& q, uint64_t status, bool first);
    void handle_status(OpQueue& q, bool first);
    struct Counter {
        bool fixed = false;
        int index = -1;        // GP or fixed counter number; -1: a multiplexed event off the PMU
        uint64_t config = 0;   // PERFEVTSEL value with EN (GP), or the 4-bit field (fixed)
        uint64_t last = 0;     // value at the previous read / schedule-in
        uint64_t since = 0;    // cycle of the last read or of the start of counting
        uint64_t running = 0;  // cycles counted while on the PMU
    };
    // A counter's code in completions: its index, and whether it is a GP topdown event's.
    uint32_t code_of(const Counter& c) const;
    Counter& counter_of(uint32_t code) { return (code & 1 ? tma_counters_ : counters_)[code >> 1]; }
    Counter place(const StatEventSpec& s, const char* list, bool flexible, unsigned& next_gp, uint32_t& fixed_used) const;
    void place_all();
    SoftOp read_op(bool tma, size_t i, bool record_cycle);
    void read_counters(OpQueue& q, bool record_cycle = false);
    void program(OpQueue& q, bool enable);
    void program_gp(OpQueue& q, Counter& c, bool enable);
    SoftOp zero_counter(uint32_t msr, const Counter& c);
    void read_topdown(OpQueue& q);
    void finish_reading(uint64_t cycle);
    void global_ctrl(OpQueue& q, uint64_t v, const char* what) const;
    void begin_reading();                             // pending_ for a reading of every event
    static uint64_t arch_encoding(unsigned fixed_index);  // a fixed counter's event on a GP counter
    uint64_t mask(const Counter& c) const { return c.fixed ? cpu_.fixed_mask() : cpu_.gp_mask(); }
    uint64_t fixed_fields(bool enable) const;
    uint64_t enabled_global() const;  // GLOBAL_CTRL while the session counts
    uint64_t fixed_field_mask() const;
    // The counter loops of program() and read_counters(): built into q, or replayed.
    enum List : unsigned { kProgramOn, kProgramOff, kReadRecording, kReadPlain, kLists };
    void program_counters(OpQueue& q, bool enable);
    void read_loop(OpQueue& q, bool record_cycle);
    void build_list(OpQueue& q, List l);
    void replay(OpQueue& q, List l);
    void placement_changed() { built_ = 0; }  // the counters moved: the lists are built again

    std::string context_;
    CpuConfig cpu_;
    PerfSession s_;
    std::vector<Counter> counters_;        // counting events
    std::vector<Counter> tma_counters_;
    std::vector<size_t> flex_;             // GP counting events in rotation order (perf's flexible list)
    std::vector<std::vector<size_t>> units_;  // flex_ as perf schedules it: groups ({a,b}) and lone events
    void schedule_flexible();
    unsigned flex_room_ = 0;               // GP counters they share
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
    bool replay_ = true;
    unsigned built_ = 0;  // bit l: lists_[l] is built for the current placement
    std::array<std::vector<SoftOp>, kLists> lists_;
    uint64_t fixed_mask_ = 0, fixed_on_ = 0;  // fixed_field_mask(), fixed_fields(true): fixed counters are pinned
    std::vector<std::string> read_labels_, tma_read_labels_;  // "read EVENT": the ops' labels point here
};

// Inline: the drivers complete about 30 operations a VM exit.
inline void SoftDone::operator()(uint64_t value, uint64_t cycle) const {
    if (model) model->complete(*this, value, cycle);
}

}  // namespace pmusim
#endif  // PMUSIM_SIM_PERF_PERF_MODEL_H

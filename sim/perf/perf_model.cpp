#include "sim/perf/perf_model.h"
#include "models/core/quote_value.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/pmu/pmu_state.h"
#include "models/pmu/register_table.h"

namespace pmusim {

namespace {
constexpr uint64_t kUsr = 1ull << 16, kOs = 1ull << 17, kInt = 1ull << 20, kEn = 1ull << 22;
// FIXED_CTR_CTRL field bits; bit 2 of field 3 (bit 14) is the Lunar Lake RDPMC metrics-clear.
constexpr uint64_t kFixedOs = 1, kFixedUsr = 2, kFixedMetricsClear = 4;
constexpr uint32_t kRdpmcSlots = (1u << 30) | 3, kRdpmcMetrics = 1u << 29;

SoftOp rd(uint32_t m, SoftDone d, std::string_view what) { return {SoftOp::Kind::Rdmsr, m, 0, d, what}; }
SoftOp wr(uint32_t m, uint64_t v, std::string_view what, SoftDone d = {}) { return {SoftOp::Kind::Wrmsr, m, v, d, what}; }
SoftOp pmc(uint32_t ecx, SoftDone d, std::string_view what) { return {SoftOp::Kind::Rdpmc, ecx, 0, d, what}; }
SoftOp marker(SoftDone d) { return {SoftOp::Kind::Marker, 0, 0, d, "marker"}; }
}  // namespace

double topdown_field_slots(uint64_t slots, double field, double field_max) {
    return std::floor(double(slots) * field / field_max);
}

PerfModel::PerfModel(std::string context, const CpuConfig& cpu, PerfSession s)
    : context_(std::move(context)), cpu_(cpu), s_(std::move(s)) {
    for (auto& e : s_.events)
        if (e.retire_latency)
            throw std::invalid_argument("event " + quote_value(e.name) + ": a retire latency (:R) is the mean of the PEBS "
                                        "samples perf record takes (tools/perf/util/intel-tpebs.c), not a counter to "
                                        "read; `pmusim topdown` evaluates the formulas that read it");
    place_all();
    for (auto& e : s_.events) read_labels_.push_back("read " + e.name);
    for (auto& n : s_.tma_names) tma_read_labels_.push_back("read " + n);
    totals.assign(s_.events.size(), 0);
    last_at_.assign(s_.events.size(), 0);
    tick_base_.assign(s_.events.size(), 0);
    tma_totals.assign(s_.tma_events.size(), 0);
    fixed_mask_ = fixed_field_mask();
    fixed_on_ = fixed_fields(true);
}

// Fixed events are pinned to their counters; GP counting events form perf's flexible list and
// take GP counters from 0, then the GP topdown events, then the sampled event. Multiplexed
// sessions share what the others leave among the flexible events (perf_rotate_context).
void PerfModel::place_all() {
    unsigned next_gp = s_.first_gp;
    uint32_t fixed_used = s_.topdown_group ? 1u << 3 : 0;
    unsigned reserved = s_.sampling ? 1 : 0;
    for (auto& e : s_.tma_events) reserved += e.fixed ? 0 : 1;
    const unsigned room = cpu_.num_gp - std::min(cpu_.num_gp, reserved);
    for (size_t i = 0; i < s_.events.size(); ++i) {
        StatEventSpec& e = s_.events[i];
        counters_.push_back(place(e, "events", true, next_gp, fixed_used));
        if (e.fixed) continue;
        // A group's GP events go on together. One that would make its group larger than the GP
        // counters is refused, as x86 validate_group refuses it at open: perf's "<not supported>".
        auto unit = std::find_if(units_.begin(), units_.end(),
                                 [&](const std::vector<size_t>& u) { return e.group >= 0 && s_.events[u[0]].group == e.group; });
        if (s_.multiplex && unit != units_.end() && unit->size() >= room) {
            e.supported = false;
            continue;
        }
        if (unit == units_.end()) units_.push_back({i});
        else unit->push_back(i);
        flex_.push_back(i);
    }
    flex_room_ = unsigned(flex_.size());
    if (s_.multiplex) {
        flex_room_ = std::min<unsigned>(flex_room_, room);
        schedule_flexible();
        next_gp = flex_room_;
    }
    for (auto& e : s_.tma_events) tma_counters_.push_back(place(e, "topdown", false, next_gp, fixed_used));
    if (s_.sampling) {
        StatEventSpec& e = s_.sample;
        if (e.fixed) e.config = arch_encoding(e.fixed_index);
        if (next_gp >= cpu_.num_gp)
            throw std::invalid_argument(s_.where + ".sample: no GP counter left for " + quote_value(e.name));
        sample_ = int(next_gp++);
        sample_config_ = e.config | (e.user ? kUsr : 0) | (e.kernel ? kOs : 0) | kInt | kEn;
    }
}

// ctx_sched_in of the flexible groups (kernel/events/core.c merge_sched_in): in list order, a
// group goes on when all its events fit; after the first that does not, none does this slice.
void PerfModel::schedule_flexible() {
    unsigned k = 0;
    for (const auto& u : units_) {
        if (k + u.size() > flex_room_) break;
        for (size_t i : u) counters_[i].index = int(k++);
    }
}

PerfModel::Counter PerfModel::place(const StatEventSpec& s, const char* list, bool flexible, unsigned& next_gp,
                                    uint32_t& fixed_used) const {
    Counter c;
    if (s.fixed && (s_.fixed_taken >> s.fixed_index) & 1u) {
        StatEventSpec gp = s;  // the architectural encoding on a GP counter
        gp.fixed = false;
        gp.config = arch_encoding(s.fixed_index);
        if (s.fixed_index > 2)
            throw std::invalid_argument(s_.where + "." + list + ": " + quote_value(s.name) + " needs fixed counter " +
                                        std::to_string(s.fixed_index) + ", which another perf context on this PMU holds");
        return place(gp, list, flexible, next_gp, fixed_used);
    }
    if (s.fixed) {
        if (fixed_used & (1u << s.fixed_index))
            throw std::invalid_argument(s_.where + "." + list + ": " + quote_value(s.name) + " needs fixed counter " +
                                        std::to_string(s.fixed_index) + ", already in use");
        fixed_used |= 1u << s.fixed_index;
        c.fixed = true;
        c.index = int(s.fixed_index);
        c.config = (s.kernel ? kFixedOs : 0) | (s.user ? kFixedUsr : 0);
        return c;
    }
    c.config = s.config | (s.user ? kUsr : 0) | (s.kernel ? kOs : 0) | kEn;
    if (flexible && s_.multiplex) return c;  // counters are handed out by place_all and rotate
    if (next_gp >= cpu_.num_gp)
        throw std::invalid_argument(s_.where + "." + list + ": " + quote_value(s.name) + " does not fit: " + context_ + " has " +
                                    std::to_string(cpu_.num_gp) + " GP counters");
    c.index = int(next_gp++);
    return c;
}

uint64_t PerfModel::gp_bits() const {
    uint64_t b = 0;
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (!c.fixed && c.index >= 0) b |= 1ull << c.index;
    if (sample_ >= 0) b |= 1ull << sample_;
    return b;
}

uint64_t PerfModel::counter_bits() const {
    uint64_t b = gp_bits();
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (c.fixed) b |= 1ull << (32 + c.index);
    if (s_.topdown_group) b |= (1ull << 35) | (1ull << status_bit::kPerfMetrics);
    return b;
}

uint64_t PerfModel::enabled_global() const {
    return s_.global_all ? cpu_.counter_bits() | (cpu_.perf_metrics() ? 1ull << status_bit::kPerfMetrics : 0)
                         : counter_bits();
}

uint64_t PerfModel::fixed_fields(bool enable) const {
    uint64_t f = 0;
    if (!enable) return 0;
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (c.fixed) f |= c.config << (4 * c.index);
    if (s_.topdown_group) f |= (kFixedOs | kFixedUsr | (s_.metrics_clear ? kFixedMetricsClear : 0)) << 12;
    return f;
}

uint64_t PerfModel::fixed_field_mask() const {
    uint64_t m = 0;
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (c.fixed) m |= 0xfull << (4 * c.index);
    if (s_.topdown_group) m |= 0xfull << 12;
    return m;
}

// perf_pmu_disable / perf_pmu_enable: GLOBAL_CTRL, where the PMU has it (version 2 and later;
// a version-1 PMU is enabled by its selectors alone).
void PerfModel::global_ctrl(OpQueue& q, uint64_t v, const char* what) const {
    if (cpu_.has_global_ctrl()) q.push_back(wr(msr::kGlobalCtrl, v, what));
}

// Counting starts from 0 when this write has run (reads queued before it still see the old value).
SoftOp PerfModel::zero_counter(uint32_t m, const Counter& c) {
    return wr(m, 0, "zero counter", done_of(SoftDone::Kind::ZeroCounter, code_of(c)));
}

// A GP counter on: value 0, then its selector with EN; off: the selector without EN
// (x86_pmu_enable_event / x86_pmu_disable_event).
void PerfModel::program_gp(OpQueue& q, Counter& c, bool enable) {
    if (enable) {
        q.push_back(zero_counter(msr::kPmc0 + c.index, c));
    }
    q.push_back(wr(msr::kPerfEvtSel0 + c.index, enable ? c.config : c.config & ~kEn, "selector"));
}

// Programs the counters (values to 0, selectors and fixed fields on or off). GLOBAL_CTRL is
// written by the caller. Fixed fields: read-modify-write, so other fields are left as found
// (the older intel_pmu_disable_fixed / intel_pmu_enable_fixed form).
void PerfModel::program(OpQueue& q, bool enable) {
    replay(q, enable ? kProgramOn : kProgramOff);
    if (sample_ >= 0) {
        if (enable) {
            // A fresh period at start, the remaining one after a schedule-out (period_left).
            const uint64_t start = sample_left_ ? sample_left_ : (0 - s_.sample_period) & cpu_.gp_mask();
            // Full-width alias when the CPU has it (a legacy PMC write sign-extends bit 31).
            q.push_back(wr(cpu_.fw_write() ? msr::kAPmc0 + sample_ : msr::kPmc0 + sample_, start, "sample period"));
        }
        q.push_back(wr(msr::kPerfEvtSel0 + sample_, enable ? sample_config_ : sample_config_ & ~kEn, "sample selector"));
    }
    // Completed with the fields this session sets (FixedRmw): fixed_mask_ and fixed_on_.
    if (fixed_mask_) q.push_back(rd(msr::kFixedCtrCtrl, done_of(SoftDone::Kind::FixedRmw, enable, &q), "FIXED_CTR_CTRL for read-modify-write"));
}

// The slots leader starts from 0 and is written before PERF_METRICS (icl_update_topdown_event).
void PerfModel::start(OpQueue& q) {
    global_ctrl(q, 0, "disable all");
    program(q, true);
    if (s_.topdown_group) {
        q.push_back(wr(msr::kFixedCtr0 + 3, 0, "zero slots", done_of(SoftDone::Kind::TopdownReset)));
        q.push_back(wr(msr::kPerfMetrics, 0, "zero metrics"));
    }
    saved_slots_ = saved_metric_ = 0;
    global_ctrl(q, enabled_global(), "enable all");
    q.push_back(marker(done_of(SoftDone::Kind::ScheduledIn, 1)));
}

// One RDPMC of event i: adds the change since the previous read to its total (deltas modulo the
// counter width, as x86_perf_event_update) and its time on the PMU.
// Its completion is SoftDone::Kind::ReadCounter with the event and these two flags as its code.
SoftOp PerfModel::read_op(bool tma, size_t i, bool record_cycle) {
    const Counter& c = (tma ? tma_counters_ : counters_)[i];
    const uint32_t code = uint32_t(i) << 2 | (record_cycle ? 2 : 0) | (tma ? 1 : 0);
    return pmc(c.fixed ? (1u << 30) | uint32_t(c.index) : uint32_t(c.index), done_of(SoftDone::Kind::ReadCounter, code),
               (tma ? tma_read_labels_ : read_labels_)[i]);
}

// One RDPMC per counter on the PMU. `record_cycle`: the reading's `to` receives the cycle each
// event was read.
void PerfModel::read_counters(OpQueue& q, bool record_cycle) { replay(q, record_cycle ? kReadRecording : kReadPlain); }

// Fixed counters 0-2's events as GP encodings (SDM Vol.3B Table 18-1: INST_RETIRED.ANY_P,
// CPU_CLK_UNHALTED.THREAD_P, CPU_CLK_UNHALTED.REF_TSC_P); 0 for the others.
uint64_t PerfModel::arch_encoding(unsigned fixed_index) {
    static constexpr uint64_t kEnc[3] = {0xc0, 0x3c, 0x13c};
    return fixed_index < 3 ? kEnc[fixed_index] : 0;
}

void PerfModel::begin_reading() {
    pending_ = AgentReading{};
    pending_.deltas.assign(s_.events.size(), 0);
    pending_.from = last_at_;
    pending_.to.assign(s_.events.size(), 0);
}

void PerfModel::tick(OpQueue& q) {
    if (!in_) {
        // A host session scheduled out has nothing in hardware to read.
        return;
    }
    begin_reading();
    // Every earlier operation has run when a reading is queued: the last reset is known.
    pending_.td_from = td_reset_at_;
    read_counters(q, true);
    if (s_.topdown_group) read_topdown(q);
    q.push_back(marker(done_of(SoftDone::Kind::FinishReading)));
}

// perf disables the PMU around the topdown read-and-reset (intel_pmu_read_topdown_event), so
// FIXED_CTR3 and PERF_METRICS are read and zeroed at one instant. The reset writes FIXED_CTR3
// first: PERF_METRICS is relative to it (intel_update_topdown_event; reference §2.3). With the
// metrics-clear mode the metrics RDPMC zeroes both and no write follows.
void PerfModel::read_topdown(OpQueue& q) {
    global_ctrl(q, 0, "perf_pmu_disable");
    q.push_back(pmc(kRdpmcSlots, done_of(SoftDone::Kind::ReadSlots), "read slots"));
    q.push_back(pmc(kRdpmcMetrics, done_of(SoftDone::Kind::ReadMetrics), "read PERF_METRICS"));
    if (!s_.metrics_clear) {
        q.push_back(wr(msr::kFixedCtr0 + 3, 0, "reset slots", done_of(SoftDone::Kind::TopdownReset)));
        q.push_back(wr(msr::kPerfMetrics, 0, "reset PERF_METRICS"));
    }
    global_ctrl(q, enabled_global(), "perf_pmu_enable");
}

void PerfModel::finish_reading(uint64_t cycle) {
    pending_.td_restored_slots = restored_slots_;
    restored_slots_ = 0;
    for (size_t i = 0; i < s_.events.size(); ++i) {
        pending_.deltas[i] = totals[i] - tick_base_[i];
        tick_base_[i] = totals[i];
        if (counters_[i].index < 0) pending_.to[i] = cycle;  // off the PMU: nothing to read
    }
    last_at_ = pending_.to;
    pending_.cycle = cycle;
    pending_.topdown = s_.topdown_group;
    saved_slots_ = saved_metric_ = 0;
    if (s_.topdown_group) {
        td_slots += pending_.slots;
        const uint64_t fmax = (1ull << metrics_bits_) - 1;
        for (unsigned k = 0; k < 8 && metrics_bits_ * k < 64; ++k)
            td_field_slots[k] += double((pending_.metrics >> (metrics_bits_ * k)) & fmax) * double(pending_.slots) / double(fmax);
    }
    last_reading = pending_;
    ++reading_count;
    if (on_reading) on_reading(last_reading);
}

void PerfModel::pmi(OpQueue& q) {
    ++pmis;
    handle_status(q, true);
}

// intel_pmu_handle_irq's loop: the status is read again before a late ack, and whatever
// overflowed while the handler ran is handled in the same interrupt.
void PerfModel::pmi_recheck(OpQueue& q) { handle_status(q, false); }

// intel_pmu_handle_irq: read the status, handle own overflows, acknowledge everything read.
void PerfModel::handle_status(OpQueue& q, bool first) {
    q.push_back(rd(msr::kGlobalStatus, done_of(SoftDone::Kind::Status, first ? 1 : 0, &q),
                   first ? "PMI: read GLOBAL_STATUS" : "PMI: read GLOBAL_STATUS again"));
}

// The handler's status read: a sample reload and the acknowledgement go first in the queue.
void PerfModel::status_read(OpQueue& q, uint64_t status, bool first) {
    bool own = false;
    if (status) q.push_front(wr(msr::kGlobalStatusReset, status, "acknowledge"));
    if (sample_ >= 0 && ((status >> sample_) & 1)) {
        ++samples;
        own = true;
        const uint64_t start = (0 - s_.sample_period) & cpu_.gp_mask();
        q.push_front(wr(cpu_.fw_write() ? msr::kAPmc0 + sample_ : msr::kPmc0 + sample_, start, "reload sample period"));
    }
    if (status & counter_bits()) own = true;
    if (!own && first) ++spurious_pmis;
}

void PerfModel::ctx_disable(OpQueue& q) const { global_ctrl(q, 0, "perf_ctx_disable"); }
void PerfModel::ctx_enable(OpQueue& q) const { global_ctrl(q, enabled_global(), "perf_ctx_enable"); }

void PerfModel::sched_out_ctx(OpQueue& q, bool pmu_ops, bool reading) {
    if (!in_) return;
    if (pmu_ops) global_ctrl(q, 0, "perf_ctx_disable");
    if (reading) begin_reading();
    read_counters(q, reading);
    if (s_.topdown_group) {
        // Saved without reset (intel_update_topdown_event on schedule-out).
        q.push_back(pmc(kRdpmcSlots, done_of(SoftDone::Kind::SaveSlots), "save slots"));
        q.push_back(pmc(kRdpmcMetrics, done_of(SoftDone::Kind::SaveMetrics), "save PERF_METRICS"));
    }
    if (sample_ >= 0) q.push_back(pmc(uint32_t(sample_), done_of(SoftDone::Kind::SaveSample), "save sample counter"));
    program(q, false);
    if (reading) q.push_back(marker(done_of(SoftDone::Kind::FinishReading)));
    if (pmu_ops) global_ctrl(q, s_.global_all ? enabled_global() : 0, "perf_ctx_enable");
    q.push_back(marker(done_of(SoftDone::Kind::ScheduledIn, 0)));
}

void PerfModel::sched_in_ctx(OpQueue& q, bool pmu_ops) {
    if (in_) return;
    if (pmu_ops) global_ctrl(q, 0, "perf_ctx_disable");
    program(q, true);
    if (s_.topdown_group && saved_slots_) {
        // icl_set_topdown_event_period: FIXED_CTR3, then PERF_METRICS.
        if (saved_metric_) restored_slots_ += saved_slots_;
        q.push_back(wr(msr::kFixedCtr0 + 3, saved_slots_, "restore slots"));
        q.push_back(wr(msr::kPerfMetrics, saved_metric_, "restore PERF_METRICS"));
    }
    if (pmu_ops) global_ctrl(q, enabled_global(), "perf_ctx_enable");
    q.push_back(marker(done_of(SoftDone::Kind::ScheduledIn, 1)));
}

// perf_rotate_context: with the PMU disabled, the flexible events on counters are read and taken
// off (ctx_sched_out), the list is rotated by one (rotate_ctx), and the first that fit are put on
// counters from 0 (ctx_sched_in). Pinned events (the fixed counters, the topdown group) stay.
void PerfModel::rotate(OpQueue& q) {
    if (!in_ || !multiplexed()) return;
    global_ctrl(q, 0, "perf_pmu_disable");
    // In list order, which is counter order: the groups on counters were put there from PMC0 on.
    for (const auto& u : units_)
        for (size_t i : u) {
            Counter& c = counters_[i];
            if (c.index < 0) continue;
            q.push_back(read_op(false, i, false));
            program_gp(q, c, false);
            c.index = -1;
        }
    std::rotate(units_.begin(), units_.begin() + 1, units_.end());  // rotate_ctx: the first group to the end
    schedule_flexible();
    placement_changed();
    for (const auto& u : units_)
        for (size_t i : u)
            if (counters_[i].index >= 0) program_gp(q, counters_[i], true);
    global_ctrl(q, enabled_global(), "perf_pmu_enable");
}

}  // namespace pmusim

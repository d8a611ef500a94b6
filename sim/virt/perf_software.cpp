#include "sim/virt/perf_software.h"

#include <stdexcept>

#include "models/pmu/register_table.h"
#include "sim/topdown.h"
#include "tma/tma_engine.h"

namespace pmusim {

namespace {
constexpr uint64_t kUsr = 1ull << 16, kOs = 1ull << 17, kInt = 1ull << 20, kEn = 1ull << 22;
constexpr uint64_t kFixedOs = 1, kFixedUsr = 2, kFixedPmi = 8;

SoftOp rd(uint32_t m, std::function<void(uint64_t, uint64_t)> f, std::string what) {
    return {SoftOp::Kind::Rdmsr, m, 0, std::move(f), std::move(what)};
}
SoftOp wr(uint32_t m, uint64_t v, std::string what) { return {SoftOp::Kind::Wrmsr, m, v, nullptr, std::move(what)}; }
SoftOp pmc(uint32_t ecx, std::function<void(uint64_t, uint64_t)> f, std::string what) {
    return {SoftOp::Kind::Rdpmc, ecx, 0, std::move(f), std::move(what)};
}
SoftOp marker(std::function<void(uint64_t, uint64_t)> f) { return {SoftOp::Kind::Marker, 0, 0, std::move(f), "marker"}; }
}  // namespace

PerfSoftware::PerfSoftware(std::string context, const CpuConfig& cpu, const AgentConfig& cfg, bool host, bool global_all)
    : context_(std::move(context)), cpu_(cpu), cfg_(cfg), host_(host), global_all_(global_all) {
    const std::string where = context_ + ".perf";
    unsigned next_gp = 0;
    uint32_t fixed_used = 0;
    pm_ = cfg_.topdown && cpu_.perf_metrics() && cpu_.tma_family != TmaFamily::Skylake;
    if (pm_) fixed_used |= 1u << 3;
    auto place = [&](const StatEventSpec& s, const std::string& list) {
        Counter c;
        if (s.fixed) {
            if (fixed_used & (1u << s.fixed_index))
                throw std::invalid_argument(where + "." + list + ": '" + s.name + "' needs fixed counter " +
                                            std::to_string(s.fixed_index) + ", already in use");
            fixed_used |= 1u << s.fixed_index;
            c.fixed = true;
            c.index = s.fixed_index;
            c.config = (s.kernel ? kFixedOs : 0) | (s.user ? kFixedUsr : 0);
        } else {
            if (next_gp >= cpu_.num_gp)
                throw std::invalid_argument(where + "." + list + ": '" + s.name + "' does not fit: " + context_ +
                                            " has " + std::to_string(cpu_.num_gp) + " GP counters");
            c.index = next_gp++;
            c.config = s.config | (s.user ? kUsr : 0) | (s.kernel ? kOs : 0) | kEn;
        }
        return c;
    };
    for (auto& name : cfg_.events) {
        StatEventSpec s;
        try {
            s = parse_stat_event(name, cpu_);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(where + ".events: " + e.what());
        }
        events_.push_back(s);
        counters_.push_back(place(s, "events"));
    }
    if (cfg_.topdown && !pm_) {
        // No PERF_METRICS: the Level-1 formulas from GP events (docs/tma.md), slots on FIXED_CTR3.
        tma::Model md;
        md.family = static_cast<tma::Family>(cpu_.tma_family);
        md.method = tma::Method::GpEvents;
        md.level = 1;
        md.slots_per_cycle = cpu_.slots_per_cycle;
        md.pm_fields = 0;
        if (md.family != tma::Family::Skylake && !cpu_.has_fixed(3))
            throw std::invalid_argument(where + ".topdown: the " + std::string(tma::family_name(md.family)) +
                                        " GP formulas need TOPDOWN.SLOTS on fixed counter 3");
        for (tma::Ev e : tma::required_events(md)) {
            const std::string n = tma::event_name(e, md.family);
            StatEventSpec s = parse_stat_event(n, cpu_);
            tma_names_.push_back(n);
            tma_counters_.push_back(place(s, "topdown"));
        }
    }
    if (!cfg_.sample_event.empty()) {
        if (cfg_.sample_period == 0) throw std::invalid_argument(where + ".sample.period: must be at least 1");
        StatEventSpec s = parse_stat_event(cfg_.sample_event, cpu_);
        if (s.fixed) s.config = s.fixed_index == 0 ? 0xc0 : s.fixed_index == 1 ? 0x3c : 0x13c;  // architectural encodings
        if (next_gp >= cpu_.num_gp)
            throw std::invalid_argument(where + ".sample: no GP counter left for '" + s.name + "'");
        sample_ = int(next_gp++);
        sample_config_ = s.config | (s.user ? kUsr : 0) | (s.kernel ? kOs : 0) | kInt | kEn;
    }
    totals.assign(events_.size(), 0);
    last_at_.assign(events_.size(), 0);
    tick_base_.assign(events_.size(), 0);
    tma_totals.assign(tma_names_.size(), 0);
}

uint64_t PerfSoftware::gp_bits() const {
    uint64_t b = 0;
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (!c.fixed) b |= 1ull << c.index;
    if (sample_ >= 0) b |= 1ull << sample_;
    return b;
}

uint64_t PerfSoftware::counter_bits() const {
    uint64_t b = gp_bits();
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (c.fixed) b |= 1ull << (32 + c.index);
    if (pm_) b |= (1ull << 35) | (1ull << status_bit::kPerfMetrics);
    return b;
}

uint64_t PerfSoftware::enabled_global() const {
    return global_all_ ? cpu_.counter_bits() | (cpu_.perf_metrics() ? 1ull << status_bit::kPerfMetrics : 0) : counter_bits();
}

uint64_t PerfSoftware::fixed_fields(bool enable) const {
    uint64_t f = 0;
    if (!enable) return 0;
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (c.fixed) f |= c.config << (4 * c.index);
    if (pm_) f |= (kFixedOs | kFixedUsr) << 12;
    return f;
}

uint64_t PerfSoftware::fixed_field_mask() const {
    uint64_t m = 0;
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v)
            if (c.fixed) m |= 0xfull << (4 * c.index);
    if (pm_) m |= 0xfull << 12;
    return m;
}

// Programs the counters (values to 0, selectors and fixed fields on or off). GLOBAL_CTRL is
// written by the caller. Fixed fields: read-modify-write, so other fields are left as found.
void PerfSoftware::program(OpQueue& q, bool enable) {
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v) {
            if (enable) {
                c.last = 0;
                q.push_back(wr(c.fixed ? msr::kFixedCtr0 + c.index : msr::kPmc0 + c.index, 0, "zero counter"));
            }
            if (!c.fixed) q.push_back(wr(msr::kPerfEvtSel0 + c.index, enable ? c.config : c.config & ~kEn, "selector"));
        }
    if (sample_ >= 0) {
        if (enable) {
            // A fresh period at start, the remaining one after a schedule-out (period_left).
            const uint64_t start = sample_left_ ? sample_left_ : (0 - cfg_.sample_period) & cpu_.gp_mask();
            // Full-width alias when the CPU has it (a legacy PMC write sign-extends bit 31).
            q.push_back(wr(cpu_.fw_write() ? msr::kAPmc0 + sample_ : msr::kPmc0 + sample_, start, "sample period"));
        }
        q.push_back(wr(msr::kPerfEvtSel0 + sample_, enable ? sample_config_ : sample_config_ & ~kEn, "sample selector"));
    }
    const uint64_t fm = fixed_field_mask();
    if (fm) {
        const uint64_t want = fixed_fields(enable);
        q.push_back(rd(msr::kFixedCtrCtrl, [this, &q, fm, want](uint64_t cur, uint64_t) {
            SoftOp w = wr(msr::kFixedCtrCtrl, (cur & ~fm) | want, "fixed fields (read-modify-write)");
            w.keep = ~fm;
            q.push_front(w);
        }, "FIXED_CTR_CTRL for read-modify-write"));
    }
}

void PerfSoftware::start(OpQueue& q) {
    q.push_back(wr(msr::kGlobalCtrl, 0, "disable all"));
    program(q, true);
    if (pm_) {
        SoftOp z = wr(msr::kFixedCtr0 + 3, 0, "zero slots");
        z.done = [this](uint64_t, uint64_t c) { td_reset_at_ = c; };
        q.push_back(z);
        q.push_back(wr(msr::kPerfMetrics, 0, "zero metrics"));
    }
    saved_slots_ = saved_metric_ = 0;
    q.push_back(wr(msr::kGlobalCtrl, enabled_global(), "enable all"));
    q.push_back(marker([this](uint64_t, uint64_t) { in_ = true; }));
}

// One RDPMC per counter; each adds the change since the previous read to its total. `at`, when
// given, receives the cycle each counting event was read.
void PerfSoftware::read_counters(OpQueue& q, std::vector<uint64_t>* at) {
    auto read_all = [&](std::vector<Counter>& cs, std::vector<uint64_t>& tot, std::vector<uint64_t>* when, auto name_of) {
        for (size_t i = 0; i < cs.size(); ++i)
            q.push_back(pmc(rdpmc_index(cs[i]), [this, &cs, &tot, when, i](uint64_t v, uint64_t cycle) {
                Counter& c = cs[i];
                tot[i] += (v - c.last) & mask(c);
                c.last = v;
                if (when) (*when)[i] = cycle;
            }, "read " + name_of(i)));
    };
    read_all(counters_, totals, at, [&](size_t i) { return events_[i].name; });
    read_all(tma_counters_, tma_totals, nullptr, [&](size_t i) { return tma_names_[i]; });
}

void PerfSoftware::tick(OpQueue& q) {
    if (!in_) {
        // A host session scheduled out has nothing in hardware to read.
        return;
    }
    pending_ = AgentReading{};
    pending_.deltas.assign(events_.size(), 0);
    pending_.from = last_at_;
    pending_.to.assign(events_.size(), 0);
    // Every earlier operation has run when a reading is queued: the last reset is known.
    pending_.td_from = td_reset_at_;
    read_counters(q, &pending_.to);
    if (pm_) {
        // perf disables the PMU around the topdown read-and-reset (intel_pmu_read_topdown_event),
        // so FIXED_CTR3 and PERF_METRICS are read and zeroed at one instant.
        q.push_back(wr(msr::kGlobalCtrl, 0, "perf_pmu_disable"));
        q.push_back(pmc((1u << 30) | 3, [this](uint64_t v, uint64_t c) { pending_.slots = v; pending_.td_to = c; }, "read slots"));
        q.push_back(pmc(1u << 29, [this](uint64_t v, uint64_t) { pending_.metrics = v; }, "read PERF_METRICS"));
        // Reset FIXED_CTR3 first: PERF_METRICS is relative to it (reference §2.3).
        SoftOp r = wr(msr::kFixedCtr0 + 3, 0, "reset slots");
        r.done = [this](uint64_t, uint64_t c) { td_reset_at_ = c; };
        q.push_back(r);
        q.push_back(wr(msr::kPerfMetrics, 0, "reset PERF_METRICS"));
        q.push_back(wr(msr::kGlobalCtrl, enabled_global(), "perf_pmu_enable"));
    }
    q.push_back(marker([this](uint64_t, uint64_t cycle) {
        pending_.td_restored_slots = restored_slots_;
        restored_slots_ = 0;
        for (size_t i = 0; i < events_.size(); ++i) {
            pending_.deltas[i] = totals[i] - tick_base_[i];
            tick_base_[i] = totals[i];
        }
        last_at_ = pending_.to;
        pending_.cycle = cycle;
        pending_.topdown = pm_;
        saved_slots_ = saved_metric_ = 0;
        if (pm_) {
            td_slots += pending_.slots;
            const uint64_t fmax = (1ull << metrics_bits_) - 1;
            for (unsigned k = 0; k < 8 && metrics_bits_ * k < 64; ++k)
                td_field_slots[k] += double((pending_.metrics >> (metrics_bits_ * k)) & fmax) * double(pending_.slots) / double(fmax);
        }
        readings.push_back(pending_);
        if (on_reading) on_reading(readings.back());
    }));
}

void PerfSoftware::pmi(OpQueue& q) {
    ++pmis;
    // intel_pmu_handle_irq: read the status, handle own overflows, acknowledge everything read.
    q.push_back(rd(msr::kGlobalStatus, [this, &q](uint64_t status, uint64_t) {
        std::vector<SoftOp> follow;
        bool own = false;
        if (sample_ >= 0 && ((status >> sample_) & 1)) {
            ++samples;
            own = true;
            const uint64_t start = (0 - cfg_.sample_period) & cpu_.gp_mask();
            follow.push_back(wr(cpu_.fw_write() ? msr::kAPmc0 + sample_ : msr::kPmc0 + sample_, start, "reload sample period"));
        }
        if (status & counter_bits()) own = true;
        if (!own) ++spurious_pmis;
        if (status) follow.push_back(wr(msr::kGlobalStatusReset, status, "acknowledge"));
        for (auto it = follow.rbegin(); it != follow.rend(); ++it) q.push_front(*it);
    }, "PMI: read GLOBAL_STATUS"));
}

void PerfSoftware::sched_out(OpQueue& q) {
    if (!in_) return;
    q.push_back(wr(msr::kGlobalCtrl, 0, "perf_ctx_disable"));
    read_counters(q);
    if (pm_) {
        // Saved without reset (intel_update_topdown_event on schedule-out).
        q.push_back(pmc((1u << 30) | 3, [this](uint64_t v, uint64_t) { saved_slots_ = v; }, "save slots"));
        q.push_back(pmc(1u << 29, [this](uint64_t v, uint64_t) { saved_metric_ = v; }, "save PERF_METRICS"));
    }
    if (sample_ >= 0)
        q.push_back(pmc(uint32_t(sample_), [this](uint64_t v, uint64_t) { sample_left_ = v; }, "save sample counter"));
    program(q, false);
    q.push_back(wr(msr::kGlobalCtrl, global_all_ ? enabled_global() : 0, "perf_ctx_enable"));
    q.push_back(marker([this](uint64_t, uint64_t) { in_ = false; }));
}

void PerfSoftware::sched_in(OpQueue& q) {
    if (in_) return;
    q.push_back(wr(msr::kGlobalCtrl, 0, "perf_ctx_disable"));
    program(q, true);
    if (pm_ && saved_slots_) {
        if (saved_metric_) restored_slots_ += saved_slots_;
        q.push_back(wr(msr::kFixedCtr0 + 3, saved_slots_, "restore slots"));
        q.push_back(wr(msr::kPerfMetrics, saved_metric_, "restore PERF_METRICS"));
    }
    q.push_back(wr(msr::kGlobalCtrl, enabled_global(), "perf_ctx_enable"));
    q.push_back(marker([this](uint64_t, uint64_t) { in_ = true; }));
}

}  // namespace pmusim

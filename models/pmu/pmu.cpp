#include "models/pmu/pmu.h"

#include <cstdio>

namespace pmusim {

const char* access_kind_name(AccessKind k) {
    switch (k) {
        case AccessKind::Rdmsr: return "RDMSR";
        case AccessKind::Wrmsr: return "WRMSR";
        case AccessKind::Rdpmc: return "RDPMC";
    }
    return "?";
}

const std::vector<std::pair<std::string, std::string>>& semantics_fields() {
    static const std::vector<std::pair<std::string, std::string>> f = {
        {"pmi_skid", "cycles between the overflow and the PMI (default 0)"},
        {"metrics_need_global_bit48", "PERF_METRICS accumulates only while GLOBAL_CTRL[48] is set (default 1)"},
        {"metrics_overflow_on_fc3_wrap", "GLOBAL_STATUS[48] is set when FIXED_CTR3 wraps while metrics count (default 1)"},
        {"status_set_raises_pmi", "a STATUS_SET write of a PMI-enabled counter bit raises a PMI (default 0)"},
        {"cr4_pce", "CR4.PCE: RDPMC allowed at CPL > 0 (default 1)"},
        {"metrics_field_bits", "what-if: bits per PERF_METRICS field, 1..16 (hardware and default 8)"},
    };
    return f;
}

void apply_semantics_override(Semantics& s, const std::string& name, uint64_t v) {
    auto flag = [&](bool& b) {
        if (v > 1) throw ConfigError(name, "must be 0 or 1, got " + std::to_string(v));
        b = v != 0;
    };
    if (name == "pmi_skid") {
        if (v > 1'000'000) throw ConfigError(name, "must be at most 1000000 cycles");
        s.pmi_skid = v;
    } else if (name == "metrics_need_global_bit48") flag(s.metrics_need_global_bit48);
    else if (name == "metrics_overflow_on_fc3_wrap") flag(s.metrics_overflow_on_fc3_wrap);
    else if (name == "status_set_raises_pmi") flag(s.status_set_raises_pmi);
    else if (name == "cr4_pce") flag(s.cr4_pce);
    else if (name == "metrics_field_bits") {
        if (v < 1 || v > 16) throw ConfigError(name, "must be within 1..16 bits, got " + std::to_string(v));
        s.metrics_field_bits = static_cast<unsigned>(v);
    }
    else throw ConfigError(name, "unknown semantics field");
}

Pmu::Pmu(CpuConfig cpu, Semantics sem, std::unique_ptr<Workload> workload)
    : cpu_(std::move(cpu)), sem_(sem), table_(cpu_), workload_(std::move(workload)) {
    if (!workload_) workload_ = std::make_unique<SteadyWorkload>(SteadyParams{});
    workload_->bind(cpu_);
    reset();
}

void Pmu::set_workload(std::unique_ptr<Workload> w) {
    end_block();
    workload_ = std::move(w);
    workload_->bind(cpu_);
    cursor_cycle_ = kForever;
    chunk_end_.phase = nullptr;  // the old workload's phases may be freed and their addresses reused
    program_end_.phase = nullptr;
}

void Pmu::reset() {
    end_block();
    const uint64_t cycle = st_.cycle;
    st_ = PmuState{};
    st_.cycle = cycle;
    for (auto& r : table_.all()) {
        if (r.kind == RegKind::GlobalCtrl) st_.global_ctrl = r.reset;
    }
    pending_.clear();
    replan();
}


AccessResult Pmu::rdmsr(uint32_t msr) {
    const RegisterDesc* r = table_.find(msr);
    if (!r) return AccessResult::gp("MSR " + hex_string(msr) + " is not enumerated by this CPU (" + cpu_.preset + ")");
    return read_register(*r);
}

AccessResult Pmu::wrmsr(uint32_t msr, uint64_t v) {
    const RegisterDesc* r = table_.find(msr);
    if (!r) return AccessResult::gp("MSR " + hex_string(msr) + " is not enumerated by this CPU (" + cpu_.preset + ")");
    if (!writable(*r, v)) {  // the rule access_quiet applies too; the text only here
        if (r->access == Access::ReadOnly) return AccessResult::gp(r->name + " is read-only");
        return AccessResult::gp(r->name + ": reserved bits " + hex_string(v & r->reserved) + " set in " + hex_string(v));
    }
    return write_register(*r, v);
}

AccessResult Pmu::load_register(uint32_t msr, uint64_t v) {
    end_block();
    const RegisterDesc* r = table_.find(msr);
    if (r && r->kind == RegKind::GlobalStatus) {
        st_.global_status = v;
        return AccessResult::value_of(0);
    }
    if (r && r->kind == RegKind::Pmc) {
        write_pmc_full(r->index, v);
        return AccessResult::value_of(0);
    }
    return wrmsr(msr, v);
}

// The one place where behaviour is attached to register kinds.
uint64_t Pmu::read_value(const RegisterDesc& r) const {
    settle();
    switch (r.kind) {
        case RegKind::Pmc:
        case RegKind::APmc: return st_.counter[r.index];
        case RegKind::PerfEvtSel: return st_.evtsel[r.index];
        case RegKind::FixedCtr: return st_.counter[fixed_slot(r.index)];
        case RegKind::FixedCtrCtrl: return st_.fixed_ctr_ctrl;
        case RegKind::GlobalStatus: return st_.global_status;
        case RegKind::GlobalCtrl: return st_.global_ctrl;
        case RegKind::GlobalStatusReset:
        case RegKind::GlobalStatusSet: return 0;  // assumption: reads 0 (KVM)
        case RegKind::GlobalInuse: return global_inuse();
        case RegKind::PerfCapabilities: return cpu_.perf_capabilities;
        case RegKind::DebugCtl: return st_.debugctl;
        case RegKind::PerfMetrics: return perf_metrics_value();
    }
    return 0;
}

AccessResult Pmu::write_register(const RegisterDesc& r, uint64_t v) {
    if (!write_value(r, v)) return AccessResult::gp(r.name + " is read-only");
    return AccessResult::value_of(0);
}

bool Pmu::write_value(const RegisterDesc& r, uint64_t v) {
    end_block();  // a block's carry cycle and sums assume the registers it started with
    switch (r.kind) {
        case RegKind::Pmc: write_pmc_legacy(r.index, v); break;
        case RegKind::APmc: write_pmc_full(r.index, v); break;
        case RegKind::PerfEvtSel: write_evtsel(r.index, v); break;
        case RegKind::FixedCtr: write_fixed(r.index, v); break;
        case RegKind::FixedCtrCtrl: write_fixed_ctr_ctrl(v); break;
        case RegKind::GlobalCtrl: write_global_ctrl(v); break;
        case RegKind::GlobalStatusReset: write_status_reset(v); break;
        case RegKind::GlobalStatusSet: write_status_set(v); break;
        case RegKind::DebugCtl: st_.debugctl = v; break;
        case RegKind::PerfMetrics: write_perf_metrics(v); break;
        case RegKind::GlobalStatus:
        case RegKind::GlobalInuse:
        case RegKind::PerfCapabilities: return false;
    }
    return true;
}

void Pmu::replan() {
    armed_.fill({});
    for (PlanSet& p : plan_sets_) p.valid = false;  // the semantics may have changed
    for (unsigned i = 0; i < kNumCounterSlots; ++i) plan_[i] = plan_of(i);
    finish_plan();
}

// A write changed the programming of the slots in `slots` only (bit s: counter slot s). The other
// plans are still what plan_of() would give: only these are derived again, and what follows from
// the plans together only if one of them changed (a selector written while its GLOBAL_CTRL bit is
// clear, as KVM and perf do, changes none). Returns whether one changed.
bool Pmu::replan_slots(uint32_t slots) {
    bool changed = false;
    for (uint32_t m = slots; m; m &= m - 1) {
        const unsigned i = unsigned(__builtin_ctz(m));
        const CounterPlan p = plan_of(i);
        if (p == plan_[i]) continue;
        plan_[i] = p;
        changed = true;
    }
    if (changed) finish_plan();
    return changed;
}

// GLOBAL_CTRL changed the enable bits of the slots in `slots` only (KVM and host perf stop and
// start all counters at once, about six times a VM exit). A stopped counter's plan is only its
// width; a started one's is the plan kept from its last start when its control is unchanged
// since, else derived. What follows from the plans together, only if one changed.
bool Pmu::replan_enables(uint32_t slots) {
    if (!cpu_.has_global_ctrl()) return replan_slots(slots);  // (unreachable: no GLOBAL_CTRL to write)
    bool changed = false;
    for (uint32_t m = slots; m; m &= m - 1) {
        const unsigned i = unsigned(__builtin_ctz(m));
        const bool gp = i < kMaxGpCounters;
        if (gp ? i >= cpu_.num_gp : !cpu_.has_fixed(i - kMaxGpCounters)) continue;  // no counter: no plan
        CounterPlan p;
        if ((st_.global_ctrl >> (gp ? i : 32 + i - kMaxGpCounters)) & 1u) {
            const uint64_t control =
                gp ? st_.evtsel[i] : (st_.fixed_ctr_ctrl >> (4 * (i - kMaxGpCounters))) & 0xf;
            ArmedPlan& a = armed_[i];
            if (a.control != control) a = {control, plan_of(i)};
            p = a.plan;
        } else {
            p.width_mask = gp ? cpu_.gp_mask() : cpu_.fixed_mask();  // gp_plan / fixed_plan with the bit clear
        }
        if (p == plan_[i]) continue;
        plan_[i] = p;
        changed = true;
    }
    if (changed) finish_plan();
    return changed;
}

// GLOBAL_CTRL changed the enable bits of `slots` (and bit 48 when `bit48`), giving the
// programming `key`: when its plans are kept, the slots take theirs, with what replan_enables
// would then do (finish_plan only if one changed or bit 48 did). The other slots' plans are the
// entry's already: their enable bits and controls are the same. False when `key` is not kept.
bool Pmu::take_plan_set(const Programming& key, uint32_t slots, bool bit48) {
    unsigned i = 0;
    while (i < kPlanSets && !(plan_sets_[i].valid && plan_sets_[i].key == key)) ++i;
    if (i == kPlanSets) return false;
    const PlanSet& set = plan_sets_[i];
    bool changed = bit48;
    for (uint32_t m = slots; m; m &= m - 1) {
        const unsigned s = unsigned(__builtin_ctz(m));
        if (set.plan[s] == plan_[s]) continue;
        plan_[s] = set.plan[s];
        changed = true;
    }
    if (changed) finish_plan();
    plan_set_ = uint8_t(i);
    return true;
}

Pmu::CounterPlan Pmu::plan_of(unsigned i) const {
    if (i < kMaxGpCounters) return i < cpu_.num_gp ? gp_plan(i) : CounterPlan{};
    const unsigned n = i - kMaxGpCounters;
    return cpu_.has_fixed(n) ? fixed_plan(n) : CounterPlan{};
}

// What follows from the plans together: the active slots and PERF_METRICS.
void Pmu::finish_plan() {
    active_.clear();
    for (unsigned i = 0; i < kNumCounterSlots; ++i)
        if (plan_[i].ring_mask) active_.push_back(static_cast<uint8_t>(i));
    // PERF_METRICS counts with FC3 (and GLOBAL_CTRL[48]: docs/semantics.md assumption A2).
    metrics_ring_ = 0;
    if (cpu_.perf_metrics()) {
        const bool bit48 = (st_.global_ctrl >> status_bit::kPerfMetrics) & 1u;
        if (bit48 || !sem_.metrics_need_global_bit48) metrics_ring_ = plan_[fixed_slot(3)].ring_mask;
    }
    cycle_terms_stale_ = true;  // compiled by the next per-cycle advance only: fast mode never reads them
    plan_set_ = kNoPlanSet;     // found again by the next fast chunk or GLOBAL_CTRL write
}

}  // namespace pmusim

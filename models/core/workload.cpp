#include "models/core/workload.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "models/cpu/cpu_config.h"

namespace pmusim {

uint64_t rate_numerator(double rate) { return static_cast<uint64_t>(std::llround(rate * 1e9)); }

EventVector events_at(const Workload& w, uint64_t cycle) {
    const Run r = w.run_at(cycle);
    EventVector v;
    for (unsigned e = 0; e < kNumEvents; ++e) v[e] = run_count(r, e, cycle, cycle + 1);
    return v;
}

void RunCursor::seek(const Workload& w, uint64_t cycle) {
    run_ = w.run_at(cycle);
    cycle_ = cycle;
    k_ = run_.active_begin + (cycle - run_.begin);
    if (!run_.halted)
        for (unsigned e = 0; e < kNumEvents; ++e)
            rem_[e] = static_cast<uint64_t>(static_cast<unsigned __int128>(k_) * run_.phase->rate[e] % kRateDen);
    valid_ = true;
}

const EventVector& RunCursor::next(const Workload& w) {
    if (!valid_ || cycle_ >= run_.end) seek(w, cycle_);
    if (run_.halted) {
        ev_.setZero();
    } else {
        const auto& rate = run_.phase->rate;
        for (unsigned e = 0; e < kNumEvents; ++e) {
            const uint64_t s = rem_[e] + rate[e];
            ev_[e] = s / kRateDen;
            rem_[e] = s % kRateDen;
        }
        ++k_;
    }
    ++cycle_;
    return ev_;
}

namespace {
void check_rate(double v, const char* field, double max) {
    if (!(v >= 0.0) || v > max) {
        std::ostringstream os;
        os << field << ": rate must be within 0.." << max << " per cycle, got " << v;
        throw std::invalid_argument(os.str());
    }
}
}  // namespace

SteadyWorkload::SteadyWorkload(SteadyParams p) : p_(p) {
    check_rate(p.instructions, "instructions", 64);
    check_rate(p.branches, "branches", 64);
    check_rate(p.branch_misses, "branch_misses", 64);
    check_rate(p.llc_references, "llc_references", 64);
    check_rate(p.llc_misses, "llc_misses", 64);
    check_rate(p.ref_cycles, "ref_cycles", 64);
    if (p.branch_misses > p.branches)
        throw std::invalid_argument("branch_misses: cannot exceed branches");
    if (p.llc_misses > p.llc_references)
        throw std::invalid_argument("llc_misses: cannot exceed llc_references");
    double sum = 0;
    for (double f : p.slot_mix) {
        if (!(f >= 0.0)) throw std::invalid_argument("slot_mix: fractions must be >= 0");
        sum += f;
    }
    if (!(sum > 0.0)) throw std::invalid_argument("slot_mix: fractions must not all be 0");
    for (auto [v, name] : {std::pair{p.kernel_share, "kernel_share"}, std::pair{p.halted_share, "halted_share"}})
        if (!(v >= 0.0 && v <= 1.0))
            throw std::invalid_argument(std::string(name) + ": must be within 0..1, got " + std::to_string(v));
    if (p.kernel_share + p.halted_share > 1.0 + 1e-12)
        throw std::invalid_argument("kernel_share: kernel_share + halted_share must not exceed 1");
    if (p.period == 0) throw std::invalid_argument("period: must be at least 1 cycle");
    halted_ = static_cast<uint64_t>(std::llround(p.halted_share * static_cast<double>(p.period)));
    kernel_ = static_cast<uint64_t>(std::llround(p.kernel_share * static_cast<double>(p.period)));
    if (halted_ + kernel_ > p.period) kernel_ = p.period - halted_;
    if (halted_ == p.period)
        throw std::invalid_argument("halted_share: a fully halted workload has no cycles to count");
}

void SteadyWorkload::bind(const CpuConfig& cpu) {
    phase_ = Phase{};
    auto& r = phase_.rate;
    r[idx(Event::CoreCycles)] = kRateDen;
    r[idx(Event::RefCycles)] = rate_numerator(p_.ref_cycles);
    r[idx(Event::Instructions)] = rate_numerator(p_.instructions);
    r[idx(Event::Branches)] = rate_numerator(p_.branches);
    r[idx(Event::BranchMisses)] = rate_numerator(p_.branch_misses);
    r[idx(Event::LlcReferences)] = rate_numerator(p_.llc_references);
    r[idx(Event::LlcMisses)] = rate_numerator(p_.llc_misses);
    const uint64_t slots = static_cast<uint64_t>(cpu.slots_per_cycle) * kRateDen;
    r[idx(Event::Slots)] = slots;
    // Leaf rates: slots * mix, with the rounding remainder given to the largest leaf so the
    // leaves add up to exactly `slots_per_cycle`.
    double sum = 0;
    for (double f : p_.slot_mix) sum += f;
    uint64_t given = 0;
    unsigned largest = 0;
    for (unsigned k = 0; k < 8; ++k) {
        const uint64_t v = static_cast<uint64_t>(std::llround(static_cast<double>(slots) * p_.slot_mix[k] / sum));
        r[idx(Event::SlotsLightOps) + k] = v;
        given += v;
        if (p_.slot_mix[k] > p_.slot_mix[largest]) largest = k;
    }
    auto& big = r[idx(Event::SlotsLightOps) + largest];
    big = big + slots - given;
}

Run SteadyWorkload::run_at(uint64_t cycle) const {
    Run run;
    run.phase = &phase_;
    if (halted_ == 0 && kernel_ == 0) return run;  // one user-mode run forever
    if (halted_ == 0 && kernel_ == p_.period) { run.cpl = 0; return run; }
    const uint64_t P = p_.period, active = P - halted_;
    const uint64_t p = cycle / P, o = cycle % P, base = p * P;
    if (o < halted_) {
        run.begin = base; run.end = base + halted_; run.cpl = 0; run.halted = true;
        run.active_begin = p * active;
    } else if (o < halted_ + kernel_) {
        run.begin = base + halted_; run.end = base + halted_ + kernel_; run.cpl = 0;
        run.active_begin = p * active;
    } else {
        run.begin = base + halted_ + kernel_; run.end = base + P; run.cpl = 3;
        run.active_begin = p * active + kernel_;
    }
    return run;
}

std::string SteadyWorkload::describe() const {
    std::ostringstream os;
    os << "steady(instructions=" << p_.instructions << ", branches=" << p_.branches
       << ", branch_misses=" << p_.branch_misses << ", kernel_share=" << p_.kernel_share
       << ", halted_share=" << p_.halted_share << ")";
    return os.str();
}

}  // namespace pmusim

namespace pmusim {

uint64_t count_events(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t a, uint64_t b) {
    uint64_t total = 0;
    while (a < b) {
        const Run r = w.run_at(a);
        const uint64_t e = std::min(r.end, b);
        if (r.cpl == 0 ? kernel : user) total += run_count_mask(r, mask, a, e);
        a = e;
    }
    return total;
}

namespace {
const char* const kMixNames[8] = {"light_ops",      "heavy_ops",     "br_mispredict", "machine_clears",
                                  "fetch_latency",  "fetch_bandwidth", "memory_bound", "core_bound"};
}

const std::vector<std::string>& steady_param_names() {
    static const std::vector<std::string> n = [] {
        std::vector<std::string> v = {"instructions", "branches",     "branch_misses", "llc_references", "llc_misses",
                                      "ref_cycles",   "kernel_share", "halted_share",  "period"};
        for (auto m : kMixNames) v.push_back(m);
        return v;
    }();
    return n;
}

void set_steady_param(SteadyParams& p, const std::string& name, double v) {
    if (name == "instructions") p.instructions = v;
    else if (name == "branches") p.branches = v;
    else if (name == "branch_misses") p.branch_misses = v;
    else if (name == "llc_references") p.llc_references = v;
    else if (name == "llc_misses") p.llc_misses = v;
    else if (name == "ref_cycles") p.ref_cycles = v;
    else if (name == "kernel_share") p.kernel_share = v;
    else if (name == "halted_share") p.halted_share = v;
    else if (name == "period") {
        if (!(v >= 1.0) || v != std::floor(v)) throw std::invalid_argument("period: must be a whole number of cycles >= 1");
        p.period = static_cast<uint64_t>(v);
    } else {
        for (unsigned k = 0; k < 8; ++k)
            if (name == kMixNames[k]) {
                p.slot_mix[k] = v;
                return;
            }
        std::string known;
        for (auto& n : steady_param_names()) known += " " + n;
        throw std::invalid_argument(name + ": unknown steady workload parameter (known:" + known + ")");
    }
}

}  // namespace pmusim

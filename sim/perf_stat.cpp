#include "sim/perf_stat.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/core/event_table.h"
#include "models/pmu/register_table.h"

namespace pmusim {

namespace {
// perf's fixed-counter placement (arch/x86/events/intel/core.c fixed event constraints).
struct FixedAlias { const char* name; unsigned index; Event event; };
constexpr FixedAlias kFixed[] = {{"instructions", 0, Event::Instructions},
                                 {"cycles", 1, Event::CoreCycles},
                                 {"ref-cycles", 2, Event::RefCycles},
                                 {"slots", 3, Event::Slots}};
}  // namespace

StatEventSpec parse_stat_event(const std::string& name, const CpuConfig& cpu) {
    StatEventSpec s;
    s.name = name;
    s.base = name;
    // A name that is itself an event (e.g. "UOPS_DECODED.DEC0:c1") has no modifiers.
    const auto colon = find_event_by_name(name, cpu) ? std::string::npos : name.find(':');
    if (colon != std::string::npos) {
        s.base = name.substr(0, colon);
        const std::string mods = name.substr(colon + 1);
        s.user = s.kernel = false;
        for (char c : mods) {
            if (c == 'u') s.user = true;
            else if (c == 'k') s.kernel = true;
            else throw std::invalid_argument("event '" + name + "': unknown modifier '" + std::string(1, c) + "'");
        }
    }
    for (auto& f : kFixed) {
        if (s.base != f.name || !cpu.has_fixed(f.index)) continue;
        s.fixed = true;
        s.fixed_index = f.index;
        s.truth = bit(f.event);
        s.truth_known = true;
        return s;
    }
    const EventEncoding* enc = nullptr;
    if (s.base.size() > 1 && s.base[0] == 'r' && s.base.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string::npos) {
        // perf's raw syntax: the config bits of PERFEVTSEL (CMASK 31:24, INV 23, E 18, UMASK, EVENT).
        if (s.base.size() > 9) throw std::invalid_argument("event '" + name + "': raw encoding must fit in 32 bits (rCCUUEE)");
        const unsigned long raw = std::stoul(s.base.substr(1), nullptr, 16);
        if (raw & ~0xff84ffffull)
            throw std::invalid_argument("event '" + name + "': raw encoding sets bits other than EVENT, UMASK, E, INV, CMASK");
        s.config = raw;
        enc = find_encoding(cpu, raw & 0xff, (raw >> 8) & 0xff, (raw >> 23) & 1 ? 0 : (raw >> 24) & 0xff, (raw >> 18) & 1);
        if (enc && ((enc->cmask == 0 && !enc->edge && (raw & 0xff840000ull)))) enc = nullptr;  // truth unknown under CMASK
    } else {
        enc = find_event_by_name(s.base, cpu);
        if (!enc) {
            std::string known = " instructions cycles ref-cycles slots";
            for (auto& e : event_table())
                if (encoding_available(e, cpu)) known += std::string(" ") + e.name;
            throw std::invalid_argument("event '" + name + "': unknown event on " + cpu.preset + " (known:" + known + ")");
        }
        s.config = encoding_bits(*enc, cpu);
    }
    if (enc) {
        s.truth = enc->counts;
        s.truth_known = true;
    }
    if (cpu.num_gp == 0) throw std::invalid_argument("event '" + name + "': this CPU has no GP counters");
    return s;
}

std::vector<std::string> default_stat_events(const CpuConfig& cpu) {
    std::vector<std::string> v = {"cycles", "instructions", "branches", "branch-misses"};
    if (cpu.has_fixed(3)) v.push_back("slots");
    return v;
}

PerfAgent::PerfAgent(Machine& m, const std::vector<std::string>& events, AgentOptions opts) : m_(m), opts_(opts) {
    const CpuConfig& cpu = m.cpu();
    if (opts_.mux_interval == 0) throw std::invalid_argument("mux_interval: must be at least 1 cycle");
    if (opts_.topdown_group && !cpu.perf_metrics())
        throw std::invalid_argument("topdown group: " + cpu.preset + " has no PERF_METRICS (perf_metrics=0)");
    uint32_t fixed_used = opts_.topdown_group ? 1u << 3 : 0;
    for (auto& e : events) {
        StatEventSpec s = parse_stat_event(e, cpu);
        if (s.fixed && (fixed_used >> s.fixed_index & 1u)) {
            if (s.fixed_index == 3 && opts_.topdown_group) continue;  // slots is the group's leader
            throw std::invalid_argument("event '" + e + "': fixed counter " + std::to_string(s.fixed_index) +
                                        " is already used by another event");
        }
        if (s.fixed) fixed_used |= 1u << s.fixed_index;
        else flex_.push_back(specs_.size());
        specs_.push_back(std::move(s));
    }
    slots_.resize(specs_.size());
    gp_free_ = cpu.num_gp;
    if (!flex_.empty() && gp_free_ == 0)
        throw std::invalid_argument("event '" + specs_[flex_[0]].name + "': this CPU has no GP counters");
    metrics_clear_ = opts_.topdown_group && opts_.use_metrics_clear && cpu.metrics_clear();
}

void PerfAgent::set_mux_interval(uint64_t cycles) {
    if (cycles == 0) throw std::invalid_argument("mux_interval: must be at least 1 cycle");
    opts_.mux_interval = cycles;
}

uint64_t PerfAgent::global_ctrl() const {
    uint64_t g = fixed_global_;
    for (size_t i : flex_)
        if (slots_[i].counter >= 0) g |= 1ull << slots_[i].counter;
    return g;
}

void PerfAgent::collect(size_t i) {
    Slot& s = slots_[i];
    const uint64_t now = m_.cycle();
    if (s.counter >= 0) {
        const uint64_t v = m_.rdpmc(static_cast<uint32_t>(s.counter));
        s.acc += (v - s.base) & m_.cpu().gp_mask();
        s.base = v;
    } else if (specs_[i].fixed) {
        const uint64_t v = m_.rdpmc((1u << 30) | specs_[i].fixed_index);
        s.acc += (v - s.base) & m_.cpu().fixed_mask();
        s.base = v;
    } else {
        return;
    }
    s.running += now - s.since;
    s.since = now;
}

void PerfAgent::schedule_out() {
    for (size_t i : flex_) {
        Slot& s = slots_[i];
        if (s.counter < 0) continue;
        collect(i);
        m_.wrmsr(msr::kPerfEvtSel0 + s.counter, 0);
        s.counter = -1;
    }
}

void PerfAgent::schedule_in() {
    const CpuConfig& cpu = m_.cpu();
    const uint64_t now = m_.cycle();
    unsigned c = 0;
    for (size_t i : flex_) {
        if (c >= gp_free_) break;
        const StatEventSpec& sp = specs_[i];
        Slot& s = slots_[i];
        m_.wrmsr(msr::kPerfEvtSel0 + c, 0);
        m_.wrmsr(cpu.fw_write() ? msr::kAPmc0 + c : msr::kPmc0 + c, 0);
        m_.wrmsr(msr::kPerfEvtSel0 + c, sp.config | (sp.user ? 1ull << 16 : 0) | (sp.kernel ? 1ull << 17 : 0) | (1ull << 22));
        s.counter = static_cast<int>(c);
        s.base = 0;
        s.since = now;
        ++c;
    }
}

void PerfAgent::start() {
    const CpuConfig& cpu = m_.cpu();
    if (cpu.has_global_ctrl()) m_.wrmsr(msr::kGlobalCtrl, 0);
    fixed_ctrl_ = 0;
    fixed_global_ = 0;
    const uint64_t now = m_.cycle();
    for (size_t i = 0; i < specs_.size(); ++i) {
        const StatEventSpec& s = specs_[i];
        slots_[i] = Slot{};
        slots_[i].since = now;
        if (!s.fixed) continue;
        m_.wrmsr(msr::kFixedCtr0 + s.fixed_index, 0);
        fixed_ctrl_ |= uint64_t((s.kernel ? 1u : 0u) | (s.user ? 2u : 0u)) << (4 * s.fixed_index);
        fixed_global_ |= 1ull << (32 + s.fixed_index);
    }
    if (opts_.topdown_group) {
        // The slots leader must start from 0 and be written before PERF_METRICS (linux
        // icl_update_topdown_event; tma-and-peers.md 1.4).
        m_.wrmsr(msr::kFixedCtr0 + 3, 0);
        m_.wrmsr(msr::kPerfMetrics, 0);
        fixed_ctrl_ |= 3ull << 12;                       // FC3: OS + USR
        if (metrics_clear_) fixed_ctrl_ |= 1ull << 14;   // RDPMC metrics-clear (KAN-CLR)
        fixed_global_ |= (1ull << 35) | (1ull << 48);
    }
    if (fixed_ctrl_) m_.wrmsr(msr::kFixedCtrCtrl, fixed_ctrl_);
    for (size_t i : flex_) slots_[i].counter = -1;
    schedule_in();
    interval_begin_ = now;
    next_rotation_ = now + opts_.mux_interval;
    if (cpu.has_global_ctrl()) m_.wrmsr(msr::kGlobalCtrl, global_ctrl());
}

void PerfAgent::run_until(uint64_t cycle) {
    while (m_.cycle() < cycle) {
        const uint64_t stop = multiplexed() ? std::min(cycle, next_rotation_) : cycle;
        m_.run(stop - m_.cycle());
        if (multiplexed() && m_.cycle() >= next_rotation_) {
            // perf_rotate_context: PMU disabled, flexible groups out, list rotated, groups in.
            if (m_.cpu().has_global_ctrl()) m_.wrmsr(msr::kGlobalCtrl, 0);
            schedule_out();
            std::rotate(flex_.begin(), flex_.begin() + 1, flex_.end());
            schedule_in();
            if (m_.cpu().has_global_ctrl()) m_.wrmsr(msr::kGlobalCtrl, global_ctrl());
            next_rotation_ += opts_.mux_interval;
        }
    }
}

IntervalReading PerfAgent::read() {
    IntervalReading r;
    r.begin = interval_begin_;
    r.end = m_.cycle();
    const Workload& w = m_.pmu().workload();
    for (size_t i = 0; i < specs_.size(); ++i) {
        collect(i);
        const StatEventSpec& sp = specs_[i];
        Slot& s = slots_[i];
        CountReading c;
        c.name = sp.name;
        if (sp.fixed) c.counter = "FIXED_CTR" + std::to_string(sp.fixed_index);
        else if (multiplexed()) c.counter = "PMC*";
        else c.counter = "PMC" + std::to_string(s.counter);
        c.raw = s.acc;
        c.enabled = r.end - r.begin;
        c.running = s.running;
        c.scaled = c.running ? double(c.raw) * double(c.enabled) / double(c.running) : 0.0;
        c.truth_known = sp.truth_known;
        if (sp.truth_known) c.truth = count_events(w, sp.truth, sp.user, sp.kernel, r.begin, r.end);
        r.counts.push_back(std::move(c));
        s.acc = 0;
        s.running = 0;
    }
    if (opts_.topdown_group) {
        TopdownReading t;
        const Semantics& sem = m_.pmu().semantics();
        t.slots = m_.rdpmc((1u << 30) | 3);
        t.metrics = m_.rdpmc(1u << 29);  // with metrics-clear this also zeroes FC3 and the metrics
        t.fields = m_.pmu().perf_metrics_fields();
        const double fmax = double(sem.metrics_field_max());
        for (unsigned k = 0; k < t.fields; ++k) {
            t.field[k] = double((t.metrics >> (sem.metrics_field_bits * k)) & sem.metrics_field_max());
            // perf: mul_u64_u32_div(slots, field, 0xff) (icl_get_metrics_event_value)
            t.field_slots[k] = std::floor(double(t.slots) * t.field[k] / fmax);
        }
        if (!metrics_clear_) {
            m_.wrmsr(msr::kFixedCtr0 + 3, 0);  // FIXED_CTR3 first, then PERF_METRICS (SDM; QEMU comment)
            m_.wrmsr(msr::kPerfMetrics, 0);
        }
        r.topdown = t;
    }
    interval_begin_ = r.end;
    return r;
}

}  // namespace pmusim

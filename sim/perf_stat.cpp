#include "sim/perf_stat.h"

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
    const auto colon = name.find(':');
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
        return s;
    }
    const EventEncoding* enc = nullptr;
    if (s.base.size() > 1 && s.base[0] == 'r' && s.base.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string::npos) {
        const unsigned long raw = std::stoul(s.base.substr(1), nullptr, 16);
        if (raw > 0xffff) throw std::invalid_argument("event '" + name + "': raw encoding must be rUUEE");
        s.event_select = raw & 0xff;
        s.umask = (raw >> 8) & 0xff;
        enc = find_encoding(s.event_select, s.umask);
    } else {
        enc = find_event_by_name(s.base);
        if (!enc) {
            std::string known = " instructions cycles ref-cycles slots";
            for (auto& e : event_table()) known += std::string(" ") + e.name;
            throw std::invalid_argument("event '" + name + "': unknown event (known:" + known + ")");
        }
        s.event_select = enc->event_select;
        s.umask = enc->umask;
    }
    if (enc && (!enc->needs_topdown || cpu.topdown_events)) s.truth = enc->counts;
    if (cpu.num_gp == 0) throw std::invalid_argument("event '" + name + "': this CPU has no GP counters");
    return s;
}

std::vector<std::string> default_stat_events(const CpuConfig& cpu) {
    std::vector<std::string> v = {"cycles", "instructions", "branches", "branch-misses"};
    if (cpu.has_fixed(3)) v.push_back("slots");
    return v;
}

PerfStat::PerfStat(Machine& m, const std::vector<std::string>& events) : m_(m) {
    unsigned gp = 0;
    uint32_t fixed_used = 0;
    for (auto& e : events) {
        StatEventSpec s = parse_stat_event(e, m.cpu());
        if (s.fixed && (fixed_used >> s.fixed_index & 1u)) {
            // perf would place a second copy on a GP counter when an encoding exists.
            throw std::invalid_argument("event '" + e + "': fixed counter " + std::to_string(s.fixed_index) +
                                        " is already used by another event");
        }
        if (s.fixed) {
            fixed_used |= 1u << s.fixed_index;
            counter_names_.push_back("FIXED_CTR" + std::to_string(s.fixed_index));
            rdpmc_ecx_.push_back((1u << 30) | s.fixed_index);
        } else {
            if (gp >= m.cpu().num_gp)
                throw std::invalid_argument("event '" + e + "': more GP events than the " +
                                            std::to_string(m.cpu().num_gp) +
                                            " GP counters (multiplexing arrives with the perf-stat agent of issue #3)");
            counter_names_.push_back("PMC" + std::to_string(gp));
            rdpmc_ecx_.push_back(gp);
            ++gp;
        }
        specs_.push_back(std::move(s));
    }
}

void PerfStat::start() {
    const CpuConfig& cpu = m_.cpu();
    if (cpu.has_global_ctrl()) m_.wrmsr(msr::kGlobalCtrl, 0);
    uint64_t global = 0, fixed_ctrl = 0;
    for (size_t i = 0; i < specs_.size(); ++i) {
        const StatEventSpec& s = specs_[i];
        if (s.fixed) {
            m_.wrmsr(msr::kFixedCtr0 + s.fixed_index, 0);
            const uint64_t field = (s.kernel ? 1u : 0u) | (s.user ? 2u : 0u);
            fixed_ctrl |= field << (4 * s.fixed_index);
            global |= 1ull << (32 + s.fixed_index);
        } else {
            const unsigned c = rdpmc_ecx_[i];
            m_.wrmsr(msr::kPerfEvtSel0 + c, 0);
            m_.wrmsr(cpu.fw_write() ? msr::kAPmc0 + c : msr::kPmc0 + c, 0);
            const uint64_t sel = s.event_select | (uint64_t(s.umask) << 8) | (s.user ? 1ull << 16 : 0) |
                                 (s.kernel ? 1ull << 17 : 0) | (1ull << 22);
            m_.wrmsr(msr::kPerfEvtSel0 + c, sel);
            global |= 1ull << c;
        }
    }
    if (fixed_ctrl) m_.wrmsr(msr::kFixedCtrCtrl, fixed_ctrl);
    start_cycle_ = m_.cycle();
    if (cpu.has_global_ctrl()) m_.wrmsr(msr::kGlobalCtrl, global);
}

std::vector<StatCount> PerfStat::read() {
    std::vector<StatCount> out;
    for (size_t i = 0; i < specs_.size(); ++i) {
        const StatEventSpec& s = specs_[i];
        StatCount c;
        c.name = s.name;
        c.counter = counter_names_[i];
        c.count = m_.rdpmc(rdpmc_ecx_[i]);
        c.truth = count_events(m_.pmu().workload(), s.truth, s.user, s.kernel, start_cycle_, m_.cycle());
        out.push_back(c);
    }
    return out;
}

}  // namespace pmusim

#include "sim/perf/perf_events.h"
#include "models/core/quote_value.h"

#include <stdexcept>

#include "models/core/event_table.h"

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
        bool ring = false;
        for (char c : mods) {
            if (c == 'u') s.user = ring = true;
            else if (c == 'k') s.kernel = ring = true;
            else if (c == 'R') s.retire_latency = true;  // perf's retire latency (tpebs)
            else throw std::invalid_argument("event " + quote_value(name) + ": unknown modifier '" + std::string(1, c) + "'");
        }
        if (s.retire_latency && !ring) s.user = s.kernel = true;
    }
    for (auto& f : kFixed) {
        if (s.base != f.name || !cpu.has_fixed(f.index) || s.retire_latency) continue;
        s.fixed = true;
        s.fixed_index = f.index;
        s.truth = bit(f.event);
        s.truth_known = true;
        return s;
    }
    const EventEncoding* enc = nullptr;
    if (s.base.size() > 1 && s.base[0] == 'r' && s.base.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string::npos) {
        // perf's raw syntax: the config bits of PERFEVTSEL (CMASK 31:24, INV 23, E 18, UMASK, EVENT).
        if (s.base.size() > 9) throw std::invalid_argument("event " + quote_value(name) + ": raw encoding must fit in 32 bits (rCCUUEE)");
        const unsigned long raw = std::stoul(s.base.substr(1), nullptr, 16);
        if (raw & ~0xff84ffffull)
            throw std::invalid_argument("event " + quote_value(name) + ": raw encoding sets bits other than EVENT, UMASK, E, INV, CMASK");
        s.config = raw;
        enc = find_encoding(cpu, raw & 0xff, (raw >> 8) & 0xff, (raw >> 23) & 1 ? 0 : (raw >> 24) & 0xff, (raw >> 18) & 1);
        if (enc && ((enc->cmask == 0 && !enc->edge && (raw & 0xff840000ull)))) enc = nullptr;  // truth unknown under CMASK
    } else {
        enc = find_event_by_name(s.base, cpu);
        if (!enc) {
            std::string known = " instructions cycles ref-cycles slots";
            for (auto& e : event_table())
                if (encoding_available(e, cpu)) known += std::string(" ") + e.name;
            throw std::invalid_argument("event " + quote_value(name) + ": unknown event on " + cpu.preset + " (known:" + known + ")");
        }
        s.config = encoding_bits(*enc, cpu);
    }
    if (enc) {
        s.truth = enc->counts;
        s.truth_known = true;
    }
    if (s.retire_latency) {
        if (!enc || !enc->latency)
            throw std::invalid_argument("event " + quote_value(name) + ": :R reads the retire latency of PEBS samples, which "
                                        "only the precise *_COST events carry (BR_MISP_RETIRED.*_COST on lunarlake)");
        s.latency = enc->latency;
    }
    if (cpu.num_gp == 0) throw std::invalid_argument("event " + quote_value(name) + ": this CPU has no GP counters");
    return s;
}

double retire_latency_mean(const StatEventSpec& s, const EventVector& sums) {
    const uint64_t n = masked_sum(sums, s.truth);
    return n ? double(masked_sum(sums, s.latency)) / double(n) : 0.0;
}

std::vector<std::string> default_stat_events(const CpuConfig& cpu) {
    std::vector<std::string> v = {"cycles", "instructions", "branches", "branch-misses"};
    if (cpu.has_fixed(3)) v.push_back("slots");
    return v;
}

std::vector<std::pair<std::string, unsigned>> fixed_counter_events(const CpuConfig& cpu) {
    std::vector<std::pair<std::string, unsigned>> v;
    for (auto& f : kFixed)
        if (cpu.has_fixed(f.index)) v.emplace_back(f.name, f.index);
    return v;
}

}  // namespace pmusim

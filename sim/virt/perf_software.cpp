#include "sim/virt/perf_software.h"

#include <stdexcept>

#include "tma/tma_engine.h"

namespace pmusim {

namespace {

// The perf session a scenario's `perf:` block asks for, in this context's CPU.
PerfSession session_of(const std::string& context, const CpuConfig& cpu, const AgentConfig& cfg, bool global_all,
                       unsigned first_gp, uint32_t fixed_taken) {
    PerfSession s;
    s.first_gp = first_gp;
    s.fixed_taken = fixed_taken;
    s.where = context + ".perf";
    s.global_all = global_all;
    s.topdown_group = cfg.topdown && cpu.perf_metrics() && cpu.tma_family != TmaFamily::Skylake;
    for (auto& name : cfg.events) {
        try {
            s.events.push_back(parse_stat_event(name, cpu));
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(s.where + ".events: " + e.what());
        }
    }
    if (cfg.topdown && !s.topdown_group) {
        // No PERF_METRICS: the Level-1 formulas from GP events (docs/tma.md), slots on FIXED_CTR3.
        tma::Model md;
        md.family = static_cast<tma::Family>(cpu.tma_family);
        md.method = tma::Method::GpEvents;
        md.level = 1;
        md.slots_per_cycle = cpu.slots_per_cycle;
        md.pm_fields = 0;
        if (md.family != tma::Family::Skylake && !cpu.has_fixed(3))
            throw std::invalid_argument(s.where + ".topdown: the " + std::string(tma::family_name(md.family)) +
                                        " GP formulas need TOPDOWN.SLOTS on fixed counter 3");
        for (tma::Ev e : tma::required_events(md)) {
            s.tma_names.push_back(tma::event_name(e, md.family));
            s.tma_events.push_back(parse_stat_event(s.tma_names.back(), cpu));
        }
    }
    if (!cfg.sample_event.empty()) {
        if (cfg.sample_period == 0) throw std::invalid_argument(s.where + ".sample.period: must be at least 1");
        s.sampling = true;
        s.sample = parse_stat_event(cfg.sample_event, cpu);
        s.sample_period = cfg.sample_period;
    }
    return s;
}

}  // namespace

PerfSoftware::PerfSoftware(std::string context, const CpuConfig& cpu, const AgentConfig& cfg, bool host,
                           bool global_all, unsigned first_gp, uint32_t fixed_taken)
    : PerfModel(context, cpu, session_of(context, cpu, cfg, global_all, first_gp, fixed_taken)), cfg_(cfg) {}

}  // namespace pmusim

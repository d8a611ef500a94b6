// The report of a host with several CPUs: a section per CPU (its host context, steps, timeline
// and violations) and each vCPU listed once, wherever it ended.
#include <algorithm>

#include "sim/virt/host.h"

namespace pmusim {

RunReport merge_cpu_reports(const Scenario& s, std::vector<RunReport> per_cpu, uint64_t migrations) {
    RunReport rep;
    rep.scenario = per_cpu.at(0).scenario;
    rep.cpu = per_cpu[0].cpu;
    rep.protocol = per_cpu[0].protocol;
    rep.migrations = migrations;
    rep.violations = ViolationLog(s.checks.max_recorded);
    rep.programs = ProgramLog(s.checks.max_program_records);
    for (const GuestSpec& g : s.guests)
        for (RunReport& c : per_cpu)
            for (const ContextSummary& cs : c.contexts)
                if (cs.guest && cs.name == g.name) rep.contexts.push_back(cs);
    for (RunReport& c : per_cpu) {
        const std::string where = "cpu " + std::to_string(c.cpu_index);
        rep.cycles = std::max(rep.cycles, c.cycles);
        for (auto& [k, n] : c.step_cycles) rep.step_cycles[k] += n;
        rep.transition_cycles += c.transition_cycles;
        rep.violations.merge(c.violations, where);
        rep.programs.accesses += c.programs.accesses;
        rep.programs.checked += c.programs.checked;
        rep.programs.failed += c.programs.failed;
        for (auto& r : c.programs.records)
            if (rep.programs.records.size() < rep.programs.cap) rep.programs.records.push_back(r);
        for (auto& t : c.tasks) rep.tasks.push_back(std::move(t));  // each task once, where its vCPU ended
        c.tasks.clear();
        // The section keeps its host; its vCPUs are listed once, above.
        c.contexts.erase(std::remove_if(c.contexts.begin(), c.contexts.end(), [](const ContextSummary& x) { return x.guest; }),
                         c.contexts.end());
    }
    rep.per_cpu = std::move(per_cpu);
    return rep;
}

}  // namespace pmusim

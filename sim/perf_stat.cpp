#include "sim/perf_stat.h"
#include "models/core/quote_value.h"

#include <algorithm>
#include <stdexcept>

#include "sim/perf/machine_ops.h"
#include "sim/perf/perf_model.h"

namespace pmusim {

PerfAgent::PerfAgent(Machine& m, const std::vector<std::string>& events, AgentOptions opts) : m_(m), opts_(opts) {
    const CpuConfig& cpu = m.cpu();
    if (opts_.mux_interval == 0) throw std::invalid_argument("mux_interval: must be at least 1 cycle");
    if (opts_.topdown_group && !cpu.perf_metrics())
        throw std::invalid_argument("topdown group: " + cpu.preset + " has no PERF_METRICS (perf_metrics=0)");
    PerfSession s;
    s.where = "perf";
    s.topdown_group = opts_.topdown_group;
    s.metrics_clear = opts_.topdown_group && opts_.use_metrics_clear && cpu.metrics_clear();
    s.multiplex = true;  // perf stat time-slices what does not fit
    uint32_t fixed_used = opts_.topdown_group ? 1u << 3 : 0;
    int group = -1;  // inside `{...}`: the index of the group's first event
    for (auto& given : events) {
        // perf's event groups (tools/perf/util/parse-events.y): "{a,b}" arrives split at commas.
        std::string e = given;
        const bool opens = !e.empty() && e.front() == '{', closes = !e.empty() && e.back() == '}';
        if (opens) e.erase(0, 1);
        if (closes) e.pop_back();
        if ((opens && group >= 0) || (closes && group < 0 && !opens) || e.find_first_of("{}") != std::string::npos)
            throw std::invalid_argument("event " + quote_value(given) +
                                        ": unbalanced or nested '{' '}' (a group is {a,b,...}; group modifiers are not supported)");
        if (e.empty()) throw std::invalid_argument("event " + quote_value(given) + ": an empty event in a group");
        if (opens) group = int(s.events.size());
        StatEventSpec sp = parse_stat_event(e, cpu);
        sp.group = group;
        if (closes) group = -1;
        if (sp.fixed && (fixed_used >> sp.fixed_index & 1u)) {
            if (sp.fixed_index == 3 && opts_.topdown_group) continue;  // slots is the group's leader
            throw std::invalid_argument("event " + quote_value(e) + ": fixed counter " + std::to_string(sp.fixed_index) +
                                        " is already used by another event");
        }
        if (sp.fixed) fixed_used |= 1u << sp.fixed_index;
        s.events.push_back(std::move(sp));
    }
    if (group >= 0) throw std::invalid_argument("events: a group '{' is not closed with '}'");
    model_ = std::make_unique<PerfModel>("stat", cpu, std::move(s));
    model_->set_metrics_bits(m.pmu().semantics().metrics_field_bits);
    running_base_.assign(model_->events().size(), 0);
}

PerfAgent::~PerfAgent() = default;

const std::vector<StatEventSpec>& PerfAgent::events() const { return model_->events(); }
bool PerfAgent::multiplexed() const { return model_->multiplexed(); }
size_t PerfAgent::flexible_events() const { return model_->gp_events(); }

void PerfAgent::set_mux_interval(uint64_t cycles) {
    if (cycles == 0) throw std::invalid_argument("mux_interval: must be at least 1 cycle");
    opts_.mux_interval = cycles;
}

void PerfAgent::start() {
    OpQueue q;
    model_->start(q);
    run_ops(m_, q);
    interval_begin_ = m_.cycle();
    next_rotation_ = interval_begin_ + opts_.mux_interval;
}

void PerfAgent::run_until(uint64_t cycle) {
    while (m_.cycle() < cycle) {
        const bool mux = multiplexed();
        const uint64_t stop = mux ? std::min(cycle, next_rotation_) : cycle;
        m_.run(stop - m_.cycle());
        if (mux && m_.cycle() >= next_rotation_) {
            OpQueue q;
            model_->rotate(q);
            run_ops(m_, q);
            next_rotation_ += opts_.mux_interval;
        }
    }
}

IntervalReading PerfAgent::read() {
    OpQueue q;
    model_->tick(q);
    run_ops(m_, q);
    const AgentReading& a = model_->last_reading;
    IntervalReading r;
    r.begin = interval_begin_;
    r.end = a.cycle;
    const Workload& w = m_.pmu().workload();
    for (size_t i = 0; i < events().size(); ++i) {
        const StatEventSpec& sp = events()[i];
        CountReading c;
        c.name = sp.name;
        if (sp.fixed) c.counter = "FIXED_CTR" + std::to_string(sp.fixed_index);
        else if (multiplexed()) c.counter = "PMC*";
        else c.counter = "PMC" + std::to_string(model_->gp_counter(i));
        c.raw = a.deltas[i];
        c.enabled = r.end - r.begin;
        c.running = model_->running(i) - running_base_[i];
        running_base_[i] = model_->running(i);
        c.scaled = c.running ? double(c.raw) * double(c.enabled) / double(c.running) : 0.0;
        c.truth_known = sp.truth_known;
        c.supported = sp.supported;
        if (sp.truth_known) c.truth = count_events(w, sp.truth, sp.user, sp.kernel, r.begin, r.end);
        r.counts.push_back(std::move(c));
    }
    if (a.topdown) {
        TopdownReading t;
        const Semantics& sem = m_.pmu().semantics();
        t.slots = a.slots;
        t.metrics = a.metrics;
        t.fields = m_.pmu().perf_metrics_fields();
        const double fmax = double(sem.metrics_field_max());
        for (unsigned k = 0; k < t.fields; ++k) {
            t.field[k] = double((t.metrics >> (sem.metrics_field_bits * k)) & sem.metrics_field_max());
            t.field_slots[k] = topdown_field_slots(t.slots, t.field[k], fmax);
        }
        r.topdown = t;
    }
    interval_begin_ = r.end;
    return r;
}

}  // namespace pmusim

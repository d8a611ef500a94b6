#include "sim/virt/engine.h"

#include <cmath>
#include <sstream>

namespace pmusim {

Vcpu::Vcpu(int ctx, const GuestSpec& s, const CpuConfig& host, bool mediated, bool perf_metrics_rule)
    : spec(s), kvm(ctx, host, s.vpmu, mediated, perf_metrics_rule) {
    sum.name = s.name;
    sum.guest = true;
}

Engine::Engine(const Scenario& s, Machine& machine)
    : sc(s), m(machine), prov(machine.pmu()), log(s.checks.max_recorded),
      programs(s.checks.max_program_records) {}

void ProgramLog::add(ProgramRecord r, bool checked_one) {
    ++accesses;
    checked += checked_one;
    const bool fail = !r.failure.empty();
    failed += fail;
    // Failures are kept beyond the cap, up to the cap again (memory stays bounded).
    if (records.size() < cap || (fail && records.size() < 2 * cap)) records.push_back(std::move(r));
}

uint32_t Engine::register_key(uint32_t a) {
    MsrRef m;
    const bool decoded = decode_msr(a, m);
    return register_key(a, decoded, m);
}

int Engine::tag_of(const std::string& what) {
    for (size_t i = 0; i < tags.size(); ++i)
        if (tags[i] == what) return int(i);
    tags.push_back(what);
    return int(tags.size() - 1);
}

Vcpu* Engine::vcpu_of(int ctx) const {
    if (ctx <= 0) return nullptr;
    if (size_t(ctx) <= vcpus.size() && vcpus[size_t(ctx) - 1]->ctx() == ctx) return vcpus[size_t(ctx) - 1].get();
    for (auto& v : vcpus)
        if (v->ctx() == ctx) return v.get();
    return nullptr;
}

std::string Engine::ctx_name(int c) const {
    if (c == 0) return "host";
    if (const Vcpu* v = vcpu_of(c)) return v->spec.name;
    if (c > 0 && size_t(c) < names.size() && !names[size_t(c)].empty()) return names[size_t(c)];
    return "kvm";
}

std::string Engine::taint_names(Taint t) const {
    std::string s;
    for (int c = 0; c < 32; ++c)
        if ((t >> c) & 1u) s += (s.empty() ? "" : "+") + ctx_name(c);
    return s.empty() ? "-" : s;
}

std::string Engine::reg_name(AccessKind k, uint32_t idx) const {
    if (k == AccessKind::Rdpmc) {
        const RdpmcRef r = decode_rdpmc(idx);
        switch (r.type) {
            case RdpmcRef::Type::Metrics: return "PERF_METRICS (RDPMC)";
            case RdpmcRef::Type::Fixed: return "FIXED_CTR" + std::to_string(r.index) + " (RDPMC)";
            case RdpmcRef::Type::Gp: return "PMC" + std::to_string(r.index) + " (RDPMC)";
            case RdpmcRef::Type::Invalid: break;
        }
        std::ostringstream os;
        os << "RDPMC 0x" << std::hex << idx;
        return os.str();
    }
    if (auto* d = m.pmu().registers().find(idx)) return d->name;
    if (is_lvtpc_access(k, idx)) return "X2APIC_LVTPC";
    std::ostringstream os;
    os << "0x" << std::hex << idx;
    return os.str();
}

void Engine::report(ViolationKind k, const std::string& reg, int reader, Taint source, uint64_t expected, uint64_t actual,
                    const std::string& detail) {
    Violation v;
    v.cycle = m.cycle();
    v.kind = k;
    v.reg = reg;
    v.reader = ctx_name(reader);
    v.source = taint_names(source);
    v.expected = expected;
    v.actual = actual;
    v.step = tag_name(tag);
    v.detail = detail;
    log.add(std::move(v));
}

uint64_t Engine::pm_field(uint64_t v, unsigned k) const {
    const Semantics& s = m.pmu().semantics();
    const unsigned b = s.metrics_field_bits;
    return b * k >= 64 ? 0 : (v >> (b * k)) & s.metrics_field_max();
}

std::string Engine::metrics_difference(const Vcpu& v, uint64_t want, uint64_t got) const {
    const uint64_t fc3 = v.ref->counter(fixed_slot(3));
    const double allowed = sc.checks.perf_metrics_tolerance_lsb + (fc3 ? 0.5 * double(v.kvm.pm_restored) / double(fc3) : 0.0);
    std::string detail;
    for (unsigned k = 0; k < v.ref->perf_metrics_fields(); ++k) {
        const double d = std::fabs(double(pm_field(got, k)) - double(pm_field(want, k)));
        if (d > allowed)
            detail += std::string(detail.empty() ? "" : ", ") + kMetricFieldNames[k] + " off by " + std::to_string(int(d)) + " LSB";
    }
    return detail;
}

void Engine::sync_reference_apic(Vcpu& v) {
    v.ref->advance_fast(cw->local_time(v.source));
    const auto& pmis = v.ref->pmis();
    for (; v.ref_pmis_seen < pmis.size(); ++v.ref_pmis_seen)
        if (v.ref_lvtpc.accept_pmi(true)) v.ref_accepted.push_back(pmis[v.ref_pmis_seen]);
}

}  // namespace pmusim

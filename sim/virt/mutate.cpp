#include "sim/virt/mutate.h"

#include <iomanip>
#include <sstream>

namespace pmusim {

std::vector<Mutant> protocol_mutants(const Protocol& p) {
    std::vector<Mutant> out;
    for (Path path : {Path::Load, Path::Exit})
        for (auto& s : p.steps(path)) {
            ProtocolEdit e;
            e.kind = ProtocolEdit::Kind::Remove;
            e.a = s;
            out.push_back({e.describe(), e});
        }
    for (Path path : {Path::Load, Path::Exit})
        for (auto& [a, b] : p.order_sensitive_pairs(path)) {
            ProtocolEdit e;
            e.kind = ProtocolEdit::Kind::Swap;
            e.a = a;
            e.b = b;
            out.push_back({e.describe(), e});
        }
    return out;
}

MutantResult run_mutant(const Scenario& s, const Protocol& p, const std::string& name) {
    const RunReport rep = run_scenario(s, p);
    MutantResult r;
    r.name = name;
    for (unsigned k = 0; k < kNumViolationKinds; ++k) {
        r.count[k] = rep.violations.count(static_cast<ViolationKind>(k));
        r.first[k] = rep.violations.first_cycle(static_cast<ViolationKind>(k));
        r.first_cycle = std::min(r.first_cycle, r.first[k]);
    }
    r.kinds = rep.violations.kinds_fired();
    return r;
}

std::vector<MutantResult> mutate_scenario(const Scenario& s, const std::function<void(size_t, size_t)>& progress) {
    const Protocol base = s.make_protocol();
    const auto ms = protocol_mutants(base);
    std::vector<MutantResult> out;
    const size_t total = ms.size() + 1;
    out.push_back(run_mutant(s, base, "baseline"));
    if (progress) progress(1, total);
    for (auto& m : ms) {
        Protocol p = base;
        p.apply(m.edit);
        out.push_back(run_mutant(s, p, m.name));
        if (progress) progress(out.size(), total);
    }
    return out;
}

std::string mutation_table(const std::vector<MutantResult>& rs, bool md) {
    std::ostringstream os;
    auto first = [](uint64_t c) { return c == ~0ull ? std::string("-") : std::to_string(c); };
    const auto& kinds = violation_kinds();
    if (md) {
        os << "| mutant | checks fired |";
        for (auto& k : kinds) os << ' ' << k.name << " |";
        os << " first cycle |\n|---|---|";
        for (size_t i = 0; i < kinds.size(); ++i) os << "---:|";
        os << "---:|\n";
        for (auto& r : rs) {
            os << "| `" << r.name << "` | " << (r.clean() ? "clean" : r.kinds) << " |";
            for (auto& k : kinds) os << ' ' << r.count[size_t(k.kind)] << " |";
            os << ' ' << first(r.first_cycle) << " |\n";
        }
        return os.str();
    }
    size_t w = 6;
    for (auto& r : rs) w = std::max(w, r.name.size());
    os << std::left << std::setw(int(w)) << "mutant" << "  " << std::setw(26) << "checks fired" << std::right;
    for (auto& k : kinds) os << std::setw(int(std::string(k.name).size()) + 2) << k.name;
    os << std::setw(13) << "first cycle" << "\n";
    for (auto& r : rs) {
        os << std::left << std::setw(int(w)) << r.name << "  " << std::setw(26) << (r.clean() ? "clean" : r.kinds) << std::right;
        for (auto& k : kinds) os << std::setw(int(std::string(k.name).size()) + 2) << r.count[size_t(k.kind)];
        os << std::setw(13) << first(r.first_cycle) << "\n";
    }
    return os.str();
}

}  // namespace pmusim

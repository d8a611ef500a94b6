#include "tma/tma_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "tma/formula.h"
#include "tma/tma_tables.h"

namespace pmusim::tma {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

const char* node_name(Node n) { return node_row(n).name; }
Node parent(Node n) { return node_row(n).parent; }
unsigned level(Node n) { return node_row(n).level; }
bool is_level1(Node n) { return level(n) == 1; }

std::vector<Node> children(Node n) {
    std::vector<Node> v;
    for (const NodeRow& r : node_table())
        if (r.node != n && r.parent == n) v.push_back(r.node);
    return v;
}

std::vector<Node> nodes_up_to(unsigned lvl) {
    std::vector<Node> out;
    for (const NodeRow& r : node_table())
        if (r.level <= lvl) out.push_back(r.node);
    return out;
}

const char* family_name(Family f) {
    switch (f) {
        case Family::Skylake: return "skylake";
        case Family::IceLake: return "icelake";
        case Family::SapphireRapids: return "sapphirerapids";
        case Family::LunarLake: return "lunarlake";
    }
    return "?";
}
const char* method_name(Method m) { return m == Method::PerfMetrics ? "perf_metrics" : "gp_events"; }

namespace {

// A family's formula table compiled for one method: the row that applies to each target, in
// table order, each reading inputs [events | PERF_METRICS bytes | W | earlier targets].
constexpr int kPm = kNumEv, kW = kNumEv + 8, kTargets = kNumEv + 9;

struct Program {
    std::vector<const FormulaRow*> rows;
    std::vector<Formula> code;
    std::map<std::string, int> target;  // name -> row
};

bool applies(Form f, Method m, bool l2) {
    switch (f) {
        case Form::PerfMetrics: return m == Method::PerfMetrics;
        case Form::PerfMetricsL2: return m == Method::PerfMetrics && l2;
        default: return true;
    }
}

std::unique_ptr<Program> build(Family fam, Method m, bool l2) {
    auto p = std::make_unique<Program>();
    for (const FormulaRow& r : family_table(fam).rows)
        if (!p->target.count(r.target) && applies(r.form, m, l2)) {
            p->target[r.target] = int(p->rows.size());
            p->rows.push_back(&r);
        }
    std::map<std::string, int> known;  // names visible to the row being compiled
    for (unsigned e = 0; e < kNumEv; ++e) known[formula_event_name(static_cast<Ev>(e), fam)] = int(e);
    if (m == Method::PerfMetrics)
        for (unsigned k = 0; k < 8; ++k) known[pm_field_name(k)] = kPm + int(k);
    known["W"] = kW;
    for (size_t i = 0; i < p->rows.size(); ++i) {
        p->code.push_back(Formula::compile(p->rows[i]->formula, [&](const std::string& n) {
            auto it = known.find(n);
            return it == known.end() ? -1 : it->second;
        }));
        known[p->rows[i]->target] = kTargets + int(i);
    }
    return p;
}

const Program& program(const Model& m) {
    static std::mutex mu;
    static std::map<int, std::unique_ptr<Program>> cache;
    const bool l2 = m.pm_fields >= 8;
    const int key = int(m.family) * 4 + int(m.method) * 2 + int(l2);
    std::lock_guard<std::mutex> lock(mu);
    auto& p = cache[key];
    if (!p) p = build(m.family, m.method, l2);
    return *p;
}

// The rows a model needs, each with the lowest level of a selected target that reads it (Info
// metrics count as level 4, CLKS and SLOTS as level 0: perf always counts cycles and slots).
std::vector<unsigned> needed_rows(const Model& m, const Program& p) {
    std::vector<unsigned> lvl(p.rows.size(), ~0u);
    auto mark = [&](auto&& self, int row, unsigned l) -> void {
        if (lvl[row] <= l) return;
        lvl[row] = l;
        for (int in : p.code[row].inputs())
            if (in >= kTargets) self(self, in - kTargets, l);
    };
    auto want = [&](const std::string& name, unsigned l) {
        auto it = p.target.find(name);
        if (it == p.target.end())
            throw std::invalid_argument(name + ": not defined for the " + family_name(m.family) + " formulas");
        mark(mark, it->second, l);
    };
    want("CLKS", 0);
    if (m.family != Family::Skylake) want("SLOTS", 0);
    for (Node n : selected_nodes(m)) want(node_name(n), level(n));
    for (const std::string& s : m.metrics) want(s, 4);
    return lvl;
}

}  // namespace

bool family_defines(Family f, Node n) {
    static const auto has = [] {
        std::array<std::array<bool, kNumNodes>, 4> h{};
        for (unsigned k = 0; k < h.size(); ++k)
            for (const FormulaRow& r : family_table(static_cast<Family>(k)).rows)
                for (const NodeRow& nr : node_table())
                    if (std::string(r.target) == nr.name) h[k][ni(nr.node)] = true;
        return h;
    }();
    return has[static_cast<unsigned>(f)][ni(n)];
}

std::vector<Node> selected_nodes(const Model& m) {
    if (m.nodes.empty()) {
        std::vector<Node> out;
        for (Node n : nodes_up_to(m.level))
            if (family_defines(m.family, n)) out.push_back(n);
        return out;
    }
    std::vector<bool> keep(kNumNodes, false);
    for (Node n : m.nodes)
        for (Node a = n;; a = parent(a)) {  // a threshold reads the parent: keep the ancestors
            keep[ni(a)] = true;
            if (is_level1(a)) break;
        }
    std::vector<Node> out;
    for (const NodeRow& r : node_table())
        if (keep[ni(r.node)] && family_defines(m.family, r.node)) out.push_back(r.node);
    return out;
}

void check_model(const Model& m) {
    if (m.level < 1 || m.level > 4) throw std::invalid_argument("level: must be 1 to 4, got " + std::to_string(m.level));
    if (m.method == Method::PerfMetrics && m.family == Family::Skylake)
        throw std::invalid_argument("method: Skylake has no PERF_METRICS; use the GP-event method");
    if (m.method == Method::PerfMetrics && m.pm_fields < 4)
        throw std::invalid_argument("method: PERF_METRICS holds fewer than the 4 level-1 fields");
    if (m.slots_per_cycle == 0) throw std::invalid_argument("slots_per_cycle: must be at least 1");
    for (Node n : m.nodes)
        if (!family_defines(m.family, n))
            throw std::invalid_argument(std::string("nodes: ") + node_name(n) + " is not a node of the " +
                                        family_name(m.family) + " formulas (docs/tma.md)");
    const auto& fam = family_table(m.family).rows;
    for (const std::string& s : m.metrics)
        if (std::none_of(fam.begin(), fam.end(), [&](const FormulaRow& r) { return s == r.target; }) ||
            std::none_of(metric_table().begin(), metric_table().end(), [&](const MetricRow& r) { return s == r.name; }))
            throw std::invalid_argument("metrics: '" + s + "' is not an Info metric of the " +
                                        family_name(m.family) + " formulas");
}

std::vector<Ev> required_events(const Model& m) {
    check_model(m);
    const Program& p = program(m);
    const auto lvl = needed_rows(m, p);
    std::array<unsigned, kNumEv> ev_lvl;
    ev_lvl.fill(~0u);
    for (size_t r = 0; r < p.rows.size(); ++r)
        if (lvl[r] != ~0u)
            for (int in : p.code[r].inputs())
                if (in < kPm) ev_lvl[in] = std::min(ev_lvl[in], lvl[r]);
    std::vector<Ev> v;
    for (unsigned l = 0; l <= 4; ++l)
        for (unsigned e = 0; e < kNumEv; ++e)
            if (ev_lvl[e] == l) v.push_back(static_cast<Ev>(e));
    return v;
}

Result evaluate(const Model& m, const Inputs& in, const Breakdown* given) {
    check_model(m);
    const Program& p = program(m);
    const auto lvl = needed_rows(m, p);
    std::vector<double> x(kTargets + p.rows.size(), kNaN);
    if (m.method == Method::PerfMetrics) {
        if (in.pm_fields < 4) throw std::invalid_argument("PERF_METRICS fields missing from the reading");
        for (unsigned k = 0; k < 8; ++k) x[kPm + k] = in.pm[k];
    }
    x[kW] = m.slots_per_cycle;
    for (size_t r = 0; r < p.rows.size(); ++r) {
        if (lvl[r] == ~0u) continue;
        for (int i : p.code[r].inputs()) {
            if (i >= kPm) continue;
            if (!in.have.test(size_t(i)))
                throw std::invalid_argument(std::string("TMA input missing: ") + event_name(static_cast<Ev>(i), m.family));
            x[i] = in.ev[size_t(i)];
        }
        const std::string& name = p.rows[r]->target;
        double v = p.code[r].eval(x.data());
        if (given) {
            for (const NodeRow& n : node_table())
                if (name == n.name) v = (*given)[ni(n.node)];
        }
        x[kTargets + r] = v;
        if (name == "SLOTS" && !(v > 0)) throw std::invalid_argument("TOPDOWN.SLOTS is 0: nothing to break down");
    }
    Result res;
    res.nodes = Breakdown::Constant(kNaN);
    for (Node n : selected_nodes(m)) res.nodes[ni(n)] = x[kTargets + p.target.at(node_name(n))];
    for (const std::string& s : m.metrics) res.metrics.push_back(x[kTargets + p.target.at(s)]);
    return res;
}

Breakdown compute(const Model& m, const Inputs& in) { return evaluate(m, in).nodes; }

Breakdown breakdown_spr(const PerfMetricsReading& r) {
    Model m;
    m.family = Family::SapphireRapids;
    m.level = 2;
    Inputs in;
    in.set(Ev::Slots, double(r.slots));
    in.set(Ev::Clks, double(r.slots) / m.slots_per_cycle);
    in.set(Ev::UopDropping, double(r.uop_dropping));
    for (unsigned k = 0; k < 8; ++k) in.pm[k] = r.fields[k];
    in.pm_fields = 8;
    return compute(m, in);
}

std::array<bool, kNumNodes> flagged(const Breakdown& b) {
    static const std::vector<Formula> th = [] {
        std::vector<Formula> v;
        for (unsigned k = 0; k < kNumNodes; ++k)
            v.push_back(Formula::compile(node_row(static_cast<Node>(k)).threshold, [](const std::string& n) {
                for (const NodeRow& r : node_table())
                    if (n == r.name) return int(ni(r.node));
                return -1;
            }));
        return v;
    }();
    std::array<bool, kNumNodes> t{};
    for (unsigned k = 0; k < kNumNodes; ++k) t[k] = !std::isnan(b[k]) && th[k].eval(b.data()) != 0;  // NaN: never
    return t;
}

Node bottleneck(const Breakdown& b, double sib) {
    const auto t = flagged(b);
    auto larger = [&](Node x, Node y) { return b[ni(x)] < b[ni(y)]; };
    std::vector<Node> l1;
    for (Node n : {Node::FrontendBound, Node::BadSpeculation, Node::BackendBound, Node::Retiring})
        if (t[ni(n)]) l1.push_back(n);
    if (l1.empty()) {  // nothing crosses a threshold: report the largest Level-1 node
        const std::array<Node, 4> all{Node::FrontendBound, Node::BadSpeculation, Node::BackendBound, Node::Retiring};
        return *std::max_element(all.begin(), all.end(), larger);
    }
    Node cur = *std::max_element(l1.begin(), l1.end(), larger);
    for (;;) {
        std::vector<Node> kids;
        for (Node c : children(cur))
            if (t[ni(c)]) kids.push_back(c);
        if (kids.empty()) return cur;
        std::sort(kids.begin(), kids.end(), [&](Node x, Node y) { return b[ni(x)] > b[ni(y)]; });
        if (kids.size() >= 2 && b[ni(kids[0])] - b[ni(kids[1])] < sib) return cur;  // ambiguous siblings
        cur = kids[0];
    }
}

}  // namespace pmusim::tma

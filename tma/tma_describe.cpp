// Selection (--nodes, -M) and description (node descriptors, the generated formula tables of
// docs/tma.md), all read from the tables in tma/tma_tables.cpp and tma/tables_<family>.cpp.
#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "tma/tma_tables.h"

namespace pmusim::tma {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream is(s);
    while (std::getline(is, cur, sep)) {
        const auto b = cur.find_first_not_of(" \t"), e = cur.find_last_not_of(" \t");
        if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    }
    return out;
}

bool in_groups(const char* groups, const std::string& g) {
    for (const std::string& x : split(groups, ';'))
        if (lower(x) == lower(g)) return true;
    return false;
}

const FormulaRow* active_row(Family f, Method m, unsigned pm_fields, const std::string& target) {
    for (const FormulaRow& r : family_table(f).rows) {
        if (target != r.target) continue;
        if (r.form == Form::PerfMetrics && m != Method::PerfMetrics) continue;
        if (r.form == Form::PerfMetricsL2 && (m != Method::PerfMetrics || pm_fields < 8)) continue;
        return &r;
    }
    return nullptr;
}

bool is_node_or_metric(const std::string& name) {
    for (const NodeRow& r : node_table())
        if (name == r.name) return true;
    for (const MetricRow& r : metric_table())
        if (name == r.name) return true;
    return false;
}

void add_unique(std::vector<Node>& v, Node n) {
    if (std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
}

}  // namespace

namespace {
std::vector<Node> parse_nodes_of(const std::string& spec, const Family* fam) {
    auto in_tree = [&](Node n) { return !fam || family_defines(*fam, n); };
    std::vector<Node> out;
    for (std::string tok : split(spec, ',')) {
        const bool subtree = tok.back() == '*';
        if (subtree) tok.pop_back();
        const NodeRow* hit = nullptr;
        for (const NodeRow& r : node_table())
            if (lower(r.name) == lower(tok)) hit = &r;
        if (!hit) {
            std::string valid;
            for (const NodeRow& r : node_table()) valid += std::string(valid.empty() ? "" : ", ") + r.name;
            throw std::invalid_argument("nodes: unknown node '" + tok + "' (nodes: " + valid + ")");
        }
        if (!in_tree(hit->node))
            throw std::invalid_argument(std::string("nodes: ") + hit->name + " is not a node of the " +
                                        family_name(*fam) + " formulas (docs/tma.md)");
        add_unique(out, hit->node);
        if (subtree)
            for (const NodeRow& r : node_table())
                for (Node a = r.node; in_tree(r.node); a = parent(a)) {
                    if (a == hit->node) {
                        add_unique(out, r.node);
                        break;
                    }
                    if (is_level1(a)) break;
                }
    }
    if (out.empty()) throw std::invalid_argument("nodes: empty selection");
    return out;
}
}  // namespace

std::vector<Node> parse_nodes(const std::string& spec) { return parse_nodes_of(spec, nullptr); }
std::vector<Node> parse_nodes(const std::string& spec, Family family) { return parse_nodes_of(spec, &family); }

void select_groups(Model& m, const std::string& groups) {
    const auto& fam = family_table(m.family).rows;
    auto has = [&](const char* name) {
        return std::any_of(fam.begin(), fam.end(), [&](const FormulaRow& r) { return std::string(name) == r.target; });
    };
    auto add_metric = [&](const char* name) {
        if (std::find(m.metrics.begin(), m.metrics.end(), name) == m.metrics.end()) m.metrics.push_back(name);
    };
    for (const std::string& g : split(groups, ',')) {
        bool hit = false;
        for (const NodeRow& r : node_table())
            if ((lower(r.name) == lower(g) || in_groups(r.groups, g)) && family_defines(m.family, r.node)) {
                add_unique(m.nodes, r.node);
                hit = true;
            }
        for (const MetricRow& r : metric_table())
            if ((lower(r.name) == lower(g) || in_groups(r.groups, g) || lower(g) == "info") && has(r.name)) {
                add_metric(r.name);
                hit = true;
            }
        if (!hit) {
            std::vector<std::string> all{"Info"};
            auto collect = [&](const char* gs) {
                for (const std::string& x : split(gs, ';'))
                    if (std::find(all.begin(), all.end(), x) == all.end()) all.push_back(x);
            };
            for (const NodeRow& r : node_table()) collect(r.groups);
            for (const MetricRow& r : metric_table())
                if (has(r.name)) collect(r.groups), all.push_back(r.name);
            std::sort(all.begin(), all.end());
            std::string list;
            for (auto& x : all) list += (list.empty() ? "" : ", ") + x;
            throw std::invalid_argument("metric group '" + g + "' matches no node or Info metric of the " +
                                        std::string(family_name(m.family)) + " formulas (groups and metrics: " +
                                        list + "; or a node name)");
        }
    }
}

std::vector<Descriptor> describe(Family family, Method method, unsigned pm_fields) {
    std::vector<Descriptor> out;
    auto make = [](std::string name, const char* kind, std::string parent, const char* groups, const char* th,
                   const char* what) {
        Descriptor d;
        d.name = std::move(name);
        d.kind = kind;
        d.parent = std::move(parent);
        d.groups = groups;
        d.threshold = th;
        d.description = what;
        return d;
    };
    auto fill = [&](Descriptor& d) {
        if (const FormulaRow* r = active_row(family, method, pm_fields, d.name)) {
            d.formula = r->formula;
            d.source = r->source;
            d.note = r->note;
        }
    };
    for (const NodeRow& r : node_table()) {
        if (!family_defines(family, r.node)) continue;  // not in this family's tree
        Descriptor d = make(r.name, "node", r.level == 1 ? "" : node_name(r.parent), r.groups, r.threshold, r.description);
        d.level = r.level;
        fill(d);
        out.push_back(d);
    }
    for (const MetricRow& r : metric_table()) {
        Descriptor d = make(r.name, "metric", "", r.groups, r.threshold, r.description);
        fill(d);
        if (!d.formula.empty()) out.push_back(d);  // the family may lack it
    }
    for (const FormulaRow& r : family_table(family).rows) {
        if (is_node_or_metric(r.target) ||
            std::any_of(out.begin(), out.end(), [&](const Descriptor& d) { return d.name == r.target; }))
            continue;
        Descriptor d = make(r.target, "helper", "", "", "", "a term other formulas read");
        fill(d);
        if (!d.formula.empty()) out.push_back(d);
    }
    return out;
}

// A formula or threshold in a table cell: `|` (a threshold's "or") would end the cell.
static std::string code_cell(const std::string& s) {
    std::string out = "`";
    for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out + "`";
}

std::string formulas_markdown() {
    std::ostringstream os;
    os << "### The tree: levels, thresholds, metric groups\n\n"
       << "| node | level | parent | flagged when | groups (`-M`) | families | what it counts |\n"
       << "|---|---|---|---|---|---|---|\n";
    for (const NodeRow& r : node_table()) {
        std::string fams;
        for (Family f : {Family::Skylake, Family::IceLake, Family::SapphireRapids, Family::LunarLake})
            if (family_defines(f, r.node)) fams += std::string(fams.empty() ? "" : ", ") + family_name(f);
        if (fams == "skylake, icelake, sapphirerapids, lunarlake") fams = "all";
        os << "| " << r.name << " | " << r.level << " | " << (r.level == 1 ? "-" : node_name(r.parent)) << " | "
           << code_cell(r.threshold) << " | " << r.groups << " | " << fams << " | " << r.description << " |\n";
    }
    os << "\n### Info metrics\n\n| metric | perfmon name | flagged when | groups (`-M`) | what it is |\n"
       << "|---|---|---|---|---|\n";
    for (const MetricRow& r : metric_table())
        os << "| " << r.name << " | Info_" << r.area << "_" << r.name << " | "
           << (*r.threshold ? code_cell(r.threshold) : std::string("-")) << " | " << r.groups << " | "
           << r.description << " |\n";
    for (Family f : {Family::Skylake, Family::IceLake, Family::SapphireRapids, Family::LunarLake}) {
        const FamilyTable& t = family_table(f);
        os << "\n### " << t.title << " formulas\n\n| name | method | formula | source |\n|---|---|---|---|\n";
        std::string notes;
        for (const FormulaRow& r : t.rows) {
            os << "| " << r.target << " | " << form_name(r.form) << " | " << code_cell(r.formula) << " | " << r.source
               << (*r.note ? " (note)" : "") << " |\n";
            if (*r.note) notes += "- " + std::string(r.target) + ": " + r.note + ".\n";
        }
        if (!notes.empty()) os << "\nNotes:\n" << notes;
    }
    return os.str();
}

}  // namespace pmusim::tma

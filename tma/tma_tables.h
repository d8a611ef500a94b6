// The TMA tree, its Info metrics and each family's formulas as data: one row per node (name,
// parent, level, threshold, metric groups, description) and one row per formula of a family
// (target, which method it serves, formula text, public source). The engine compiles the text
// (tma/formula.h); docs/tma.md's formula tables are generated from these rows
// (scripts/gen-tma-doc.sh). A new node is a row here (plus its Node id); a new family is a table.
#pragma once
#include <string>
#include <vector>

#include "tma/tma_engine.h"

namespace pmusim::tma {

struct NodeRow {
    Node node;
    const char* name;         // toplev's / perfmon's name
    Node parent;              // itself at Level 1
    unsigned level;
    const char* threshold;    // perfmon's Threshold, in fractions, over node values
    const char* groups;       // perfmon's MetricGroup (for -M), ';'-separated
    const char* description;  // in pmusim's words
};
// Every node, in tree pre-order.
const std::vector<NodeRow>& node_table();
const NodeRow& node_row(Node n);

struct MetricRow {
    const char* name;         // toplev's short name (perfmon: Info_<area>_<name>)
    const char* area;         // perfmon's area: Thread, Core, Inst_Mix, Bad_Spec
    const char* threshold;    // "" when perfmon has none
    const char* groups;
    const char* description;
};
const std::vector<MetricRow>& metric_table();

// Which method a formula serves. A target may have several rows; the first that applies wins, so
// PERF_METRICS rows come before the GP-event row of the same target.
enum class Form : uint8_t {
    Any,            // every method
    PerfMetrics,    // the PERF_METRICS method (Level-1 bytes)
    PerfMetricsL2,  // the PERF_METRICS method where the CPU has the Level-2 bytes
    GpEvents,       // any method (the GP-event form; a fallback after PERF_METRICS rows)
};
const char* form_name(Form f);

struct FormulaRow {
    const char* target;   // a node, an Info metric or a helper (PM_SUM, Retire_Fraction, ...)
    Form form;
    const char* formula;  // names: events as the family spells them, PERF_METRICS.*, W, earlier targets
    const char* source;   // the public file the formula is restated from
    const char* note;     // non-empty where pmusim departs from the source: why (docs/tma.md)
};
struct FamilyTable {
    Family family;
    const char* title;
    std::vector<FormulaRow> rows;  // each target after the targets it reads
};
const FamilyTable& family_table(Family f);
const FamilyTable& lunarlake_family_table();  // tma/tables_lunarlake.cpp

// The names a formula may read besides earlier targets: W, the PERF_METRICS bytes (index 0..7 in
// PERF_METRICS order: RETIRING, BAD_SPECULATION, FRONTEND_BOUND, BACKEND_BOUND, HEAVY_OPERATIONS,
// BRANCH_MISPREDICTS, FETCH_LATENCY, MEMORY_BOUND), and the events by formula_event_name().
const char* pm_field_name(unsigned k);

// For `pmusim list` and Python: every node and Info metric with what describes it; `formula` is
// the first applicable form on `family` for `method` (empty where the family lacks the target).
struct Descriptor {
    std::string name, kind, parent, groups, threshold, description, formula, source, note;
    unsigned level = 0;  // 0 for an Info metric
};
std::vector<Descriptor> describe(Family family, Method method, unsigned pm_fields = 8);

// The formula tables of docs/tma.md (Markdown), generated from the rows above.
std::string formulas_markdown();

}  // namespace pmusim::tma

// The per-family formula tables (tma/tables_<family>.cpp), each a function so that the tables are
// built on first use whatever the order of static initialisation; family_table() dispatches.
// A new family is a new file with its table and a case in family_table() (tma/tma_tables.cpp).
#pragma once
#include <vector>

#include "tma/tma_tables.h"

namespace pmusim::tma {

const FamilyTable& skylake_table();
const FamilyTable& icelake_table();
const FamilyTable& sapphirerapids_table();

// A family's rows followed by the Info metrics every family writes alike (source: its perfmon file).
std::vector<FormulaRow> with_info(const char* src, std::vector<FormulaRow> rows);

// Short names the tables use for the forms, and the shared wording of the departures
// (docs/tma.md explains them).
namespace table_terms {
constexpr Form A = Form::Any, PM = Form::PerfMetrics, PM2 = Form::PerfMetricsL2, GP = Form::GpEvents;
constexpr const char* kSmtOff = "SMT off: pmusim models one thread per core";
constexpr const char* kSlotsW = "4 x CLKS in perfmon; W is the preset's width (4 on skylake)";
}  // namespace table_terms

}  // namespace pmusim::tma

// Workload files (YAML, docs/workloads.md): phases with a slot mix and rates, a schedule of
// sequences, repeats and Markov chains, optional seeded or sine variation. Errors name the file,
// the line and the field.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/core/phased_workload.h"

namespace pmusim {

// Parses YAML text; `origin` names it in errors ("file.yaml:12: phases.chase.ipc: ...").
// `seed_offset` is added to the file's seed (`stat -r`: one seed per run).
std::unique_ptr<PhasedWorkload> parse_workload_yaml(const std::string& text, const std::string& origin,
                                                    uint64_t seed_offset = 0);
std::unique_ptr<PhasedWorkload> load_workload_file(const std::string& path, uint64_t seed_offset = 0);

// Directory of the built-in workload library (PMUSIM_WORKLOADS, else sim/library_paths.h's search).
std::string workload_library_dir();
// Names of the library's workloads (file stems), sorted.
std::vector<std::string> workload_library();

}  // namespace pmusim

// Helpers shared by the virtualization test files: a built-in scenario (optionally shortened), a
// run with protocol edits, and the first recorded violation of a kind.
#pragma once
#include <string>
#include <vector>

#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

namespace pmusim::test {

inline Scenario scenario(const std::string& name, uint64_t cycles = 0) {
    Scenario s = load_scenario(name);
    if (cycles) s.cycles = cycles;
    return s;
}

inline RunReport run_with(Scenario s, const std::vector<std::string>& edits) {
    for (auto& e : edits) s.edits.push_back(parse_protocol_edit(e));
    return run_scenario(s);
}

inline const Violation* first_of(const RunReport& r, ViolationKind k) {
    for (auto& v : r.violations.recorded())
        if (v.kind == k) return &v;
    return nullptr;
}

// The error a scenario file's text raises when read or run ("(no error)" when it runs).
inline std::string run_error(const std::string& yaml) {
    try {
        run_scenario(parse_scenario_yaml(yaml, "t.yaml"));
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace pmusim::test

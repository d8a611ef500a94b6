// Conformance of a guest's PMU with bare metal (docs/virtualization.md "The register suite
// inside a guest"; `pmusim conform`): every guest program access is compared with the same
// access on the guest's reference PMU (the guest alone on bare metal). A difference is either a
// documented KVM behaviour, declared once in known_differences() with its source, or unexplained.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "sim/virt/hypervisor.h"

namespace pmusim {

// A documented way in which KVM's vPMU differs from bare metal.
struct KnownDifference {
    std::string name, what, source;
    // Whether it explains this record's difference (`mediated`: the protocol's vPMU).
    std::function<bool(const ProgramRecord&, bool mediated)> explains;
};
const std::vector<KnownDifference>& known_differences();

struct ConformRow {
    const ProgramRecord* rec;
    enum class Verdict { BareMetal, Explained, Unexplained } verdict = Verdict::BareMetal;
    std::string explanation;  // the known difference's name
    bool expectation_failed = false;
};

struct ConformReport {
    std::string scenario, cpu, protocol;
    std::vector<ConformRow> rows;
    uint64_t accesses = 0, same = 0, explained = 0, unexplained = 0, failed = 0, unrecorded = 0;
    uint64_t violations = 0, other_violations = 0;  // all, and those not of the clobber kind
    // Passes when every access is bare metal or explained, every unexplained-free expectation is
    // met, every access was recorded, and no checker other than clobber fired.
    bool ok() const { return unexplained == 0 && failed == 0 && unrecorded == 0 && other_violations == 0; }
};

ConformReport conform(const RunReport& r, bool mediated);
// A table: by default the summary per section and every row that is not bare metal; `all`: every row.
std::string format_conform(const ConformReport& c, bool all, bool markdown);

}  // namespace pmusim

// A guest/host PMU context-switch protocol as data: two ordered lists of named steps, one run on
// the way into the guest (load) and one on the way out (exit). The behaviour of each named step
// (the MSR/RDPMC operations it issues, each with a cycle cost) lives in sim/virt/protocol_steps.cpp;
// this file knows names, paths, register footprints and the edits that make variants.
// Reference: pmu-architecture.md §4.4 (load order), §4.5 (exit order), §4.10 (PM-3).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pmusim {

enum class Path { Load, Exit };
const char* path_name(Path p);

// A raw operation of a custom step (from a scenario file): constant values only.
struct RawOp {
    enum class Kind { Rdmsr, Wrmsr, Rdpmc } kind = Kind::Wrmsr;
    uint32_t index = 0;  // MSR or RDPMC ECX
    uint64_t value = 0;  // WRMSR value
};

struct StepInfo {
    std::string name;
    Path path = Path::Load;
    bool mediated = true;              // belongs to the mediated (true) or legacy (false) vPMU
    std::vector<std::string> reads;    // registers read (footprint, for order sensitivity)
    std::vector<std::string> writes;   // registers written
    std::string what;                  // one line: what it does
    std::string source;                // where the rule comes from
    std::vector<RawOp> ops;            // custom steps only
    bool custom = false;
};

// Every built-in step: the mediated steps named in the issue, the legacy ones, and variant steps
// that can replace them.
const std::vector<StepInfo>& step_library();
const StepInfo* find_step(const std::string& name);  // built-in only

struct ProtocolEdit {
    enum class Kind { Remove, Swap, MoveBefore, MoveAfter, Replace, Insert } kind = Kind::Remove;
    std::string a, b;  // Remove a; Swap a b; Move a before/after b; Replace a with b; Insert a before b
    std::string describe() const;
};
// "remove:X", "swap:X,Y", "move:X,before=Y", "move:X,after=Y", "replace:X=Y", "insert:X,before=Y".
// Throws std::invalid_argument naming the edit.
ProtocolEdit parse_protocol_edit(const std::string& s);

class Protocol {
public:
    // "mediated" (KVM mediated vPMU with the PERF_METRICS patch) or "legacy" (perf-event-backed).
    static Protocol builtin(const std::string& name);
    const std::string& name() const { return name_; }
    bool mediated() const { return mediated_; }
    const std::vector<std::string>& steps(Path p) const { return p == Path::Load ? load_ : exit_; }
    // Applies an edit; throws std::invalid_argument naming the step that is not in the protocol.
    void apply(const ProtocolEdit& e);
    const std::vector<ProtocolEdit>& edits() const { return edits_; }
    void add_custom_step(StepInfo s);
    const StepInfo* step(const std::string& name) const;  // built-in or custom
    std::string describe() const;
    // Pairs of steps on one path whose footprints conflict (one writes what the other reads or
    // writes, or one changes a counter enable while the other touches counting state).
    std::vector<std::pair<std::string, std::string>> order_sensitive_pairs(Path p) const;

private:
    std::string name_;
    bool mediated_ = true;
    std::vector<std::string> load_, exit_;
    std::vector<ProtocolEdit> edits_;
    std::vector<StepInfo> custom_;
};

}  // namespace pmusim

// A guest/host PMU context-switch protocol as data: two ordered lists of named steps, one run on
// the way into the guest (load) and one on the way out (exit). Each step is declared once, with
// its footprint, description and source beside its behaviour (models/virt/steps_mediated.cpp,
// steps_legacy.cpp); this file knows the library, the protocols and the edits that make variants.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "models/virt/custom_steps.h"

namespace pmusim {

class StepContext;

enum class Path { Load, Exit };
const char* path_name(Path p);

struct StepInfo {
    std::string name;
    Path path = Path::Load;
    bool mediated = true;              // belongs to the mediated (true) or legacy (false) vPMU
    std::vector<std::string> reads;    // registers read (footprint, for order sensitivity)
    std::vector<std::string> writes;   // registers written
    std::string what;                  // one line: what it does
    std::string source;                // where the rule comes from
    std::vector<CustomOp> ops;         // custom steps only (models/virt/custom_steps.h)
    bool custom = false;
    std::function<void(StepContext&)> behaviour;  // the operations it issues (StepContext)
};

// Declares a built-in step. The behaviour is a function, never empty: a step without one does not
// compile.
StepInfo step(std::string name, Path path, bool mediated, std::vector<std::string> reads,
              std::vector<std::string> writes, std::string what, std::string source, void (&behaviour)(StepContext&));

// The declarations, one list per file (steps_mediated.cpp, steps_legacy.cpp).
const std::vector<StepInfo>& mediated_steps();
const std::vector<StepInfo>& legacy_steps();
// Every built-in step: the mediated steps, their variants, and the legacy ones.
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

// The steps vmx_vcpu_run performs on every VM-exit and VM-entry: the transitions, and the legacy
// vPMU's atomic switch of GLOBAL_CTRL. KVM's fastpath runs only these (no put, no load).
bool is_fastpath_step(const std::string& name);

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

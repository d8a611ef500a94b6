// Custom protocol steps written in a scenario file (docs/virtualization.md "Custom steps"): KVM's
// accesses (RDMSR, RDPMC, WRMSR), named slots that hold a value with its provenance, the vCPU's
// software copy as slots (`vcpu.perf_metrics`, `vcpu.fixed3`, ...), arithmetic and masks, and
// blocks run only when a value is non-zero or two values differ. Enough to write KVM's own save
// and restore of a register, so a patch variant needs no C++. Plain data, run by one function.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pmusim {

class StepContext;

// A constant, or a slot read by name.
struct Operand {
    std::string slot;  // empty: the constant
    uint64_t value = 0;
    static Operand constant(uint64_t v) { return {{}, v}; }
    static Operand named(std::string s) { return {std::move(s), 0}; }
};

struct CustomOp {
    // Rdmsr/Rdpmc: hardware into `into` (empty: read and drop). Wrmsr: `a` into the MSR.
    // Let: `into` = a OP b. IfNonzero: `then` when a != 0, else `otherwise`. IfDiffers: when a != b.
    enum class Kind { Rdmsr, Rdpmc, Wrmsr, Let, IfNonzero, IfDiffers } kind = Kind::Rdmsr;
    enum class Alu { Copy, And, Or, Xor, Add, Sub, Shl, Shr, AndNot } alu = Alu::Copy;
    uint32_t index = 0;  // MSR address or RDPMC ECX
    std::string into;
    Operand a, b;
    std::vector<CustomOp> then, otherwise;
    std::string where;  // "file.yaml:12" (reports and errors)

    static CustomOp rdmsr(uint32_t msr, std::string into = {});
    static CustomOp rdpmc(uint32_t ecx, std::string into = {});
    static CustomOp wrmsr(uint32_t msr, Operand value);
};

// The operator a `Let` names in a scenario file ("and", "or", "xor", "add", "sub", "shl", "shr",
// "andnot", "value"); false if none.
bool custom_alu_named(const std::string& name, CustomOp::Alu& out);
const char* custom_alu_name(CustomOp::Alu a);

// The vCPU slots: `vcpu.pmc<i>`, `vcpu.eventsel_hw<i>`, `vcpu.fixed<i>`, `vcpu.fixed_ctr_ctrl_hw`,
// `vcpu.global_ctrl`, `vcpu.global_status`, `vcpu.perf_metrics` (read and written), and the
// read-only `cap.perf_metrics`, `cap.gp`, `cap.fixed` (the guest's vPMU). Empty when `name` is one
// of them (or a local: a name without a dot); else why not.
std::string custom_slot_problem(const std::string& name, bool written);

// The register groups a step's operations read and write (the footprints that decide order
// sensitivity: PMC, PERFEVTSEL, FIXED_CTR, FIXED_CTR3, FIXED_CTR_CTRL, GLOBAL_CTRL,
// GLOBAL_STATUS, PERF_METRICS, or MSR for any other).
void custom_footprint(const std::vector<CustomOp>& ops, std::vector<std::string>& reads, std::vector<std::string>& writes);

// Runs the operations as KVM on the vCPU the context is loading or putting. Locals start at 0
// on every run; the vCPU slots are its software copy, shared with the built-in steps.
void run_custom_ops(const std::vector<CustomOp>& ops, StepContext& c);

}  // namespace pmusim

// Guest programs (docs/virtualization.md "Guest programs"): what a guest's own code does with
// its PMU, the way KVM's selftests (pmu_counters_test) and kvm-unit-tests (x86/pmu.c) do it
// from inside a guest: WRMSR/RDMSR/RDPMC with values, runs of the guest's workload, loops, and
// an expectation on each access. The engine executes each access as the guest's instruction
// (passed through, or exiting to KVM's emulation) and records what the guest saw.
//
// A program is plain data (GuestProgram, from a scenario file or Python) run by a cursor, or any
// GuestProgramRunner (a Python generator): the engine asks for the next action and hands back
// each access's outcome before asking again, so a program can branch on what it saw.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/virt/vpmu.h"

namespace pmusim {

// What a program expects of one access; the selftests' GUEST_ASSERT_EQ, a range, bits and the
// #GP vector of rdmsr_safe/wrmsr_safe.
struct Expectation {
    enum class Value { Any, Equals, Range } value = Value::Any;
    uint64_t lo = 0, hi = 0;      // Equals: lo; Range: [lo, hi]
    uint64_t set = 0, clear = 0;  // bits that must read 1 / 0
    // The sum of the lowest `sum_bytes` bytes in [sum_lo, sum_hi] (PERF_METRICS' Level-1 fields
    // sum to 0xFF within rounding: KVM's PERF_METRICS selftest).
    unsigned sum_bytes = 0;
    uint64_t sum_lo = 0, sum_hi = 0;
    enum class Fault { Any, None, Gp } fault = Fault::Any;

    bool any() const { return value == Value::Any && !set && !clear && !sum_bytes && fault == Fault::Any; }
    // Empty when the outcome meets it; else what failed ("expected 0x10, read 0x12").
    std::string check(bool gp, uint64_t read) const;
    std::string describe() const;  // "== 0x10", "in [1, 5]", "#GP", ...
};

// One instruction of a program. Loops are flat: Loop jumps past its EndLoop once `count`
// iterations ran; EndLoop jumps back to the Loop's body.
struct GuestInstr {
    enum class Op { Rdmsr, Wrmsr, Rdpmc, Run, Loop, EndLoop, Emulate } op = Op::Run;
    uint32_t index = 0;   // MSR address, RDPMC ECX, or Emulate: index into emulated_instructions()
    uint64_t value = 0;   // WRMSR value
    uint64_t count = 0;   // Run: guest cycles; Loop: iterations
    size_t match = 0;     // Loop: its EndLoop; EndLoop: its Loop
    Expectation expect;
    std::string label;    // the program's name for this access (reports)
    std::string where;    // where it was written ("file.yaml:12" or "program[3]")
};

struct GuestProgram {
    std::vector<GuestInstr> code;
    bool empty() const { return code.empty(); }
};

// What a program does next.
struct GuestAction {
    // Emulate: an instruction KVM intercepts and emulates (emulated_instr.h), `index` into the table.
    enum class Kind { Access, Run, Emulate, Done } kind = Kind::Done;
    AccessKind access = AccessKind::Rdmsr;
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t cycles = 0;  // Run: at least 1
    Expectation expect;
    std::string label, where;
};

// What an access gave the guest.
struct GuestOutcome {
    bool gp = false;     // #GP (pass-through or injected by KVM)
    uint64_t value = 0;  // value read (reads)
    bool exited = false; // emulated by KVM after a VM-exit
    uint64_t cycle = 0;  // physical cycle at which the guest saw it
    uint64_t local = 0;  // the guest's own cycle
};

class GuestProgramRunner {
public:
    virtual ~GuestProgramRunner() = default;
    // The next action. After an Access, outcome() is called before next() is called again.
    virtual GuestAction next() = 0;
    virtual void outcome(const GuestOutcome&) {}
};

// Runs a GuestProgram. Loops are counted, never unrolled: memory is the program's size.
class ProgramCursor : public GuestProgramRunner {
public:
    explicit ProgramCursor(const GuestProgram& p) : p_(p) {}
    GuestAction next() override;

private:
    const GuestProgram& p_;
    size_t pc_ = 0;
    std::vector<uint64_t> left_;  // iterations left of each open loop, innermost last
};

// A program source for one vCPU: makes its runner when the guest starts.
using GuestRunnerFactory = std::function<std::unique_ptr<GuestProgramRunner>()>;

// Checks a program's structure (matched loops, a loop body that takes guest time, Run >= 1);
// throws std::invalid_argument naming the instruction.
void validate_program(const GuestProgram& p);

}  // namespace pmusim

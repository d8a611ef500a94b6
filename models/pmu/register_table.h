// Every PMU MSR, declared once: name, address, reset value, reserved-bit mask and access rule,
// computed for one CpuConfig. The Pmu attaches behaviour by RegKind in one place
// (Pmu::read_register / Pmu::write_register). Read-only registers carry no reserved mask: any
// write #GPs. docs/registers.md is generated from this table
// (`pmusim info --registers-md`).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/cpu/cpu_config.h"

namespace pmusim {

enum class RegKind {
    Pmc,               // IA32_PMCx 0xC1+x (legacy alias)
    APmc,              // IA32_A_PMCx 0x4C1+x (full-width alias)
    PerfEvtSel,        // IA32_PERFEVTSELx 0x186+x
    FixedCtr,          // IA32_FIXED_CTRx 0x309+x
    FixedCtrCtrl,      // IA32_FIXED_CTR_CTRL 0x38D
    GlobalStatus,      // IA32_PERF_GLOBAL_STATUS 0x38E
    GlobalCtrl,        // IA32_PERF_GLOBAL_CTRL 0x38F
    GlobalStatusReset, // IA32_PERF_GLOBAL_STATUS_RESET (OVF_CTRL before v4) 0x390
    GlobalStatusSet,   // IA32_PERF_GLOBAL_STATUS_SET 0x391
    GlobalInuse,       // IA32_PERF_GLOBAL_INUSE 0x392
    PerfCapabilities,  // IA32_PERF_CAPABILITIES 0x345
    DebugCtl,          // IA32_DEBUGCTL 0x1D9
    PerfMetrics,       // IA32_PERF_METRICS 0x329
};

enum class Access {
    ReadWrite,
    ReadOnly,         // WRMSR #GPs
    WriteOneToClear,  // reads 0; each 1 clears a GLOBAL_STATUS bit
    WriteOneToSet,    // reads 0; each 1 sets a GLOBAL_STATUS bit
};

struct RegisterDesc {
    std::string name;
    uint32_t address;
    RegKind kind;
    unsigned index;     // counter number for per-counter registers
    uint64_t reset;
    uint64_t reserved;  // WRMSR with any of these bits set #GPs
    Access access;
    std::string source; // where the rule comes from
};

class RegisterTable {
public:
    explicit RegisterTable(const CpuConfig& cpu);
    // nullptr when the MSR is not enumerated by this CPU (the access #GPs).
    // Inline for the addresses below kDense (every access looks its MSR up).
    const RegisterDesc* find(uint32_t address) const {
        if (address >= kDense) return find_far(address);
        return address < dense_.size() && dense_[address] ? &regs_[dense_[address] - 1u] : nullptr;
    }
    const std::vector<RegisterDesc>& all() const { return regs_; }
    // Markdown table of the registers (for docs/registers.md and `pmusim info`).
    std::string markdown() const;

private:
    const RegisterDesc* find_far(uint32_t address) const;
    std::vector<RegisterDesc> regs_;
    // Index + 1 of the register at each address below kDense (0: none): every access looks its
    // MSR up, and the architectural PMU's MSRs all lie below 0x1000. Others: by_address_.
    static constexpr uint32_t kDense = 0x1000;
    std::vector<uint16_t> dense_;
    std::unordered_map<uint32_t, size_t> by_address_;
};

const char* access_name(Access a);
// "0x1f": how messages and reports write register values.
std::string hex_string(uint64_t v);

// Register addresses (SDM Vol.4 Table 2-2; linux msr-index.h).
namespace msr {
constexpr uint32_t kPmc0 = 0xc1;
constexpr uint32_t kPerfEvtSel0 = 0x186;
constexpr uint32_t kDebugCtl = 0x1d9;
constexpr uint32_t kFixedCtr0 = 0x309;
constexpr uint32_t kPerfMetrics = 0x329;
constexpr uint32_t kPerfCapabilities = 0x345;
constexpr uint32_t kFixedCtrCtrl = 0x38d;
constexpr uint32_t kGlobalStatus = 0x38e;
constexpr uint32_t kGlobalCtrl = 0x38f;
constexpr uint32_t kGlobalStatusReset = 0x390;
constexpr uint32_t kGlobalStatusSet = 0x391;
constexpr uint32_t kGlobalInuse = 0x392;
constexpr uint32_t kAPmc0 = 0x4c1;
}  // namespace msr

// IA32_PERFEVTSELx bits (SDM 18.2.1 Figure 18-1).
namespace evtsel {
constexpr uint64_t kUsr = 1ull << 16, kOs = 1ull << 17, kEdge = 1ull << 18, kInt = 1ull << 20, kEn = 1ull << 22,
                   kInv = 1ull << 23;
// Perfmon v6 (CPUID.23H.0:EBX; linux perf_event.h): count when the event count equals CMASK, and
// a second unit mask that selects among an event's sub-events.
constexpr uint64_t kEq = 1ull << 36, kUmask2 = 0xffull << 40;
constexpr unsigned kUmask2Shift = 40;
}  // namespace evtsel

// IA32_FIXED_CTR_CTRL: one 4-bit field per fixed counter (SDM 18.2.2 Figure 18-2).
namespace fixed_field {
constexpr uint64_t kOs = 1, kUsr = 2, kAnyOrMetricsClear = 4, kPmi = 8;
constexpr uint64_t of(uint64_t ctrl, unsigned i) { return (ctrl >> (4 * i)) & 0xf; }
}  // namespace fixed_field

// The one decoder of PMU MSR addresses: which register kind and counter index an address names,
// whatever the CPU enumerates (RegisterTable::find says whether this CPU has it). Counter MSRs
// also give their counter slot (0..9 GP, 10..13 fixed).
struct MsrRef {
    RegKind kind;
    unsigned index = 0;
    bool is_counter() const { return kind == RegKind::Pmc || kind == RegKind::APmc || kind == RegKind::FixedCtr; }
    // Counters only. Inline: an access decoded once hands this to each of its observers.
    unsigned slot() const { return kind == RegKind::FixedCtr ? kMaxGpCounters + index : index; }  // fixed_slot()
};
// false when the address is no PMU MSR of this model.
bool decode_msr(uint32_t address, MsrRef& out);

// RDPMC ECX (SDM RDPMC; KVM intel_rdpmc_ecx_to_pmc): ECX[31:16] the type, ECX[15:0] the index,
// bit 31 the fast-read flag.
namespace rdpmc_ecx {
constexpr uint32_t kFixed = 1u << 30, kMetrics = 1u << 29, kFast = 1u << 31;
constexpr uint32_t gp(unsigned i) { return i; }
constexpr uint32_t fixed(unsigned i) { return kFixed | i; }
constexpr uint32_t metrics() { return kMetrics; }
}  // namespace rdpmc_ecx
struct RdpmcRef {
    enum class Type { Gp, Fixed, Metrics, Invalid } type = Type::Invalid;
    unsigned index = 0;
    bool fast = false;
    unsigned slot() const;  // Gp and Fixed only
};
// Inline: every RDPMC's provenance decodes its ECX.
inline RdpmcRef decode_rdpmc(uint32_t ecx) {
    RdpmcRef r;
    r.fast = (ecx & rdpmc_ecx::kFast) != 0;
    r.index = ecx & 0xffff;
    switch ((ecx & ~rdpmc_ecx::kFast) >> 16) {
        case 0x0000: r.type = RdpmcRef::Type::Gp; break;
        case 0x4000: r.type = RdpmcRef::Type::Fixed; break;
        case 0x2000: r.type = RdpmcRef::Type::Metrics; break;
        default: r.type = RdpmcRef::Type::Invalid; break;
    }
    return r;
}

// Writable GLOBAL_STATUS bits through STATUS_RESET / STATUS_SET for this CPU.
uint64_t status_reset_writable(const CpuConfig& cpu);
uint64_t status_set_writable(const CpuConfig& cpu);

}  // namespace pmusim

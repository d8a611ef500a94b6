// CPU presets: what CPUID leaf 0xA and IA32_PERF_CAPABILITIES enumerate, plus the
// non-architectural knobs (pipeline width, PERF_METRICS level 2) a preset implies.
// Sources: SDM Vol.3B ch.18 (CPUID.0AH layout), docs/registers.md.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pmusim {

// Raised for an invalid preset name or override; names the offending field.
class ConfigError : public std::invalid_argument {
public:
    ConfigError(std::string field, const std::string& message)
        : std::invalid_argument(field + ": " + message), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

// IA32_PERF_CAPABILITIES bits the model acts on (SDM Table 35-2; PM-3; KAN-CLR).
namespace perf_cap {
constexpr uint64_t kFreezeWhileSmm = 1ull << 12;
constexpr uint64_t kFwWrite = 1ull << 13;
constexpr uint64_t kPebsBaseline = 1ull << 14;
constexpr uint64_t kPerfMetrics = 1ull << 15;
constexpr uint64_t kRdpmcMetricsClear = 1ull << 19;
}  // namespace perf_cap

// IA32_PMCx (0xC1+x), IA32_PERFEVTSELx (0x186+x), IA32_A_PMCx (0x4C1+x) are contiguous blocks
// (SDM Vol.3B 18.2.1); 10 is the most any modelled core enumerates (Lunar Lake's P-core,
// intel/perfmon LNL "Counter": "0,...,9").
constexpr unsigned kMaxGpCounters = 10;
constexpr unsigned kMaxFixedCounters = 4;  // IA32_FIXED_CTR0..3
constexpr unsigned kNumArchEvents = 13;    // CPUID.0AH:EBX bits 0..12

// Which family's TMA formulas and model-specific event encodings apply (docs/tma.md). Lunar Lake
// is the Lion Cove P-core's (intel/perfmon LNL).
enum class TmaFamily : uint8_t { Skylake = 0, IceLake = 1, SapphireRapids = 2, LunarLake = 3 };

struct CpuConfig {
    std::string preset;
    // CPUID.0AH:EAX
    unsigned version = 0;      // [7:0]
    unsigned num_gp = 0;       // [15:8]
    unsigned gp_width = 48;    // [23:16]
    unsigned ebx_length = 0;   // [31:24]
    uint32_t ebx_unavailable = 0;  // EBX: bit k = 1 means arch event k NOT available
    uint32_t fixed_bitmap = 0;     // ECX (v5+): fixed counter i supported
    unsigned num_fixed = 0;        // EDX[4:0]: contiguous fixed counters
    unsigned fixed_width = 48;     // EDX[12:5]
    bool anythread_deprecated = false;  // EDX[15]
    bool pdcm = true;                   // CPUID.01H:ECX[15]: PERF_CAPABILITIES exists
    // CPUID.23H.0:EBX (perfmon v6): IA32_PERFEVTSELx UMASK2 (bits 47:40) and EQ (bit 36) exist.
    bool umask2 = false;               // EBX[0]
    bool evtsel_eq = false;            // EBX[1]
    uint64_t perf_capabilities = 0;
    // Not enumerated by CPUID: properties of the core the preset stands for.
    unsigned slots_per_cycle = 4;  // TMA Pipeline_Width
    bool l2_metrics = false;       // PERF_METRICS bytes 4..7 implemented
    bool topdown_events = false;   // TOPDOWN.*_SLOTS GP encodings exist (icelake and later)
    TmaFamily tma_family = TmaFamily::Skylake;

    bool has_global_ctrl() const { return version >= 2; }
    bool has_status_set() const { return version >= 4; }
    bool has_fixed(unsigned i) const {
        if (version < 2 || i >= kMaxFixedCounters) return false;
        return i < num_fixed || (version >= 5 && ((fixed_bitmap >> i) & 1u));
    }
    bool has_leaf_23() const { return version >= 6; }
    bool has_umask2() const { return has_leaf_23() && umask2; }
    bool has_evtsel_eq() const { return has_leaf_23() && evtsel_eq; }
    bool fw_write() const { return pdcm && (perf_capabilities & perf_cap::kFwWrite); }
    bool perf_metrics() const { return pdcm && (perf_capabilities & perf_cap::kPerfMetrics); }
    bool metrics_clear() const { return perf_metrics() && (perf_capabilities & perf_cap::kRdpmcMetricsClear); }
    bool arch_event_available(unsigned k) const {
        return k < ebx_length && !((ebx_unavailable >> k) & 1u);
    }
    uint64_t gp_mask() const { return gp_width >= 64 ? ~0ull : (1ull << gp_width) - 1; }
    uint64_t fixed_mask() const { return fixed_width >= 64 ? ~0ull : (1ull << fixed_width) - 1; }
    // Bit i for each GP counter, bit 32+i for each fixed counter.
    uint64_t counter_bits() const;

    uint32_t cpuid_eax() const;
    uint32_t cpuid_ebx() const;
    uint32_t cpuid_ecx() const;
    uint32_t cpuid_edx() const;
    // CPUID leaf 0x23 (perfmon v6; SDM CPUID 23H, linux perf_event.h cpuid35_*): sub-leaf 0 the
    // valid sub-leaves and the UMASK2/EQ flags, sub-leaf 1 the GP and fixed counter bitmaps.
    // All zero below v6 and for sub-leaves the model does not enumerate.
    struct CpuidRegs { uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0; };
    CpuidRegs cpuid_leaf23(unsigned subleaf) const;
};

// CPUID.23H sub-leaf 0 EAX/EBX bits (linux arch/x86/include/asm/perf_event.h).
namespace leaf23 {
constexpr unsigned kCountersSubleaf = 1;           // ARCH_PERFMON_NUM_COUNTER_LEAF
constexpr uint32_t kSubleaf0 = 1u << 0, kCounters = 1u << 1;  // EAX: sub-leaves present
constexpr uint32_t kUmask2 = 1u << 0, kEq = 1u << 1;          // EBX
}  // namespace leaf23

// Overrides are name -> value (booleans as 0/1). Unknown names and invalid values throw ConfigError.
using Overrides = std::map<std::string, uint64_t>;

std::vector<std::string> preset_names();
// The override names make_cpu_config accepts, with a one-line description each.
const std::vector<std::pair<std::string, std::string>>& cpu_override_fields();
CpuConfig make_cpu_config(const std::string& preset, const Overrides& overrides = {});

}  // namespace pmusim

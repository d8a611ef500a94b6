#include "models/cpu/cpu_config.h"

#include <functional>
#include <sstream>

namespace pmusim {

uint64_t CpuConfig::counter_bits() const {
    uint64_t bits = 0;
    for (unsigned i = 0; i < num_gp; ++i) bits |= 1ull << i;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (has_fixed(i)) bits |= 1ull << (32 + i);
    return bits;
}

// CPUID.0AH register images (SDM Vol.3B 18.2; linux perf_event.h union cpuid10_*).
uint32_t CpuConfig::cpuid_eax() const {
    return (version & 0xffu) | ((num_gp & 0xffu) << 8) | ((gp_width & 0xffu) << 16) |
           ((ebx_length & 0xffu) << 24);
}
uint32_t CpuConfig::cpuid_ebx() const {
    const uint32_t len_mask = ebx_length >= 32 ? ~0u : (1u << ebx_length) - 1;
    return ebx_unavailable & len_mask;
}
uint32_t CpuConfig::cpuid_ecx() const { return version >= 5 ? fixed_bitmap : 0; }
CpuConfig::CpuidRegs CpuConfig::cpuid_leaf23(unsigned subleaf) const {
    CpuidRegs r;
    if (!has_leaf_23()) return r;
    if (subleaf == 0) {
        // Auto counter reload (2), events (3) and arch-PEBS (4, 5) sub-leaves are not enumerated.
        r.eax = leaf23::kSubleaf0 | leaf23::kCounters;
        r.ebx = (umask2 ? leaf23::kUmask2 : 0) | (evtsel_eq ? leaf23::kEq : 0);
    } else if (subleaf == leaf23::kCountersSubleaf) {
        r.eax = static_cast<uint32_t>(counter_bits() & 0xffffffffull);
        r.ebx = static_cast<uint32_t>(counter_bits() >> 32);
    }
    return r;
}

uint32_t CpuConfig::cpuid_edx() const {
    if (version < 2) return 0;
    return (num_fixed & 0x1fu) | ((fixed_width & 0xffu) << 5) | (anythread_deprecated ? 1u << 15 : 0);
}

namespace {

// PERF_CAPABILITIES images. Only bits 12, 13, 15 and 19 change the model's behaviour; the LBR and
// PEBS format fields are representative of the family and documented as such in docs/registers.md.
constexpr uint64_t kSkylakeCaps = 0x5 | 0x40 | 0x80 | (3ull << 8) | perf_cap::kFreezeWhileSmm | perf_cap::kFwWrite;
constexpr uint64_t kIcelakeCaps = 0x5 | 0x40 | 0x80 | (4ull << 8) | perf_cap::kFreezeWhileSmm | perf_cap::kFwWrite |
                                  perf_cap::kPebsBaseline | perf_cap::kPerfMetrics;
constexpr uint64_t kSprCaps = 0x3f | 0x40 | 0x80 | (4ull << 8) | perf_cap::kFreezeWhileSmm | perf_cap::kFwWrite |
                              perf_cap::kPebsBaseline | perf_cap::kPerfMetrics | (1ull << 16);
constexpr uint64_t kLnlCaps = 0x3f | 0x40 | 0x80 | (6ull << 8) | perf_cap::kFreezeWhileSmm | perf_cap::kFwWrite |
                              perf_cap::kPebsBaseline | perf_cap::kPerfMetrics | (1ull << 16) | (1ull << 17) |
                              perf_cap::kRdpmcMetricsClear;

CpuConfig preset(const std::string& name) {
    CpuConfig c;
    c.preset = name;
    if (name == "skylake") {
        c.version = 4; c.num_gp = 4; c.gp_width = 48; c.ebx_length = 7;
        c.num_fixed = 3; c.fixed_width = 48; c.perf_capabilities = kSkylakeCaps;
        c.slots_per_cycle = 4; c.l2_metrics = false;
    } else if (name == "icelake") {
        c.version = 5; c.num_gp = 8; c.gp_width = 48; c.ebx_length = 8;
        c.num_fixed = 4; c.fixed_bitmap = 0xf; c.fixed_width = 48; c.anythread_deprecated = true;
        c.perf_capabilities = kIcelakeCaps; c.slots_per_cycle = 5; c.l2_metrics = false; c.topdown_events = true;
        c.tma_family = TmaFamily::IceLake;
    } else if (name == "sapphirerapids") {
        c.version = 5; c.num_gp = 8; c.gp_width = 48; c.ebx_length = 8;
        c.num_fixed = 4; c.fixed_bitmap = 0xf; c.fixed_width = 48; c.anythread_deprecated = true;
        c.perf_capabilities = kSprCaps; c.slots_per_cycle = 6; c.l2_metrics = true; c.topdown_events = true;
        c.tma_family = TmaFamily::SapphireRapids;
    } else if (name == "lunarlake") {
        // Perfmon v6 with CPUID leaf 0x23, UMASK2 and EQ; 10 GP counters on the Lion Cove P-core
        // (intel/perfmon LNL event list; linux update_pmu_cap). docs/registers.md.
        c.version = 6; c.num_gp = 10; c.gp_width = 48; c.ebx_length = 13; c.umask2 = true; c.evtsel_eq = true;
        c.num_fixed = 4; c.fixed_bitmap = 0xf; c.fixed_width = 48; c.anythread_deprecated = true;
        c.perf_capabilities = kLnlCaps; c.slots_per_cycle = 8; c.l2_metrics = true; c.topdown_events = true;
        c.tma_family = TmaFamily::LunarLake;
    } else {
        std::ostringstream os;
        os << "unknown CPU preset '" << name << "' (known:";
        for (auto& n : preset_names()) os << ' ' << n;
        os << ')';
        throw ConfigError("cpu", os.str());
    }
    return c;
}

void require(bool ok, const char* field, const std::string& msg) {
    if (!ok) throw ConfigError(field, msg);
}

void set_bit(uint64_t& v, uint64_t bit, uint64_t on) { v = on ? (v | bit) : (v & ~bit); }

}  // namespace

std::vector<std::string> preset_names() { return {"skylake", "icelake", "sapphirerapids", "lunarlake"}; }

const std::vector<std::pair<std::string, std::string>>& cpu_override_fields() {
    static const std::vector<std::pair<std::string, std::string>> f = {
        {"version", "architectural perfmon version, CPUID.0AH:EAX[7:0] (0..6)"},
        {"num_gp", "general-purpose counters, CPUID.0AH:EAX[15:8] (0..10)"},
        {"gp_width", "GP counter width in bits, CPUID.0AH:EAX[23:16] (8..64)"},
        {"ebx_length", "length of the arch-event vector, CPUID.0AH:EAX[31:24] (0..13)"},
        {"ebx_unavailable", "CPUID.0AH:EBX, bit k = arch event k unavailable"},
        {"fixed_bitmap", "CPUID.0AH:ECX fixed-counter bitmap (v5+, bits 0..3)"},
        {"num_fixed", "contiguous fixed counters, CPUID.0AH:EDX[4:0] (0..4)"},
        {"fixed_width", "fixed counter width in bits, CPUID.0AH:EDX[12:5] (8..64)"},
        {"anythread_deprecated", "CPUID.0AH:EDX[15] (0/1)"},
        {"pdcm", "CPUID.01H:ECX[15]: IA32_PERF_CAPABILITIES present (0/1)"},
        {"umask2", "CPUID.23H.0:EBX[0]: PERFEVTSEL UMASK2, bits 47:40 (v6, 0/1)"},
        {"evtsel_eq", "CPUID.23H.0:EBX[1]: PERFEVTSEL EQ, bit 36 (v6, 0/1)"},
        {"perf_capabilities", "raw IA32_PERF_CAPABILITIES (applied before the flags below)"},
        {"fw_write", "PERF_CAPABILITIES[13] full-width counter writes (0/1)"},
        {"perf_metrics", "PERF_CAPABILITIES[15] IA32_PERF_METRICS (0/1)"},
        {"metrics_clear", "PERF_CAPABILITIES[19] RDPMC metrics-clear mode (0/1)"},
        {"freeze_while_smm", "PERF_CAPABILITIES[12] (0/1)"},
        {"slots_per_cycle", "pipeline width: TOPDOWN.SLOTS per unhalted cycle (1..16)"},
        {"l2_metrics", "PERF_METRICS level-2 bytes implemented (0/1)"},
        {"topdown_events", "TOPDOWN.*_SLOTS GP event encodings count (0/1)"},
        {"tma_family", "TMA formulas and model-specific encodings: 0 skylake, 1 icelake, 2 sapphirerapids, 3 lunarlake"},
    };
    return f;
}

CpuConfig make_cpu_config(const std::string& name, const Overrides& ov) {
    CpuConfig c = preset(name);
    auto has = [&](const char* k) { return ov.count(k) != 0; };
    auto get = [&](const char* k) { return ov.at(k); };
    for (auto& [k, v] : ov) {
        bool known = false;
        for (auto& f : cpu_override_fields()) known = known || f.first == k;
        require(known, k.c_str(), "unknown CPU override field");
        (void)v;
    }
    auto as_bool = [&](const char* k) {
        require(get(k) <= 1, k, "must be 0 or 1, got " + std::to_string(get(k)));
        return get(k);
    };
    // Raw fields first, then the boolean conveniences that edit them.
    if (has("version")) c.version = static_cast<unsigned>(std::min<uint64_t>(get("version"), 256));
    if (has("num_gp")) c.num_gp = static_cast<unsigned>(std::min<uint64_t>(get("num_gp"), 256));
    if (has("gp_width")) c.gp_width = static_cast<unsigned>(std::min<uint64_t>(get("gp_width"), 256));
    if (has("ebx_length")) c.ebx_length = static_cast<unsigned>(std::min<uint64_t>(get("ebx_length"), 256));
    if (has("ebx_unavailable")) {
        require(get("ebx_unavailable") <= 0xffffffffull, "ebx_unavailable", "must fit in 32 bits");
        c.ebx_unavailable = static_cast<uint32_t>(get("ebx_unavailable"));
    }
    if (has("fixed_bitmap")) c.fixed_bitmap = static_cast<uint32_t>(std::min<uint64_t>(get("fixed_bitmap"), ~0u));
    if (has("num_fixed")) c.num_fixed = static_cast<unsigned>(std::min<uint64_t>(get("num_fixed"), 256));
    if (has("fixed_width")) c.fixed_width = static_cast<unsigned>(std::min<uint64_t>(get("fixed_width"), 256));
    if (has("anythread_deprecated")) c.anythread_deprecated = as_bool("anythread_deprecated");
    if (has("pdcm")) c.pdcm = as_bool("pdcm");
    if (has("umask2")) c.umask2 = as_bool("umask2");
    if (has("evtsel_eq")) c.evtsel_eq = as_bool("evtsel_eq");
    if (has("perf_capabilities")) c.perf_capabilities = get("perf_capabilities");
    if (has("fw_write")) set_bit(c.perf_capabilities, perf_cap::kFwWrite, as_bool("fw_write"));
    if (has("perf_metrics")) set_bit(c.perf_capabilities, perf_cap::kPerfMetrics, as_bool("perf_metrics"));
    if (has("metrics_clear")) set_bit(c.perf_capabilities, perf_cap::kRdpmcMetricsClear, as_bool("metrics_clear"));
    if (has("freeze_while_smm")) set_bit(c.perf_capabilities, perf_cap::kFreezeWhileSmm, as_bool("freeze_while_smm"));
    if (has("slots_per_cycle")) c.slots_per_cycle = static_cast<unsigned>(std::min<uint64_t>(get("slots_per_cycle"), 256));
    if (has("l2_metrics")) c.l2_metrics = as_bool("l2_metrics");
    if (has("topdown_events")) c.topdown_events = as_bool("topdown_events");
    if (has("tma_family")) {
        require(get("tma_family") <= 3, "tma_family",
                "must be 0 (skylake), 1 (icelake), 2 (sapphirerapids) or 3 (lunarlake), got " + std::to_string(get("tma_family")));
        c.tma_family = static_cast<TmaFamily>(get("tma_family"));
    }

    // A lower version takes away what it cannot enumerate, unless the caller asked for it explicitly.
    if (c.version < 2 && !has("num_fixed")) { c.num_fixed = 0; }
    if (c.version < 5 && !has("fixed_bitmap")) c.fixed_bitmap = 0;
    if (c.version < 5 && !has("anythread_deprecated")) c.anythread_deprecated = false;
    if (c.version < 6 && !has("umask2")) c.umask2 = false;
    if (c.version < 6 && !has("evtsel_eq")) c.evtsel_eq = false;
    if (c.version == 0 && !has("num_gp")) c.num_gp = 0;
    if (!c.has_fixed(3) && !has("perf_metrics") && !has("perf_capabilities"))
        c.perf_capabilities &= ~(perf_cap::kPerfMetrics | perf_cap::kRdpmcMetricsClear);
    if (!c.perf_metrics() && !has("l2_metrics")) c.l2_metrics = false;
    if (!c.perf_metrics() && !has("metrics_clear") && !has("perf_capabilities"))
        c.perf_capabilities &= ~perf_cap::kRdpmcMetricsClear;
    if (!c.pdcm && !has("perf_capabilities")) c.perf_capabilities = 0;

    require(c.version <= 6, "version", "perfmon version " + std::to_string(c.version) + " is not modelled (0..6)");
    require(c.num_gp <= kMaxGpCounters, "num_gp",
            "at most " + std::to_string(kMaxGpCounters) + " GP counters are modelled (IA32_PMC0..9), got " +
                std::to_string(c.num_gp));
    require(c.version >= 6 || !c.umask2, "umask2", "UMASK2 is enumerated by CPUID leaf 0x23: needs version 6");
    require(c.version >= 6 || !c.evtsel_eq, "evtsel_eq", "EQ is enumerated by CPUID leaf 0x23: needs version 6");
    require(c.version > 0 || c.num_gp == 0, "num_gp", "must be 0 when version is 0 (no architectural PMU)");
    require(c.gp_width >= 8 && c.gp_width <= 64, "gp_width", "must be 8..64, got " + std::to_string(c.gp_width));
    require(c.fixed_width >= 8 && c.fixed_width <= 64, "fixed_width", "must be 8..64, got " + std::to_string(c.fixed_width));
    require(c.ebx_length <= kNumArchEvents, "ebx_length", "at most 13 architectural events are defined");
    require(c.num_fixed <= kMaxFixedCounters, "num_fixed", "at most 4 fixed counters are modelled (FIXED_CTR0..3)");
    require(c.version >= 2 || c.num_fixed == 0, "num_fixed", "fixed counters need perfmon version 2 or later");
    require((c.fixed_bitmap & ~0xfu) == 0, "fixed_bitmap", "only fixed counters 0..3 are modelled");
    require(c.version >= 5 || c.fixed_bitmap == 0, "fixed_bitmap", "the CPUID.0AH:ECX bitmap needs version 5");
    require(c.slots_per_cycle >= 1 && c.slots_per_cycle <= 16, "slots_per_cycle", "must be 1..16");
    require(c.pdcm || c.perf_capabilities == 0, "perf_capabilities", "must be 0 without pdcm (no IA32_PERF_CAPABILITIES)");
    require(!c.perf_metrics() || c.has_fixed(3), "perf_metrics", "needs fixed counter 3 (TOPDOWN.SLOTS)");
    require(!(c.perf_capabilities & perf_cap::kRdpmcMetricsClear) || c.perf_metrics(), "metrics_clear",
            "needs perf_metrics");
    require(!c.l2_metrics || c.perf_metrics(), "l2_metrics", "needs perf_metrics");
    return c;
}

}  // namespace pmusim

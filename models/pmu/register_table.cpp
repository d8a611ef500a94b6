#include "models/pmu/register_table.h"

#include <cstdio>
#include <sstream>

#include "models/pmu/pmu_state.h"

namespace pmusim {

const char* access_name(Access a) {
    switch (a) {
        case Access::ReadWrite: return "RW";
        case Access::ReadOnly: return "RO";
        case Access::WriteOneToClear: return "W1C";
        case Access::WriteOneToSet: return "W1S";
    }
    return "?";
}

uint64_t status_reset_writable(const CpuConfig& cpu) {
    uint64_t w = cpu.counter_bits();
    if (cpu.perf_metrics()) w |= 1ull << status_bit::kPerfMetrics;
    // OVF_CTRL (v2/v3) clears OvfBuf and CondChgd (+ uncore from v3); STATUS_RESET (v4)
    // adds ToPA, LBR_Frz and CTR_Frz (SDM 18.2.4.2, Table 35-2).
    w |= (1ull << status_bit::kOvfBuf) | (1ull << status_bit::kCondChgd);
    if (cpu.version >= 3) w |= 1ull << status_bit::kOvfUncore;
    if (cpu.version >= 4)
        w |= (1ull << status_bit::kTraceToPA) | (1ull << status_bit::kLbrFrz) | (1ull << status_bit::kCtrFrz);
    return w;
}

uint64_t status_set_writable(const CpuConfig& cpu) {
    // STATUS_SET mirrors STATUS_RESET except CondChgd (bit 63), which is reserved (SDM Table 35-2).
    return status_reset_writable(cpu) & ~(1ull << status_bit::kCondChgd);
}

namespace {
std::string indexed(const char* fmt, unsigned i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, i);
    return buf;
}

uint64_t fixed_ctr_ctrl_writable(const CpuConfig& cpu) {
    uint64_t w = 0;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) {
        if (!cpu.has_fixed(i)) continue;
        uint64_t field = 0b1011;  // OS, USR, PMI
        // AnyThread (field bit 2) exists in v3/v4; deprecated (reserved here) once EDX[15] is set.
        if (cpu.version >= 3 && !cpu.anythread_deprecated) field |= 0b0100;
        // On FC3 the same position is METRICS_CLEAR_EN when PERF_CAPABILITIES[19] (KAN-CLR).
        if (i == 3 && cpu.metrics_clear()) field |= 0b0100;
        w |= field << (4 * i);
    }
    return w;
}

// IA32_PERFEVTSELx: bits 31:0 (bit 21, AnyThread, from v3), plus EQ (36) and UMASK2 (47:40) where
// CPUID.23H.0:EBX enumerates them (SDM Vol.3B "Architectural Performance Monitoring Version 6";
// linux ARCH_PERFMON_EVENTSEL_EQ / _UMASK2).
uint64_t evtsel_writable(const CpuConfig& cpu) {
    uint64_t w = 0xffffffffull & ~(cpu.version < 3 ? 1ull << 21 : 0);
    if (cpu.has_evtsel_eq()) w |= evtsel::kEq;
    if (cpu.has_umask2()) w |= evtsel::kUmask2;
    return w;
}

uint64_t debugctl_writable(const CpuConfig& cpu) {
    // LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS, BTS_OFF_USR, FREEZE_LBRS_ON_PMI,
    // FREEZE_PERFMON_ON_PMI, ENABLE_UNCORE_PMI, RTM_DEBUG (SDM 17.4.1, Table 35-2).
    uint64_t w = 0x1 | 0x2 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000 | 0x2000 | 0x8000;
    if (cpu.perf_capabilities & perf_cap::kFreezeWhileSmm) w |= 1ull << debugctl_bit::kFreezeWhileSmm;
    return w;
}
}  // namespace

RegisterTable::RegisterTable(const CpuConfig& cpu) {
    auto add = [&](std::string name, uint32_t addr, RegKind k, unsigned i, uint64_t reset, uint64_t reserved,
                   Access a, std::string src) {
        if (addr < kDense) {
            if (dense_.size() <= addr) dense_.resize(addr + 1, 0);
            dense_[addr] = uint16_t(regs_.size() + 1);
        } else {
            by_address_[addr] = regs_.size();
        }
        regs_.push_back({std::move(name), addr, k, i, reset, reserved, a, std::move(src)});
    };
    const uint64_t gp_reset_enables = cpu.counter_bits() & 0xffffffffull;
    for (unsigned i = 0; i < cpu.num_gp; ++i)
        add(indexed("IA32_PMC%u", i), msr::kPmc0 + i, RegKind::Pmc, i, 0, 0, Access::ReadWrite,
            "SDM 18.2.1; writes sign-extend bit 31 (SDM 18.9.3)");
    for (unsigned i = 0; i < cpu.num_gp; ++i)
        add(indexed("IA32_PERFEVTSEL%u", i), msr::kPerfEvtSel0 + i, RegKind::PerfEvtSel, i, 0,
            ~evtsel_writable(cpu), Access::ReadWrite,
            cpu.has_leaf_23() ? "SDM 18.2.1 Fig.18-1; v6: EQ bit 36, UMASK2 47:40 per CPUID.23H.0:EBX (SDM perfmon v6)"
                              : "SDM 18.2.1 Fig.18-1; bits 63:32 not modelled");
    if (cpu.fw_write())
        for (unsigned i = 0; i < cpu.num_gp; ++i)
            add(indexed("IA32_A_PMC%u", i), msr::kAPmc0 + i, RegKind::APmc, i, 0, ~cpu.gp_mask(),
                Access::ReadWrite, "SDM 18.2.6 full-width writes; PERF_CAPABILITIES[13]");
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (cpu.has_fixed(i))
            add(indexed("IA32_FIXED_CTR%u", i), msr::kFixedCtr0 + i, RegKind::FixedCtr, i, 0, 0, Access::ReadWrite,
                "SDM 18.2.2; value masked to the fixed width (KVM)");
    if (cpu.has_global_ctrl()) {
        if (cpu.num_fixed > 0 || cpu.fixed_bitmap != 0)
            add("IA32_FIXED_CTR_CTRL", msr::kFixedCtrCtrl, RegKind::FixedCtrCtrl, 0, 0,
                ~fixed_ctr_ctrl_writable(cpu), Access::ReadWrite, "SDM 18.2.2 Fig.18-2");
        add("IA32_PERF_GLOBAL_STATUS", msr::kGlobalStatus, RegKind::GlobalStatus, 0, 0, 0, Access::ReadOnly,
            "SDM 18.2.2 / Table 35-2");
        add("IA32_PERF_GLOBAL_CTRL", msr::kGlobalCtrl, RegKind::GlobalCtrl, 0, gp_reset_enables,
            ~(cpu.counter_bits() | (cpu.perf_metrics() ? 1ull << status_bit::kPerfMetrics : 0)), Access::ReadWrite,
            "SDM 18.2.2; reset sets every GP enable");
        add(cpu.version >= 4 ? "IA32_PERF_GLOBAL_STATUS_RESET" : "IA32_PERF_GLOBAL_OVF_CTRL", msr::kGlobalStatusReset,
            RegKind::GlobalStatusReset, 0, 0, ~status_reset_writable(cpu), Access::WriteOneToClear,
            "SDM 18.2.4.2 / Table 35-2");
    }
    if (cpu.has_status_set()) {
        add("IA32_PERF_GLOBAL_STATUS_SET", msr::kGlobalStatusSet, RegKind::GlobalStatusSet, 0, 0,
            ~status_set_writable(cpu), Access::WriteOneToSet, "SDM 18.2.4.2 / Table 35-2 (v4+)");
        add("IA32_PERF_GLOBAL_INUSE", msr::kGlobalInuse, RegKind::GlobalInuse, 0, 0, 0, Access::ReadOnly,
            "SDM 18.2.4.3 (v4+), derived from the selectors");
    }
    if (cpu.pdcm)
        add("IA32_PERF_CAPABILITIES", msr::kPerfCapabilities, RegKind::PerfCapabilities, 0, cpu.perf_capabilities, 0,
            Access::ReadOnly, "SDM Table 35-2; needs CPUID.01H:ECX.PDCM");
    add("IA32_DEBUGCTL", msr::kDebugCtl, RegKind::DebugCtl, 0, 0, ~debugctl_writable(cpu), Access::ReadWrite,
        "SDM 17.4.1");
    if (cpu.perf_metrics())
        add("IA32_PERF_METRICS", msr::kPerfMetrics, RegKind::PerfMetrics, 0, 0, 0, Access::ReadWrite,
            "PERF_CAPABILITIES[15]; linux msr-index.h; docs/semantics.md assumption A1");
}

bool decode_msr(uint32_t a, MsrRef& out) {
    struct Range { uint32_t base; unsigned count; RegKind kind; };
    static constexpr Range kRanges[] = {
        {msr::kPmc0, kMaxGpCounters, RegKind::Pmc},
        {msr::kAPmc0, kMaxGpCounters, RegKind::APmc},
        {msr::kPerfEvtSel0, kMaxGpCounters, RegKind::PerfEvtSel},
        {msr::kFixedCtr0, kMaxFixedCounters, RegKind::FixedCtr},
        {msr::kFixedCtrCtrl, 1, RegKind::FixedCtrCtrl},
        {msr::kGlobalStatus, 1, RegKind::GlobalStatus},
        {msr::kGlobalCtrl, 1, RegKind::GlobalCtrl},
        {msr::kGlobalStatusReset, 1, RegKind::GlobalStatusReset},
        {msr::kGlobalStatusSet, 1, RegKind::GlobalStatusSet},
        {msr::kGlobalInuse, 1, RegKind::GlobalInuse},
        {msr::kPerfCapabilities, 1, RegKind::PerfCapabilities},
        {msr::kDebugCtl, 1, RegKind::DebugCtl},
        {msr::kPerfMetrics, 1, RegKind::PerfMetrics},
    };
    for (const Range& r : kRanges)
        if (a >= r.base && a < r.base + r.count) {
            out = {r.kind, a - r.base};
            return true;
        }
    return false;
}

unsigned RdpmcRef::slot() const { return type == Type::Fixed ? fixed_slot(index) : index; }

const RegisterDesc* RegisterTable::find_far(uint32_t address) const {
    auto it = by_address_.find(address);
    return it == by_address_.end() ? nullptr : &regs_[it->second];
}

std::string RegisterTable::markdown() const {
    std::ostringstream os;
    os << "| MSR | address | access | reset | reserved mask | source |\n|---|---|---|---|---|---|\n";
    char buf[160];
    for (auto& r : regs_) {
        std::snprintf(buf, sizeof buf, "| %s | 0x%X | %s | 0x%llx | 0x%016llx | ", r.name.c_str(), r.address,
                      access_name(r.access), (unsigned long long)r.reset, (unsigned long long)r.reserved);
        os << buf << r.source << " |\n";
    }
    return os.str();
}

std::string hex_string(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

}  // namespace pmusim

#include "models/virt/vpmu.h"

#include "models/pmu/register_table.h"

namespace pmusim {

CpuConfig guest_cpu_config(const CpuConfig& host, const VpmuConfig& v) {
    if (v.version > host.version)
        throw ConfigError("vpmu.version", "guest version " + std::to_string(v.version) + " exceeds the host's " +
                                              std::to_string(host.version));
    if (v.num_gp > host.num_gp)
        throw ConfigError("vpmu.gp", "guest has " + std::to_string(v.num_gp) + " GP counters, the host " +
                                         std::to_string(host.num_gp));
    unsigned host_fixed = 0;
    while (host_fixed < kMaxFixedCounters && host.has_fixed(host_fixed)) ++host_fixed;
    if (v.num_fixed > host_fixed)
        throw ConfigError("vpmu.fixed", "guest has " + std::to_string(v.num_fixed) + " fixed counters, the host " +
                                            std::to_string(host_fixed));
    if (v.perf_metrics && !host.perf_metrics())
        throw ConfigError("vpmu.perf_metrics", "the host (" + host.preset + ") has no PERF_METRICS");
    if (v.perf_metrics && v.num_fixed < 4)
        throw ConfigError("vpmu.perf_metrics", "PERF_METRICS needs fixed counter 3 (fixed: 4)");
    if (v.fw_write && !host.fw_write()) throw ConfigError("vpmu.fw_write", "the host has no full-width writes");
    CpuConfig g = host;
    g.version = v.version;
    g.num_gp = v.num_gp;
    g.num_fixed = v.num_fixed;
    g.fixed_bitmap = v.num_fixed ? (1u << v.num_fixed) - 1 : 0;
    uint64_t caps = host.perf_capabilities & ~(perf_cap::kFwWrite | perf_cap::kPerfMetrics | perf_cap::kRdpmcMetricsClear);
    if (v.fw_write) caps |= perf_cap::kFwWrite;
    if (v.perf_metrics) caps |= perf_cap::kPerfMetrics;
    g.perf_capabilities = caps;
    return g;
}

const char* global_ctrl_save_name(GlobalCtrlSave s) {
    switch (s) {
        case GlobalCtrlSave::Vmcs: return "vmcs";
        case GlobalCtrlSave::MsrStoreList: return "msr_store_list";
        case GlobalCtrlSave::None: return "none";
    }
    return "?";
}

MsrIntercepts MsrIntercepts::compute(const CpuConfig& host, const VpmuConfig& v, bool mediated) {
    MsrIntercepts m;
    m.vpmu = v;
    m.mediated = mediated;
    unsigned host_fixed = 0;
    while (host_fixed < kMaxFixedCounters && host.has_fixed(host_fixed)) ++host_fixed;
    // kvm_need_perf_global_ctrl_intercept(): identical counter sets and version >= 2.
    const bool same_sets = v.num_gp == host.num_gp && v.num_fixed == host_fixed;
    m.global_regs_passthrough = mediated && same_sets && v.version >= 2;
    // kvm_need_rdpmc_intercept(): identical sets and widths (the guest widths are the host's here).
    m.rdpmc_exiting = !(mediated && same_sets);
    return m;
}

bool MsrIntercepts::intercepted(uint32_t a) const {
    if (!mediated) return true;  // the legacy vPMU emulates every PMU MSR
    if (a >= msr::kPmc0 && a < msr::kPmc0 + kMaxGpCounters) return a - msr::kPmc0 >= vpmu.num_gp;
    if (a >= msr::kAPmc0 && a < msr::kAPmc0 + kMaxGpCounters) return !vpmu.fw_write || a - msr::kAPmc0 >= vpmu.num_gp;
    if (a >= msr::kFixedCtr0 && a < msr::kFixedCtr0 + kMaxFixedCounters) return a - msr::kFixedCtr0 >= vpmu.num_fixed;
    if (a == msr::kGlobalCtrl || a == msr::kGlobalStatus || a == msr::kGlobalStatusReset) return !global_regs_passthrough;
    if (a == msr::kPerfMetrics) return !vpmu.perf_metrics;
    // PERFEVTSELx and FIXED_CTR_CTRL (event filter), STATUS_SET, INUSE, everything else.
    return true;
}

uint64_t guest_status_bits(const VpmuConfig& v) {
    uint64_t b = 0;
    for (unsigned i = 0; i < v.num_gp; ++i) b |= 1ull << i;
    for (unsigned i = 0; i < v.num_fixed; ++i) b |= 1ull << (32 + i);
    if (v.perf_metrics) b |= 1ull << status_bit::kPerfMetrics;
    return b;
}

}  // namespace pmusim

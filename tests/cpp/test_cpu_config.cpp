// CPU presets and overrides: CPUID leaf 0xA and PERF_CAPABILITIES are consistent per preset, every
// field can be overridden, and invalid overrides name the field (issue #2 item 2).
#include <gtest/gtest.h>

#include "models/cpu/cpu_config.h"

using namespace pmusim;

TEST(CpuPresets, SkylakeEnumeratesV4FourCountersThreeFixedNoMetrics) {
    const CpuConfig c = make_cpu_config("skylake");
    EXPECT_EQ(c.cpuid_eax(), 4u | (4u << 8) | (48u << 16) | (7u << 24));
    EXPECT_EQ(c.cpuid_edx(), 3u | (48u << 5));
    EXPECT_EQ(c.cpuid_ecx(), 0u);
    EXPECT_FALSE(c.has_fixed(3));
    EXPECT_FALSE(c.perf_metrics());
    EXPECT_TRUE(c.fw_write());
    EXPECT_EQ(c.slots_per_cycle, 4u);
}

TEST(CpuPresets, IcelakeHasFc3AndLevel1MetricsOnly) {
    const CpuConfig c = make_cpu_config("icelake");
    EXPECT_EQ(c.version, 5u);
    EXPECT_TRUE(c.has_fixed(3));
    EXPECT_TRUE(c.perf_metrics());
    EXPECT_FALSE(c.l2_metrics);
    EXPECT_EQ(c.slots_per_cycle, 5u);
    EXPECT_EQ(c.cpuid_ecx(), 0xfu);
    EXPECT_EQ(c.cpuid_edx() & 0x8000u, 0x8000u);  // AnyThread deprecated
}

TEST(CpuPresets, SapphireRapidsAndLunarLake) {
    const CpuConfig spr = make_cpu_config("sapphirerapids");
    EXPECT_TRUE(spr.l2_metrics);
    EXPECT_EQ(spr.slots_per_cycle, 6u);
    EXPECT_FALSE(spr.metrics_clear());
    EXPECT_EQ(spr.num_gp, 8u);
    const CpuConfig lnl = make_cpu_config("lunarlake");
    EXPECT_TRUE(lnl.metrics_clear());
    EXPECT_EQ(lnl.slots_per_cycle, 8u);
    EXPECT_EQ(lnl.ebx_length, 13u);
}

TEST(CpuOverrides, EveryFieldCanBeOverridden) {
    const CpuConfig c = make_cpu_config("sapphirerapids", {{"num_gp", 4}, {"gp_width", 32}, {"version", 4},
                                                           {"fw_write", 0}, {"num_fixed", 3}, {"perf_metrics", 0},
                                                           {"fixed_width", 40}, {"slots_per_cycle", 5}});
    EXPECT_EQ(c.num_gp, 4u);
    EXPECT_EQ(c.gp_width, 32u);
    EXPECT_EQ(c.version, 4u);
    EXPECT_FALSE(c.fw_write());
    EXPECT_FALSE(c.has_fixed(3));  // v4: no bitmap, 3 contiguous
    EXPECT_FALSE(c.perf_metrics());
    EXPECT_EQ(c.cpuid_eax(), 4u | (4u << 8) | (32u << 16) | (8u << 24));
    EXPECT_EQ(c.cpuid_edx(), 3u | (40u << 5));
}

TEST(CpuOverrides, LowerVersionDropsWhatItCannotEnumerate) {
    const CpuConfig v2 = make_cpu_config("sapphirerapids", {{"version", 2}});
    EXPECT_EQ(v2.fixed_bitmap, 0u);
    EXPECT_TRUE(v2.has_fixed(3));  // EDX[4:0] = 4 still enumerates FC3
    const CpuConfig v1 = make_cpu_config("sapphirerapids", {{"version", 1}});
    EXPECT_FALSE(v1.has_fixed(0));
    EXPECT_FALSE(v1.perf_metrics());
    EXPECT_FALSE(v1.has_global_ctrl());
}

TEST(CpuOverrides, InvalidValuesNameTheField) {
    auto field_of = [](const std::string& preset, Overrides ov) {
        try {
            make_cpu_config(preset, ov);
        } catch (const ConfigError& e) {
            return e.field();
        }
        return std::string("<accepted>");
    };
    EXPECT_EQ(field_of("nehalem", {}), "cpu");
    EXPECT_EQ(field_of("skylake", {{"num_gp", 11}}), "num_gp");
    EXPECT_EQ(field_of("skylake", {{"version", 7}}), "version");
    EXPECT_EQ(field_of("skylake", {{"gp_width", 4}}), "gp_width");
    EXPECT_EQ(field_of("skylake", {{"gp_width", 65}}), "gp_width");
    EXPECT_EQ(field_of("skylake", {{"num_fixed", 5}}), "num_fixed");
    EXPECT_EQ(field_of("skylake", {{"perf_metrics", 1}}), "perf_metrics");  // no FC3
    EXPECT_EQ(field_of("skylake", {{"fixed_bitmap", 0xf}}), "fixed_bitmap");  // needs v5
    EXPECT_EQ(field_of("icelake", {{"metrics_clear", 1}, {"perf_metrics", 0}}), "metrics_clear");
    EXPECT_EQ(field_of("icelake", {{"fw_write", 2}}), "fw_write");
    EXPECT_EQ(field_of("icelake", {{"bogus", 1}}), "bogus");
    EXPECT_EQ(field_of("icelake", {{"version", 0}, {"num_gp", 2}}), "num_gp");
}

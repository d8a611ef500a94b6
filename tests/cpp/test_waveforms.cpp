// Waveforms with text signals (docs/waveforms.md): the hypervisor names contexts and steps in the
// VCD, the writer escapes what a VCD token cannot hold, and `wave diff` compares text as text.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/vcd_diff.h"
#include "sim/vcd_writer.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string temp(const std::string& name) { return ::testing::TempDir() + "pmusim_wave_" + name; }

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::set<std::string> values(const VcdFile& f, const std::string& signal) {
    std::set<std::string> out;
    for (auto& [t, v] : f.signals.at(signal).changes) out.insert(v);
    return out;
}

// A run of perf_metrics_patch with its waveform; `extra` adds a custom exit step before
// put_perf_metrics that only reads GLOBAL_CTRL.
VcdFile run_traced(const std::string& path, const std::string& extra = {}) {
    Scenario s = load_scenario("perf_metrics_patch");
    s.cycles = 200'000;
    if (!extra.empty()) {
        StepInfo probe;
        probe.name = extra;
        probe.path = Path::Exit;
        probe.ops.push_back(CustomOp::rdmsr(0x38F));
        s.custom_steps.push_back(probe);
        s.edits.push_back(parse_protocol_edit("insert:" + extra + ",before=put_perf_metrics"));
    }
    (void)run_scenario(s, path);
    return read_vcd(path);
}

}  // namespace

TEST(VcdText, EscapesWhatATokenCannotHoldAndReadsItBack) {
    // Given a string signal set to names with a space and a backslash,
    const std::string path = temp("escape.vcd");
    {
        VcdWriter w(path);
        const size_t step = w.add_string("step");
        w.begin();
        w.set_string(step, "exit handling", 0);
        w.set_string(step, "a\\b", 5);
        w.set_string(step, "vmentry", 9);
        w.close();
    }
    // then the declaration is GTKWave's string type and each value is one token,
    const std::string text = slurp(path);
    EXPECT_NE(text.find("$var string 1 ! step $end"), std::string::npos);
    EXPECT_NE(text.find("sexit\\040handling !\n"), std::string::npos);
    EXPECT_NE(text.find("sa\\134b !\n"), std::string::npos);
    // and reading it gives the names back.
    const VcdFile f = read_vcd(path);
    const auto& ch = f.signals.at("pmusim.step").changes;
    ASSERT_EQ(ch.size(), 3u);
    EXPECT_EQ(ch[0].second, "exit handling");
    EXPECT_EQ(ch[1].second, "a\\b");
    EXPECT_TRUE(f.signals.at("pmusim.step").string);
    EXPECT_EQ(vcd_unescape("x\\x20y\\tz\\\"q"), "x y\tz\"q");  // C's escapes, as GTKWave reads them
}

TEST(VcdText, ScenarioWaveformNamesContextsStepsAndLvtpc) {
    // Given perf_metrics_patch, when it runs with a waveform,
    const VcdFile f = run_traced(temp("names.vcd"));
    // then ctx, step and lvtpc are string signals whose values are names, never numbers.
    for (const char* sig : {"pmusim.ctx", "pmusim.step", "pmusim.lvtpc"}) {
        ASSERT_TRUE(f.signals.count(sig)) << sig;
        EXPECT_TRUE(f.signals.at(sig).string) << sig;
        for (auto& v : values(f, sig)) EXPECT_NE(v.find_first_not_of("0123456789"), std::string::npos) << sig << " = " << v;
    }
    EXPECT_EQ(values(f, "pmusim.ctx"), (std::set<std::string>{"host", "vm0"}));
    EXPECT_EQ(values(f, "pmusim.lvtpc"), (std::set<std::string>{"NMI", "vm0"}));
    const auto steps = values(f, "pmusim.step");
    for (const char* s : {"host", "exit handling", "guest vm0", "vmentry", "vmexit", "put_perf_metrics", "load_perf_metrics"})
        EXPECT_TRUE(steps.count(s)) << s;
    // The header legend has no step codes either.
    EXPECT_EQ(slurp(temp("names.vcd")).find("0=host"), std::string::npos);
}

TEST(VcdText, AnExtraStepLeavesEveryOtherStepsValueAlone) {
    // Given the baseline protocol and the same one with a custom exit step `probe`,
    const VcdFile base = run_traced(temp("base.vcd"));
    const VcdFile probed = run_traced(temp("probe.vcd"), "probe");
    // when their waveforms are compared,
    const auto& ch = probed.signals.at("pmusim.step").changes;
    auto first = std::find_if(ch.begin(), ch.end(), [](auto& c) { return c.second == "probe"; });
    ASSERT_NE(first, ch.end());
    // then nothing differs before the probe first runs (its neighbours keep their values),
    for (auto& d : diff_vcd(base, probed)) EXPECT_GE(d.time_fs, first->first * probed.timescale_fs) << d.name;
    // and afterwards the step values are the baseline's names plus `probe`.
    std::set<std::string> want = values(base, "pmusim.step");
    want.insert("probe");
    EXPECT_EQ(values(probed, "pmusim.step"), want);
}

TEST(VcdText, DiffComparesStringsAsTextAndReportsTheFirstDifferingCycle) {
    // Given two dumps whose step differs at cycle 30, one written as GTKWave's fst2vcd does
    // (width 0, octal escapes), the other as pmusim does,
    const std::string head = "$timescale 1ns $end\n$scope module pmusim $end\n";
    write(temp("a.vcd"), head + "$var string 1 ! step $end\n$upscope $end\n$enddefinitions $end\n"
                                "#0\nshost !\n#10\nsexit\\040handling !\n#30\nsvmentry !\n#40\n");
    write(temp("b.vcd"), head + "$var string 0 ! step $end\n$upscope $end\n$enddefinitions $end\n"
                                "#0\nshost !\n#10\nsexit\\x20handling !\n#30\nsvmexit !\n#40\n");
    write(temp("w.vcd"), head + "$var wire 16 ! step $end\n$upscope $end\n$enddefinitions $end\n#0\nb0 !\n");
    const VcdFile a = read_vcd(temp("a.vcd")), b = read_vcd(temp("b.vcd"));
    // when they are compared, then the escapes and widths agree and the first difference is at 30,
    const auto d = diff_vcd(a, b);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].kind, SignalDiff::Kind::Differs);
    EXPECT_EQ(d[0].time_fs / a.timescale_fs, 30u);
    EXPECT_NE(format_diff(a, b, d).find("pmusim.step: first differs at 30: \"vmentry\" vs \"vmexit\""), std::string::npos)
        << format_diff(a, b, d);
    // a text value that looks binary is still text, not a number,
    write(temp("c.vcd"), head + "$var string 1 ! step $end\n$upscope $end\n$enddefinitions $end\n#0\ns0010 !\n");
    EXPECT_EQ(read_vcd(temp("c.vcd")).signals.at("pmusim.step").changes[0].second, "0010");
    // and a string against an old numeric step is a type difference.
    const auto t = diff_vcd(a, read_vcd(temp("w.vcd")));
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].kind, SignalDiff::Kind::Type);
    EXPECT_NE(format_diff(a, read_vcd(temp("w.vcd")), t).find("pmusim.step: string vs 16-bit wire"), std::string::npos);
}

TEST(VcdText, ATimescaleOfZeroOrAnOverflowingTimeIsAnErrorNotACrash) {
    // Given a VCD with $timescale 0 ns (which divided by zero), or a time that overflows 64 bits
    // of femtoseconds at 100 s, then reading it fails naming the file, line and the problem.
    const std::string head = "$var wire 1 ! a $end\n$enddefinitions $end\n#0\n0!\n";
    const std::string zero = temp("ts0.vcd"), huge = temp("tsbig.vcd"), ok = temp("ts10.vcd");
    write(zero, "$timescale 0 ns $end\n" + head);
    write(huge, "$timescale 100 s $end\n" + head + "#18446744073709551\n1!\n");
    write(ok, "$timescale 10 ps $end\n" + head + "#5\n1!\n");
    auto error_of = [](const std::string& p) {
        try {
            read_vcd(p);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(error_of(zero).find(zero + ":1: bad $timescale '0ns': the number must be 1, 10 or 100"), std::string::npos)
        << error_of(zero);
    EXPECT_NE(error_of(huge).find("overflows 64 bits of femtoseconds"), std::string::npos) << error_of(huge);
    EXPECT_EQ(read_vcd(ok).timescale_fs, 10'000u);
}

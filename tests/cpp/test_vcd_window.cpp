// `--vcd-window FROM:TO` (docs/waveforms.md): given a waveform, when it is cut to a window, then
// every signal has at each time of the window the value it had in the whole waveform, and no
// change lies outside the window.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "sim/vcd_diff.h"
#include "sim/vcd_window.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {

std::string temp(const std::string& name) { return ::testing::TempDir() + "pmusim_window_" + name; }

// The value a signal holds at time t ("" before its first change).
std::string value_at(const VcdSignal& s, uint64_t t) {
    std::string v;
    for (auto& [ct, cv] : s.changes)
        if (ct <= t) v = cv;
    return v;
}

std::string message(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(VcdWindow, ValuesAtFromThenTheChangesUpToTo) {
    const std::string p = temp("small.vcd");
    std::ofstream(p) << "$timescale 1ns $end\n$scope module m $end\n$var wire 4 ! a $end\n$var wire 1 \" b $end\n"
                        "$upscope $end\n$enddefinitions $end\n#0\nb0 !\n0\"\n#10\nb1 !\n#20\nb10 !\n1\"\n#30\nb11 !\n";
    window_vcd(p, {15, 25});
    const VcdFile f = read_vcd(p);
    const auto& a = f.signals.at("m.a").changes;
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0], std::make_pair(uint64_t(15), std::string("1")));  // the value set at 10
    EXPECT_EQ(a[1], std::make_pair(uint64_t(20), std::string("10")));
    EXPECT_EQ(f.signals.at("m.b").changes.front(), std::make_pair(uint64_t(15), std::string("0")));
    EXPECT_EQ(f.end_time, 25u);  // the window's end, though nothing changes there
}

TEST(VcdWindow, AScenarioWaveformKeepsItsValuesInsideTheWindow) {
    Scenario s = load_scenario("perf_metrics_patch");
    s.cycles = 200'000;
    const std::string whole = temp("whole.vcd"), cut = temp("cut.vcd");
    (void)run_scenario(s, whole);
    std::filesystem::copy_file(whole, cut, std::filesystem::copy_options::overwrite_existing);
    const VcdWindow w{60'000, 150'000};
    window_vcd(cut, w);
    const VcdFile a = read_vcd(whole), b = read_vcd(cut);
    ASSERT_EQ(a.order, b.order);
    size_t compared = 0;
    for (auto& [name, sig] : b.signals) {
        ASSERT_FALSE(sig.changes.empty()) << name << ": no value at the window's start";
        EXPECT_EQ(sig.changes.front().first, w.from) << name;
        for (auto& [t, v] : sig.changes) {
            EXPECT_LE(t, w.to) << name;
            EXPECT_EQ(v, value_at(a.signals.at(name), t)) << name << " at " << t;
            ++compared;
        }
        EXPECT_EQ(value_at(sig, w.to), value_at(a.signals.at(name), w.to)) << name;
    }
    EXPECT_GT(compared, b.signals.size());  // changes inside the window, not only the start values
}

TEST(VcdWindow, BadWindowsAreNamed) {
    EXPECT_EQ(parse_vcd_window("100:").to, ~uint64_t(0));
    EXPECT_EQ(parse_vcd_window(":100").from, 0u);
    EXPECT_EQ(message([] { parse_vcd_window("100"); }), "--vcd-window '100': expected FROM:TO (e.g. 1000:50000, 1000: or :50000)");
    EXPECT_EQ(message([] { parse_vcd_window("5:1"); }), "--vcd-window '5:1': FROM is after TO");
    EXPECT_EQ(message([] { parse_vcd_window("-5:1"); }), "--vcd-window '-5:1': '-5' is not a cycle count (FROM:TO, e.g. 1000:50000)");
    EXPECT_EQ(message([] { parse_vcd_window(":"); }), "--vcd-window ':': give FROM, TO or both");
    const std::string p = temp("short.vcd");
    std::ofstream(p) << "$var wire 1 ! a $end\n$enddefinitions $end\n#0\n0!\n#7\n1!\n";
    EXPECT_EQ(message([&] { window_vcd(p, {8, 9}); }), p + ": window 8: starts after the waveform's last time 7");
    EXPECT_EQ(message([&] { window_vcd(temp("none.vcd"), {}); }), temp("none.vcd") + ": cannot open waveform");
}

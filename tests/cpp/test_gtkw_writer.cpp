// GTKWave save files beside waveforms (docs/waveforms.md): given a VCD's signals, the save file
// lists them in groups with a format each, under the names GTKWave gives them, with named markers.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/gtkw_writer.h"

using namespace pmusim;

namespace {

std::string temp(const std::string& name) { return ::testing::TempDir() + "pmusim_gtkw_" + name; }

// A VCD declaring its signals out of group order, one of them unknown to the groups.
const char* kVcd =
    "$timescale 1ns $end\n$scope module pmusim $end\n"
    "$var wire 1 ! pmi $end\n$var wire 48 \" PMC0 $end\n$var wire 8 # PERF_METRICS.retiring $end\n"
    "$var wire 64 $ GLOBAL_CTRL $end\n$var string 1 % ctx $end\n$var wire 4 & extra $end\n"
    "$var wire 48 ' FIXED_CTR0 $end\n$var wire 64 ( FIXED_CTR_CTRL $end\n$var wire 1 ) ready $end\n"
    "$upscope $end\n$enddefinitions $end\n#0\n0!\n#1024\n1!\n";

VcdFile sample_vcd() {
    const std::string p = temp("sample.vcd");
    std::ofstream(p) << kVcd;
    return read_vcd(p);
}

size_t at(const std::string& text, const std::string& what) {
    const size_t p = text.find(what);
    EXPECT_NE(p, std::string::npos) << "missing: " << what << "\n" << text;
    return p;
}

}  // namespace

TEST(GtkwWriter, PathBesideTheVcd) {
    EXPECT_EQ(gtkw_path_for("out/run.vcd"), "out/run.gtkw");
    EXPECT_EQ(gtkw_path_for("run"), "run.gtkw");
    EXPECT_EQ(gtkw_path_for(".vcd"), ".vcd.gtkw");
}

TEST(GtkwWriter, GroupsInOrderWithTheirFormats) {
    const std::string t = gtkw_text(sample_vcd(), "/d/run.vcd", "/d/run.gtkw", {});
    EXPECT_NE(t.find("[dumpfile] \"/d/run.vcd\"\n[savefile] \"/d/run.gtkw\"\n"), std::string::npos) << t;
    // Context (ASCII text), global registers (hex), counters (decimal), PERF_METRICS, PMI, others.
    EXPECT_LT(at(t, "-Context\n@820\npmusim.ctx\n"), at(t, "-Global registers\n@22\npmusim.GLOBAL_CTRL[63:0]\npmusim.FIXED_CTR_CTRL[63:0]\n"));
    EXPECT_LT(at(t, "-Global registers"), at(t, "-Counters\n@24\npmusim.PMC0[47:0]\npmusim.FIXED_CTR0[47:0]\n"));
    EXPECT_LT(at(t, "-Counters"), at(t, "-PERF_METRICS\n@24\n"));
    EXPECT_LT(at(t, "-PERF_METRICS"), at(t, "-PMI\n@28\npmusim.pmi\n"));
    EXPECT_LT(at(t, "-PMI"), at(t, "-Other\n@22\npmusim.extra[3:0]\n@28\npmusim.ready\n"));
}

TEST(GtkwWriter, DottedFieldNamesAreEscapedAndAliased) {
    // GTKWave's VCD reader escapes a name holding its hierarchy delimiter with a backslash.
    const std::string t = gtkw_text(sample_vcd(), "/r.vcd", "/r.gtkw", {});
    at(t, "+{PERF_METRICS.retiring} pmusim.\\PERF_METRICS.retiring[7:0]\n");
}

TEST(GtkwWriter, NamedMarkersAToZ) {
    std::vector<GtkwMarker> m;
    for (uint64_t i = 0; i < 30; ++i) m.push_back({100 + i, "kind" + std::to_string(i)});
    const std::string t = gtkw_text(sample_vcd(), "/r.vcd", "/r.gtkw", m);
    std::istringstream in(t.substr(at(t, "\n*") + 1));
    std::string zoom;
    in >> zoom;
    std::vector<std::string> times;
    for (std::string w; times.size() < 28 && in >> w;) times.push_back(w);
    // The primary marker (unset), then the 26 named ones; the 27th and later are dropped.
    EXPECT_EQ(times[0], "-1");
    EXPECT_EQ(times[1], "100");
    EXPECT_EQ(times[26], "125");
    EXPECT_EQ(times[27], "[markername]");
    at(t, "[markername] Akind0\n");
    at(t, "[markername] Zkind25\n");
    EXPECT_EQ(t.find("kind26"), std::string::npos);
}

TEST(GtkwWriter, WritesBesideTheVcdAndNamesAMissingOne) {
    const std::string v = temp("w.vcd");
    std::ofstream(v) << kVcd;
    EXPECT_EQ(write_gtkw(v, {{1024, "pmi_spurious"}}), temp("w.gtkw"));
    std::ifstream in(temp("w.gtkw"));
    std::stringstream ss;
    ss << in.rdbuf();
    at(ss.str(), "[markername] Apmi_spurious\n");
    try {
        write_gtkw(temp("missing.vcd"));
        FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("missing.vcd: cannot open waveform"), std::string::npos) << e.what();
    }
}

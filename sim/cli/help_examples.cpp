#include "sim/cli/help_examples.h"

#include <string>
#include <utility>
#include <vector>

namespace pmusim {

namespace {

struct Example {
    const char* command;
    const char* what;
};

// "  COMMAND  WHAT" (WHAT on the next line, indented, after a long command): the layout help2man
// turns into one tagged paragraph per example.
std::string format_examples(const std::vector<Example>& examples) {
    constexpr size_t kColumn = 44;
    std::string out = "Examples:";
    for (auto& e : examples) {
        const std::string cmd = e.command;
        out += "\n  " + cmd;
        if (cmd.size() + 2 <= kColumn) out += std::string(kColumn - cmd.size(), ' ') + e.what;
        else out += "\n" + std::string(kColumn + 2, ' ') + e.what;
    }
    return out;
}

}  // namespace

void add_help_examples(CLI::App& app) {
    static const std::vector<std::pair<std::string, std::vector<Example>>> examples = {
        {"",
         {{"pmusim info --cpu icelake", "CPUID leaf 0xA, PERF_CAPABILITIES, registers"},
          {"pmusim stat --cpu skylake -e instructions:u,cycles:k", "count as perf stat does"},
          {"pmusim topdown --cpu icelake -w interpreter -I 2", "topdown per interval, beside the truth"},
          {"pmusim run perf_metrics_patch -E remove:put_perf_metrics", "a protocol without one step"},
          {"pmusim list scenarios", "the built-in scenarios"}}},
        {"info",
         {{"pmusim info --cpu sapphirerapids", "a preset as CPUID and PERF_CAPABILITIES show it"},
          {"pmusim info --cpu icelake --set num_gp=4 --registers-md", "a modified preset's register table"}}},
        {"stat",
         {{"pmusim stat --cpu sapphirerapids", "perf's default events for 10 M cycles"},
          {"pmusim stat --cpu skylake -w steady:kernel_share=0.3 -e instructions:u,cycles:k -n 1000000",
           "user and kernel counts of a steady workload"},
          {"pmusim stat -e branches,branch-misses,r01c2 --format json", "raw events, JSON"},
          {"pmusim stat -n 50000000 -I 10 -x, -o stat.csv", "perf stat -x CSV every 10 ms (at --freq 1 GHz)"}}},
        {"topdown",
         {{"pmusim topdown --cpu icelake -w interpreter -I 2", "Level 2 from PERF_METRICS per interval"},
          {"pmusim topdown --cpu skylake -w pointer_chase --level 3", "Level 3 from multiplexed GP events"},
          {"pmusim topdown --cpu icelake -w mixed_app -l 3 -j", "perf's JSON Lines, a tma_<node> line per node"},
          {"pmusim topdown -w mixed_app -l 3 -I 1 --format toplev -o td.csv", "toplev -I 1 -x, with Truth and Error (tl-barplot.py td.csv)"},
          {"pmusim list workloads", "the workload library"}}},
        {"run",
         {{"pmusim run perf_metrics_patch", "host and guest both using topdown: clean"},
          {"pmusim run perf_metrics_patch -E remove:put_perf_metrics --first 3", "the leak without that step"},
          {"pmusim run two_guests -n 300000 --vcd two_guests.vcd", "a waveform of the run, and two_guests.gtkw for GTKWave"},
          {"pmusim run perf_metrics_patch -E swap:load_guest_pmcs,load_perf_metrics --vcd w.vcd --vcd-window 90000:200000",
           "only cycles 90000 to 200000, violations marked"},
          {"pmusim run vmm_userspace --kvm-variant reset_keeps_perf_metrics", "a KVM defect, caught"}}},
        {"mutate",
         {{"pmusim mutate perf_metrics_patch", "which step prevents which failure"},
          {"pmusim mutate pmi_sampling --format markdown", "the same as a Markdown table"}}},
        {"conform",
         {{"pmusim conform conform_sapphirerapids", "the register suite in a guest vs bare metal"},
          {"pmusim conform conform_legacy --all", "every access, not only differences"}}},
        {"wave",
         {{"pmusim run two_guests -n 300000 --vcd two_guests.vcd", "as long a run as the golden one"},
          {"pmusim wave diff tests/golden/two_guests.vcd two_guests.vcd", "the first divergence of each signal"}}},
        {"list",
         {{"pmusim list", "every section"},
          {"pmusim list events --cpu skylake", "the events one preset can count"},
          {"pmusim list scenarios --names", "names only (scripts, completion)"}}},
    };
    for (auto& [name, list] : examples) {
        CLI::App* c = name.empty() ? &app : app.get_subcommand(name);
        std::string text = format_examples(list);
        if (name.empty()) text += "\n\nEach command has its own --help and man page (e.g. man pmusim-run).";
        c->footer(text);
    }
}

void tidy_help_defaults(CLI::App& app) {
    for (CLI::Option* o : app.get_options()) {
        const bool words = o->get_description().find("default:") != std::string::npos;
        if (words || o->get_default_str() == "[]") o->default_str("");
    }
    for (CLI::App* c : app.get_subcommands([](CLI::App*) { return true; })) tidy_help_defaults(*c);
}

}  // namespace pmusim

// libFuzzer harness: the VCD reader of `pmusim wave diff` (docs/waveforms.md). The input is the
// file's content. Rejected input must end in an exception with a message (fuzz_common.h); an
// accepted file compared with itself has no differences, and compared with a reference file
// (a short waveform of the simulator's own) gives a report that can be formatted.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz/fuzz_common.h"
#include "sim/vcd_diff.h"

using namespace pmusim;

namespace {

std::string g_path;  // this process's input file: read_vcd reads files
VcdFile g_reference;

const char kReference[] =
    "$timescale 1 ns $end\n$scope module pmu $end\n$var wire 48 ! IA32_PMC0 $end\n"
    "$var wire 1 \" pmi $end\n$var string 1 # context $end\n$upscope $end\n$enddefinitions $end\n"
    "#0\nb0 !\n0\"\nshost #\n#10\nb101 !\n1\"\n#20\nsvm0 #\n";

void write_file(const std::string& path, const char* data, size_t size) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(data, static_cast<std::streamsize>(size));
}

// Once per process, before the first input (the platform is elaborated in fuzz_common.cpp).
void init_files() {
    g_path = std::filesystem::temp_directory_path() / ("pmusim_fuzz_vcd_" + std::to_string(::getpid()) + ".vcd");
    std::atexit([] { ::unlink(g_path.c_str()); });
    write_file(g_path, kReference, sizeof kReference - 1);
    g_reference = read_vcd(g_path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool ready = (init_files(), true);
    (void)ready;
    write_file(g_path, reinterpret_cast<const char*>(data), size);
    VcdFile f;
    try {
        f = read_vcd(g_path);
    } catch (const std::exception& e) {
        fuzz::rejected(e, g_path.c_str());
        return 0;
    }
    const auto self = diff_vcd(f, f);
    if (!self.empty()) {
        std::fprintf(stderr, "a VCD differs from itself:\n%s", format_diff(f, f, self).c_str());
        std::abort();
    }
    (void)format_diff(g_reference, f, diff_vcd(g_reference, f));
    (void)format_diff(f, g_reference, diff_vcd(f, g_reference));
    return 0;
}

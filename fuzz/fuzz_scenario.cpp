// libFuzzer harness: virtualization scenario files (docs/virtualization.md "Scenario files"). The
// input is the YAML text. Rejected text must end in an exception with a message (fuzz_common.h);
// an accepted scenario builds its protocol and runs for at most kMaxCycles (the time a run takes
// grows with its length, which is not what this harness explores), and its report is formatted as
// text and JSON. Checker violations are results, not failures.
#include <algorithm>
#include <string>

#include "fuzz/fuzz_common.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/run_format.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {
constexpr uint64_t kMaxCycles = 50'000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        Scenario s = parse_scenario_yaml(text, fuzz::kYamlOrigin);
        s.cycles = std::min(s.cycles, kMaxCycles);
        const RunReport r = run_scenario(s, s.make_protocol());
        (void)format_run(r);
        (void)run_json(r);
        (void)format_programs(r.programs);
    } catch (const std::exception& e) {
        fuzz::rejected(e, fuzz::kYamlOrigin);
    }
    return 0;
}

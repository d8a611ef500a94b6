// libFuzzer harness: workload files (docs/workloads.md). The input is the YAML text. Rejected text
// must end in an exception with a message (fuzz_common.h); accepted text is bound to a CPU and run
// on a per-cycle and a fast Machine with counters programmed, and every counter and PERF_METRICS
// must read the same in both modes (the counts are exact in both: docs/architecture.md).
#include <functional>
#include <memory>
#include <string>

#include "fuzz/fuzz_common.h"
#include "models/pmu/register_table.h"
#include "sim/machine.h"
#include "sim/workload_file.h"

using namespace pmusim;

namespace {

constexpr uint64_t kMaxCycles = 4000;

// Counting in both rings on every counter; the GP events are picked by `pick`.
void program_counters(Machine& m, uint64_t pick) {
    static const uint64_t events[] = {0x00c0, 0x003c, 0x00c4, 0x00c5, 0x01a4,
                                      0x02a4, 0x0173, 0x019c, 0x02c2, 0x08a4};
    constexpr uint64_t kUsrOsEn = (1ull << 16) | (1ull << 17) | (1ull << 22);
    const CpuConfig& cpu = m.cpu();
    for (unsigned i = 0; i < cpu.num_gp; ++i, pick /= std::size(events))
        m.try_wrmsr(msr::kPerfEvtSel0 + i, events[pick % std::size(events)] | kUsrOsEn);
    m.try_wrmsr(msr::kFixedCtrCtrl, 0x3333);
    m.try_wrmsr(msr::kGlobalCtrl, cpu.counter_bits() | (1ull << 48));
}

std::string readings(Machine& m) {
    std::string s;
    const auto add = [&](const AccessResult& r) { s += (r.ok ? std::to_string(r.value) : "#GP") + " "; };
    for (unsigned i = 0; i < m.cpu().num_gp; ++i) add(m.try_rdpmc(i));
    for (unsigned i = 0; i < 4; ++i) add(m.try_rdpmc((1u << 30) | i));
    add(m.try_rdpmc(1u << 29));
    add(m.try_rdmsr(msr::kGlobalStatus));
    return s + "cycle " + std::to_string(m.cycle());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const size_t h = std::hash<std::string>{}(text);
    std::unique_ptr<Machine> pc, fast;
    try {
        std::unique_ptr<PhasedWorkload> w = parse_workload_yaml(text, fuzz::kYamlOrigin);
        (void)w->describe();
        MachineOptions o;
        o.cpu = fuzz::kPresets[h % 4];
        o.mode = TimeMode::PerCycle;
        pc = std::make_unique<Machine>(o);
        o.mode = TimeMode::Fast;
        o.quantum = 1 + (h >> 4) % 1000;
        fast = std::make_unique<Machine>(o);
        pc->set_workload(w->clone());
        fast->set_workload(std::move(w));
    } catch (const std::exception& e) {
        fuzz::rejected(e, fuzz::kYamlOrigin);
        return 0;
    }
    program_counters(*pc, h >> 16);
    program_counters(*fast, h >> 16);
    const uint64_t cycles = 1 + (h >> 12) % kMaxCycles;
    pc->run(cycles);
    fast->run(cycles);
    const std::string a = readings(*pc), b = readings(*fast);
    if (a != b) {
        std::fprintf(stderr, "%s: %llu cycles on %s: per-cycle and fast mode differ\n", fuzz::kYamlOrigin,
                     (unsigned long long)cycles, pc->cpu().preset.c_str());
        std::fprintf(stderr, "  per-cycle: %s\n  fast:      %s\n", a.c_str(), b.c_str());
        std::abort();
    }
    return 0;
}

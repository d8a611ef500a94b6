// libFuzzer harness: the MSR/RDPMC interface under a differential oracle (docs/testing.md).
// The input picks a CPU preset, overrides and a steady workload, then a program of RDMSR, WRMSR,
// RDPMC and runs. The program runs on two Machines, one per-cycle and one fast (DESIGN: both time
// modes give identical architectural results), and every access result (value or #GP with its
// reason), every run's length and the PMI list must agree exactly; any difference aborts.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_common.h"
#include "models/pmu/register_table.h"
#include "sim/machine.h"

using namespace pmusim;

namespace {

constexpr uint64_t kCycleBudget = 30'000;  // per-cycle mode simulated per input (keeps an input fast)

std::unique_ptr<Machine> machine(const std::string& cpu, const Overrides& ov, TimeMode mode, uint64_t quantum,
                                 const SteadyParams& wl) {
    MachineOptions o;
    o.cpu = cpu;
    o.overrides = ov;
    o.mode = mode;
    o.quantum = quantum;
    auto m = std::make_unique<Machine>(o);
    m->set_workload(std::make_unique<SteadyWorkload>(wl));
    return m;
}

SteadyParams workload(FuzzedDataProvider& in) {
    SteadyParams wl;
    wl.instructions = 0.25 * in.ConsumeIntegralInRange(0, 16);
    wl.branches = 0.05 * in.ConsumeIntegralInRange(0, 8);
    wl.branch_misses = wl.branches * 0.1 * in.ConsumeIntegralInRange(0, 10);
    wl.kernel_share = 0.1 * in.ConsumeIntegralInRange(0, 10);
    wl.halted_share = 0.1 * in.ConsumeIntegralInRange(0, 9);
    wl.period = in.ConsumeIntegralInRange<uint64_t>(1, 2000);
    return wl;
}

// An MSR address: mostly one the CPU enumerates, sometimes a neighbour or any 32-bit value.
uint32_t msr_address(FuzzedDataProvider& in, const RegisterTable& regs) {
    const auto& all = regs.all();
    switch (in.ConsumeIntegralInRange(0, 7)) {
    case 0: return in.ConsumeIntegral<uint32_t>();
    case 1: return all[in.ConsumeIntegralInRange<size_t>(0, all.size() - 1)].address + in.ConsumeIntegralInRange(-2, 2);
    default: return all[in.ConsumeIntegralInRange<size_t>(0, all.size() - 1)].address;
    }
}

// A value for `address`: raw, within the writable bits, or a counter a few events from wrapping.
uint64_t msr_value(FuzzedDataProvider& in, const RegisterTable& regs, uint32_t address) {
    const RegisterDesc* r = regs.find(address);
    const uint64_t raw = in.ConsumeIntegral<uint64_t>();
    switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: return raw;
    case 1: return r ? raw & ~r->reserved : raw;
    case 2: return r ? ~r->reserved - in.ConsumeIntegralInRange<uint64_t>(0, 300) : raw & 0xffff;
    default: return raw & 0xff;
    }
}

[[noreturn]] void mismatch(const std::vector<std::string>& log, const std::string& what, const std::string& a,
                           const std::string& b) {
    for (const auto& l : log) std::fprintf(stderr, "  %s\n", l.c_str());
    std::fprintf(stderr, "per-cycle and fast mode differ at %s:\n  per-cycle: %s\n  fast:      %s\n", what.c_str(),
                 a.c_str(), b.c_str());
    std::abort();
}

std::string show(const AccessResult& r) { return r.ok ? "= " + std::to_string(r.value) : "#GP " + r.reason; }
std::string show(const RunResult& r) { return "ran " + std::to_string(r.cycles) + (r.stopped_on_pmi ? " stopped on PMI" : ""); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::init_platform();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    static const char* presets[] = {"sapphirerapids", "icelake", "skylake", "lunarlake"};
    const std::string cpu = presets[in.ConsumeIntegralInRange(0, 3)];
    const Overrides ov = {{"gp_width", in.ConsumeIntegralInRange(8, 48)},
                          {"fixed_width", in.ConsumeIntegralInRange(8, 48)},
                          {"pmi_skid", in.ConsumeIntegralInRange(0, 3)},
                          {"cr4_pce", in.ConsumeBool()},
                          {"status_set_raises_pmi", in.ConsumeBool()}};
    const uint64_t quantum = in.ConsumeIntegralInRange<uint64_t>(1, 5000);
    const SteadyParams wl = workload(in);
    auto pc = machine(cpu, ov, TimeMode::PerCycle, quantum, wl);
    auto fast = machine(cpu, ov, TimeMode::Fast, quantum, wl);
    const RegisterTable regs(pc->cpu());
    std::vector<std::string> log;
    uint64_t budget = kCycleBudget;
    while (in.remaining_bytes() > 0) {
        std::string op, a, b;  // the operation, its result in per-cycle and in fast mode
        switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0: {
            const uint32_t msr = msr_address(in, regs);
            op = "rdmsr " + std::to_string(msr);
            a = show(pc->try_rdmsr(msr)), b = show(fast->try_rdmsr(msr));
            break;
        }
        case 1: {
            const uint32_t msr = msr_address(in, regs);
            const uint64_t v = msr_value(in, regs, msr);
            op = "wrmsr " + std::to_string(msr) + " " + std::to_string(v);
            a = show(pc->try_wrmsr(msr, v)), b = show(fast->try_wrmsr(msr, v));
            break;
        }
        case 2: {
            const uint32_t ecx = fuzz::rdpmc_ecx(in);
            const unsigned cpl = in.ConsumeBool() ? 3 : 0;
            op = "rdpmc " + std::to_string(ecx) + " cpl " + std::to_string(cpl);
            a = show(pc->try_rdpmc(ecx, cpl)), b = show(fast->try_rdpmc(ecx, cpl));
            break;
        }
        default: {
            const uint64_t n = std::min(budget, in.ConsumeIntegralInRange<uint64_t>(0, 5000));
            const bool stop = in.ConsumeBool();
            budget -= n;
            op = "run " + std::to_string(n) + (stop ? " stop-on-pmi" : "");
            a = show(pc->run(n, stop)), b = show(fast->run(n, stop));
        }
        }
        log.push_back(op);
        if (a != b) mismatch(log, op, a, b);
        if (pc->cycle() != fast->cycle())
            mismatch(log, op + " (cycle)", std::to_string(pc->cycle()), std::to_string(fast->cycle()));
    }
    const auto &pa = pc->pmis(), &pb = fast->pmis();
    for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
        const auto text = [&](const std::vector<PmiRecord>& v) {
            return i < v.size() ? "cycle " + std::to_string(v[i].cycle) + " sources " + std::to_string(v[i].sources) +
                                      " status " + std::to_string(v[i].status)
                                : "none";
        };
        if (text(pa) != text(pb)) mismatch(log, "PMI " + std::to_string(i), text(pa), text(pb));
    }
    return 0;
}

// libFuzzer harness: the MSR/RDPMC interface under a differential oracle (docs/testing.md).
// The input picks a CPU preset, overrides and a steady workload, then a program of RDMSR, WRMSR,
// RDPMC and runs. The program runs on two Machines, one per-cycle and one fast (both time modes
// give identical architectural results: docs/architecture.md "Time"), and every access result
// (value or #GP with its reason), every run's length and the PMI list must agree exactly; any
// difference aborts.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
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

constexpr uint64_t kCycleBudget = 4'000;  // per-cycle mode simulated per input (keeps an input fast)

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
    wl.branch_misses = wl.branches * in.ConsumeIntegralInRange(0, 10) / 10.0;  // at most branches
    const int kernel_tenths = in.ConsumeIntegralInRange(0, 10);
    wl.kernel_share = 0.1 * kernel_tenths;
    wl.halted_share = 0.1 * in.ConsumeIntegralInRange(0, std::min(9, 10 - kernel_tenths));  // the sum is at most 1
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

// One instruction or run, applied alike to both machines.
struct Step {
    enum Kind { Rdmsr, Wrmsr, Rdpmc, Run } kind;
    uint64_t target;  // MSR, RDPMC selector or cycles
    uint64_t arg;     // WRMSR value, RDPMC CPL or stop-on-PMI
};

// An EVTSEL a counter really counts with: a known event, EN, rings and the optional flags.
uint64_t event_select(FuzzedDataProvider& in) {
    static const uint64_t events[] = {0x00c0, 0x003c, 0x00c4, 0x00c5, 0x01a4, 0x02a4,
                                      0x0173, 0x019c, 0x02c2, 0x08a4, 0x013c};
    uint64_t v = events[in.ConsumeIntegralInRange<size_t>(0, std::size(events) - 1)] | (1ull << 22);
    v |= in.ConsumeIntegralInRange<uint64_t>(0, 3) << 16;  // USR, OS
    if (in.ConsumeBool()) v |= 1ull << 20;                   // INT
    if (in.ConsumeIntegralInRange(0, 3) == 0) v |= in.ConsumeIntegralInRange<uint64_t>(1, 6) << 24;  // CMASK
    if (in.ConsumeIntegralInRange(0, 4) == 0) v |= 1ull << 23;  // INV
    if (in.ConsumeIntegralInRange(0, 4) == 0) v |= 1ull << 18;  // E
    return v;
}

// The next step of the program: raw accesses, or the programming perf does (a counter set to
// count and a few events from wrapping, FIXED_CTR_CTRL, GLOBAL_CTRL, status, freezes), or a run.
std::vector<Step> next_step(FuzzedDataProvider& in, const CpuConfig& cpu, const RegisterTable& regs,
                            uint64_t& budget) {
    const auto near_wrap = [&](uint64_t mask) {  // often within a handful of events of the carry
        return (mask - in.ConsumeIntegralInRange<uint64_t>(0, in.ConsumeBool() ? 8 : 400)) & mask;
    };
    switch (in.ConsumeIntegralInRange(0, 10)) {
    case 0: return {{Step::Rdmsr, msr_address(in, regs), 0}};
    case 1: {
        const uint32_t msr = msr_address(in, regs);
        return {{Step::Wrmsr, msr, msr_value(in, regs, msr)}};
    }
    case 2: return {{Step::Rdpmc, fuzz::rdpmc_ecx(in), in.ConsumeBool() ? 3u : 0u}};
    case 3: {
        if (cpu.num_gp == 0) return {};
        const unsigned i = in.ConsumeIntegralInRange<unsigned>(0, cpu.num_gp - 1);
        return {{Step::Wrmsr, msr::kPerfEvtSel0 + i, event_select(in)},
                {Step::Wrmsr, msr::kPmc0 + i, near_wrap(0xffffffffull)},  // IA32_PMCx: 32 bits, sign-extended
                {Step::Wrmsr, msr::kAPmc0 + i, near_wrap(cpu.gp_mask())}};
    }
    case 4: {
        const unsigned i = in.ConsumeIntegralInRange(0, 3);
        return {{Step::Wrmsr, msr::kFixedCtrCtrl, in.ConsumeIntegral<uint16_t>() & 0xbbbbu},
                {Step::Wrmsr, msr::kFixedCtr0 + i, near_wrap(cpu.fixed_mask())}};
    }
    case 5: {
        const uint64_t enables = cpu.counter_bits() | (1ull << 48);
        std::vector<Step> v = {{Step::Wrmsr, msr::kGlobalCtrl, in.ConsumeIntegral<uint64_t>() & enables}};
        if (in.ConsumeBool()) v.push_back({Step::Wrmsr, msr::kPerfMetrics, in.ConsumeIntegral<uint64_t>()});
        return v;
    }
    case 6:
        return {{Step::Rdmsr, msr::kGlobalStatus, 0},
                {Step::Wrmsr, msr::kGlobalStatusReset, in.ConsumeIntegral<uint64_t>() & status_reset_writable(cpu)},
                {Step::Wrmsr, msr::kGlobalStatusSet, in.ConsumeIntegral<uint64_t>() & status_set_writable(cpu)}};
    case 7: return {{Step::Wrmsr, msr::kDebugCtl, in.ConsumeBool() ? 1ull << 12 : 0}};
    default: {
        const uint64_t n = std::min(budget, in.ConsumeIntegralInRange<uint64_t>(0, 1500));
        budget -= n;
        return {{Step::Run, n, in.ConsumeBool()}};
    }
    }
}

std::string show(const AccessResult& r) { return r.ok ? "= " + std::to_string(r.value) : "#GP " + r.reason; }
std::string show(const RunResult& r) {
    return "ran " + std::to_string(r.cycles) + (r.stopped_on_pmi ? " stopped on PMI" : "");
}

std::string apply(Machine& m, const Step& x) {
    switch (x.kind) {
    case Step::Rdmsr: return show(m.try_rdmsr(static_cast<uint32_t>(x.target)));
    case Step::Wrmsr: return show(m.try_wrmsr(static_cast<uint32_t>(x.target), x.arg));
    case Step::Rdpmc: return show(m.try_rdpmc(static_cast<uint32_t>(x.target), static_cast<unsigned>(x.arg)));
    default: return show(m.run(x.target, x.arg != 0));
    }
}

std::string describe(const Step& x) {
    static const char* names[] = {"rdmsr", "wrmsr", "rdpmc", "run"};
    return std::string(names[x.kind]) + " " + std::to_string(x.target) + " " + std::to_string(x.arg);
}

[[noreturn]] void mismatch(const std::vector<std::string>& log, const std::string& what, const std::string& a,
                           const std::string& b) {
    for (const auto& l : log) std::fprintf(stderr, "  %s\n", l.c_str());
    std::fprintf(stderr, "per-cycle and fast mode differ at %s:\n  per-cycle: %s\n  fast:      %s\n", what.c_str(),
                 a.c_str(), b.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    const std::string cpu = fuzz::kPresets[in.ConsumeIntegralInRange(0, 3)];
    const Overrides ov = {{"gp_width", in.ConsumeIntegralInRange(8, 48)},
                          {"fixed_width", in.ConsumeIntegralInRange(8, 48)},
                          {"pmi_skid", in.ConsumeIntegralInRange(0, 3)},
                          {"cr4_pce", in.ConsumeBool()},
                          {"status_set_raises_pmi", in.ConsumeBool()}};
    const uint64_t quantum = in.ConsumeIntegralInRange<uint64_t>(1, 5000);
    const SteadyParams wl = workload(in);
    std::unique_ptr<Machine> pc, fast;
    try {  // a workload the model refuses (say, a halted share that rounds to a whole period)
        pc = machine(cpu, ov, TimeMode::PerCycle, quantum, wl);
        fast = machine(cpu, ov, TimeMode::Fast, quantum, wl);
    } catch (const std::exception& e) {
        fuzz::rejected(e, "");
        return 0;
    }
    const RegisterTable regs(pc->cpu());
    std::vector<std::string> log;
    uint64_t budget = kCycleBudget;
    while (in.remaining_bytes() > 0) {
        for (const Step& x : next_step(in, pc->cpu(), regs, budget)) {
            const std::string a = apply(*pc, x), b = apply(*fast, x);
            log.push_back(describe(x) + ": " + a);
            if (a != b) mismatch(log, describe(x), a, b);
            if (pc->cycle() != fast->cycle())
                mismatch(log, describe(x) + " (cycle)", std::to_string(pc->cycle()), std::to_string(fast->cycle()));
        }
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

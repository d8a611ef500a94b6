#include "models/virt/register_suite.h"

#include <algorithm>
#include <stdexcept>

#include "models/pmu/pmu_state.h"
#include "models/pmu/register_table.h"

namespace pmusim {

namespace {

Expectation ok() {
    Expectation e;
    e.fault = Expectation::Fault::None;
    return e;
}
Expectation gp() {
    Expectation e;
    e.fault = Expectation::Fault::Gp;
    return e;
}
Expectation exists(bool yes) { return yes ? ok() : gp(); }
Expectation eq(uint64_t v) {
    Expectation e;
    e.value = Expectation::Value::Equals;
    e.lo = v;
    return e;
}
Expectation range(uint64_t lo, uint64_t hi) {
    Expectation e;
    e.value = Expectation::Value::Range;
    e.lo = lo;
    e.hi = hi;
    return e;
}
Expectation bits(uint64_t set, uint64_t clear) {
    Expectation e;
    e.set = set;
    e.clear = clear;
    return e;
}

// Selector encodings (SDM 18.2.1; Table 19-1 architectural events).
constexpr uint64_t kCycles = 0x3c, kInstRetired = 0xc0;
constexpr uint64_t kCount = evtsel::kUsr | evtsel::kOs | evtsel::kEn;
constexpr uint64_t cmask(unsigned c) { return uint64_t(c) << 24; }
constexpr uint64_t kPreset = 1000;  // the 1-N preset below overflow (kvm-unit-tests x86/pmu.c)

class Builder {
public:
    explicit Builder(const CpuConfig& c) : cpu(c) {}
    const CpuConfig& cpu;
    GuestProgram p;
    std::string section;

    void rd(uint32_t msr, Expectation e, const std::string& what) { add(GuestInstr::Op::Rdmsr, msr, 0, e, what); }
    void wr(uint32_t msr, uint64_t v, Expectation e, const std::string& what) { add(GuestInstr::Op::Wrmsr, msr, v, e, what); }
    void pmc(uint32_t ecx, Expectation e, const std::string& what) { add(GuestInstr::Op::Rdpmc, ecx, 0, e, what); }
    void run(uint64_t n) {
        GuestInstr in;
        in.op = GuestInstr::Op::Run;
        in.count = n;
        in.where = "register_suite/" + section;
        p.code.push_back(in);
    }
    // Every counter stopped and its status acknowledged (version 2 and later).
    void quiesce() {
        wr(msr::kGlobalCtrl, 0, ok(), "stop all");
        wr(msr::kGlobalStatusReset, cpu.counter_bits(), ok(), "acknowledge all");
    }

private:
    void add(GuestInstr::Op op, uint32_t idx, uint64_t v, Expectation e, const std::string& what) {
        GuestInstr in;
        in.op = op;
        in.index = idx;
        in.value = v;
        in.expect = e;
        in.label = section + ": " + what;
        in.where = "register_suite/" + section;
        p.code.push_back(in);
    }
};

std::string n(const char* s, unsigned i) { return s + std::to_string(i); }

// GP counter numbers the suite probes: the IA32_PMC0..7 block every CPU before perfmon v6 has,
// and any counters beyond it the CPU enumerates (lunarlake's PMC8/9).
unsigned probed_gp(const CpuConfig& c) { return std::max(c.num_gp, 8u); }

// Which registers exist, and the #GP rules of writes (SDM Vol.4 Table 2-2; 18.2.2-18.2.6).
void matrix(Builder& b) {
    const CpuConfig& c = b.cpu;
    b.section = "matrix";
    if (c.has_global_ctrl())
        b.rd(msr::kGlobalCtrl, eq(c.counter_bits() & ((1ull << c.num_gp) - 1)), "GLOBAL_CTRL reset enables the GP counters");
    for (unsigned i = 0; i < probed_gp(c); ++i) {
        b.rd(msr::kPmc0 + i, exists(i < c.num_gp), n("PMC", i));
        b.rd(msr::kPerfEvtSel0 + i, exists(i < c.num_gp), n("PERFEVTSEL", i));
        b.rd(msr::kAPmc0 + i, exists(c.fw_write() && i < c.num_gp), n("A_PMC", i) + " with FW_WRITE only");
    }
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) b.rd(msr::kFixedCtr0 + i, exists(c.has_fixed(i)), n("FIXED_CTR", i) + " per the bitmap");
    b.rd(msr::kFixedCtrCtrl, exists(c.version >= 2), "FIXED_CTR_CTRL from v2");
    b.rd(msr::kGlobalStatus, exists(c.has_global_ctrl()), "GLOBAL_STATUS from v2");
    b.rd(msr::kGlobalStatusReset, exists(c.has_global_ctrl()), "STATUS_RESET/OVF_CTRL from v2");
    b.rd(msr::kGlobalStatusSet, exists(c.has_status_set()), "STATUS_SET from v4");
    b.rd(msr::kGlobalInuse, exists(c.has_status_set()), "GLOBAL_INUSE from v4");
    b.rd(msr::kPerfMetrics, exists(c.perf_metrics()), "PERF_METRICS with PERF_CAPABILITIES[15]");
    if (c.pdcm) b.rd(msr::kPerfCapabilities, eq(c.perf_capabilities), "PERF_CAPABILITIES as enumerated");
    if (!c.has_global_ctrl()) return;
    b.quiesce();
    if (c.num_gp) {
        b.wr(msr::kPerfEvtSel0, 1ull << 63, gp(), "PERFEVTSEL reserved bit 63");
        b.wr(msr::kPmc0, 0x80000000ull, ok(), "legacy PMC write");
        b.rd(msr::kPmc0, eq(0xffffffff80000000ull & c.gp_mask()), "legacy PMC write sign-extends bit 31");
        if (c.fw_write()) {
            b.wr(msr::kAPmc0, c.gp_mask(), ok(), "full-width write up to the width");
            b.rd(msr::kPmc0, eq(c.gp_mask()), "full-width value reads back");
            b.wr(msr::kAPmc0, c.gp_mask() + 1, gp(), "full-width write beyond the width");
        }
        b.wr(msr::kPmc0, 0, ok(), "clear");
    }
    if (c.num_gp < 32) b.wr(msr::kGlobalCtrl, 1ull << c.num_gp, gp(), "GLOBAL_CTRL bit of an absent GP counter");
    b.wr(msr::kGlobalCtrl, 1ull << (32 + kMaxFixedCounters), gp(), "GLOBAL_CTRL bit 36 reserved");
    b.wr(msr::kGlobalCtrl, 1ull << status_bit::kPerfMetrics, exists(c.perf_metrics()), "GLOBAL_CTRL[48] with PERF_METRICS");
    b.wr(msr::kGlobalCtrl, 0, ok(), "stop all");
    b.wr(msr::kGlobalStatus, 0, gp(), "GLOBAL_STATUS is read-only");
    if (c.has_status_set()) b.wr(msr::kGlobalInuse, 0, gp(), "GLOBAL_INUSE is read-only");
    if (c.has_fixed(0)) {
        b.wr(msr::kFixedCtr0, ~0ull, ok(), "fixed counter write of all ones");
        b.rd(msr::kFixedCtr0, eq(c.fixed_mask()), "fixed counter keeps its width");
        b.wr(msr::kFixedCtr0, 0, ok(), "clear");
    }
    if (c.perf_metrics() && c.has_fixed(3)) {
        b.wr(msr::kFixedCtr0 + 3, 0, ok(), "no slots");
        b.wr(msr::kPerfMetrics, 0x01020304, ok(), "PERF_METRICS write");
        b.rd(msr::kPerfMetrics, eq(0x01020304), "PERF_METRICS reads back while no slots pass");
        b.wr(msr::kPerfMetrics, 0, ok(), "clear");
    }
}

// RDPMC encodings (SDM RDPMC; kvm-unit-tests check_invalid_rdpmc_gp) and values.
void rdpmc(Builder& b) {
    const CpuConfig& c = b.cpu;
    b.section = "rdpmc";
    for (unsigned i = 0; i < probed_gp(c); ++i) b.pmc(rdpmc_ecx::gp(i), exists(i < c.num_gp), n("GP ", i));
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) b.pmc(rdpmc_ecx::fixed(i), exists(c.has_fixed(i)), n("fixed ", i) + " per the bitmap");
    b.pmc(rdpmc_ecx::metrics(), exists(c.perf_metrics()), "PERF_METRICS type");
    b.pmc(rdpmc_ecx::kFast, gp(), "fast read (bit 31) of an architectural PMU");
    b.pmc(64, gp(), "GP index 64");
    b.pmc(1u << 16, gp(), "unknown type");
    if (!c.has_global_ctrl()) return;
    b.quiesce();
    for (unsigned i = 0; i < c.num_gp; ++i) {
        b.wr(msr::kPmc0 + i, 0x1234 + i, ok(), n("preset PMC", i));
        b.pmc(rdpmc_ecx::gp(i), eq(0x1234 + i), n("RDPMC reads PMC", i));
    }
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) {
        if (!c.has_fixed(i)) continue;
        b.wr(msr::kFixedCtr0 + i, 0x4321 + i, ok(), n("preset FIXED_CTR", i));
        b.pmc(rdpmc_ecx::fixed(i), eq(0x4321 + i), n("RDPMC reads FIXED_CTR", i));
    }
}

// Overflow from a 1-N preset on every counter (SDM 18.2.2, 18.6.1; x86/pmu.c check_counter_overflow).
void overflow(Builder& b) {
    const CpuConfig& c = b.cpu;
    b.section = "overflow";
    b.quiesce();
    for (unsigned i = 0; i < c.num_gp; ++i) {
        const uint64_t bit = 1ull << i;
        b.wr(msr::kPerfEvtSel0 + i, kCycles | kCount, ok(), n("count cycles on PMC", i));
        b.wr(msr::kPmc0 + i, uint64_t(0) - kPreset, ok(), n("1-N preset PMC", i));
        b.wr(msr::kGlobalCtrl, bit, ok(), n("enable PMC", i));
        b.run(3000);
        b.wr(msr::kGlobalCtrl, 0, ok(), "stop");
        b.rd(msr::kGlobalStatus, bits(bit, 0), n("overflow sets status bit ", i));
        b.rd(msr::kPmc0 + i, range(1, 3000 + 500), n("PMC", i) + " wrapped and went on");
        b.wr(msr::kGlobalStatusReset, bit, ok(), n("acknowledge ", i));
        b.rd(msr::kGlobalStatus, bits(0, bit), n("STATUS_RESET clears bit ", i));
        b.wr(msr::kPerfEvtSel0 + i, 0, ok(), "disable");
    }
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) {
        if (!c.has_fixed(i)) continue;
        const uint64_t bit = 1ull << (32 + i);
        b.wr(msr::kFixedCtrCtrl, (fixed_field::kOs | fixed_field::kUsr) << (4 * i), ok(), n("count on FIXED_CTR", i));
        b.wr(msr::kFixedCtr0 + i, (uint64_t(0) - kPreset) & c.fixed_mask(), ok(), n("1-N preset FIXED_CTR", i));
        b.wr(msr::kGlobalCtrl, bit, ok(), n("enable FIXED_CTR", i));
        b.run(20000);
        b.wr(msr::kGlobalCtrl, 0, ok(), "stop");
        b.rd(msr::kGlobalStatus, bits(bit, 0), n("overflow sets status bit ", 32 + i));
        b.wr(msr::kGlobalStatusReset, bit, ok(), n("acknowledge ", 32 + i));
        b.rd(msr::kGlobalStatus, bits(0, bit), n("STATUS_RESET clears bit ", 32 + i));
    }
    b.wr(msr::kFixedCtrCtrl, 0, ok(), "disable fixed");
    if (c.has_status_set()) {
        b.wr(msr::kGlobalStatusSet, 1, ok(), "STATUS_SET bit 0");
        b.rd(msr::kGlobalStatus, bits(1, 0), "STATUS_SET sets it");
        b.wr(msr::kGlobalStatusReset, 1, ok(), "acknowledge");
        b.rd(msr::kGlobalStatus, bits(0, 1), "STATUS_RESET clears it");
    }
}

// A write to a running counter, and CMASK/INV (SDM 18.2.1.1).
void running_and_cmask(Builder& b) {
    const CpuConfig& c = b.cpu;
    if (!c.num_gp) return;
    b.section = "running";
    b.quiesce();
    b.wr(msr::kPerfEvtSel0, kCycles | kCount, ok(), "count cycles");
    b.wr(msr::kPmc0, 0, ok(), "clear");
    b.wr(msr::kGlobalCtrl, 1, ok(), "enable");
    b.run(1000);
    b.wr(msr::kPmc0, 0x100000, ok(), "write while counting");
    b.run(2000);
    b.wr(msr::kGlobalCtrl, 0, ok(), "stop");
    b.rd(msr::kPmc0, range(0x100000 + 2000, 0x100000 + 2000 + 500), "counts on from the written value");
    b.wr(msr::kPerfEvtSel0, 0, ok(), "disable");
    if (c.num_gp < 2) return;
    b.section = "cmask";
    b.wr(msr::kPerfEvtSel0, kInstRetired | kCount | cmask(1), ok(), "cycles retiring >= 1 instruction");
    b.wr(msr::kPerfEvtSel0 + 1, kInstRetired | kCount | cmask(1) | evtsel::kInv, ok(), "cycles retiring none");
    b.wr(msr::kPmc0, 0, ok(), "clear");
    b.wr(msr::kPmc0 + 1, 0, ok(), "clear");
    b.wr(msr::kGlobalCtrl, 3, ok(), "enable");
    b.run(5000);
    b.wr(msr::kGlobalCtrl, 0, ok(), "stop");
    b.rd(msr::kPmc0, range(0, 5000 + 500), "CMASK counts cycles, not instructions");
    b.rd(msr::kPmc0 + 1, range(0, 5000 + 500), "INV counts the other cycles");
    b.wr(msr::kPerfEvtSel0, 0, ok(), "disable");
    b.wr(msr::kPerfEvtSel0 + 1, 0, ok(), "disable");
}

// The PERF_METRICS sequence of KVM's selftest: slots and metrics counted together, the four
// Level-1 fields summing to 0xFF within rounding ([0xFC, 0x102]).
void perf_metrics(Builder& b) {
    const CpuConfig& c = b.cpu;
    if (!c.perf_metrics() || !c.has_fixed(3)) return;
    b.section = "perf_metrics";
    b.quiesce();
    b.wr(msr::kFixedCtr0 + 3, 0, ok(), "clear slots");
    b.wr(msr::kPerfMetrics, 0, ok(), "clear metrics");
    b.wr(msr::kFixedCtrCtrl, (fixed_field::kOs | fixed_field::kUsr) << 12, ok(), "count slots");
    b.wr(msr::kGlobalCtrl, (1ull << 35) | (1ull << status_bit::kPerfMetrics), ok(), "enable FIXED_CTR3 and metrics");
    b.run(100000);
    b.wr(msr::kGlobalCtrl, 0, ok(), "stop");
    b.rd(msr::kFixedCtr0 + 3, range(uint64_t(c.slots_per_cycle) * 100000, uint64_t(c.slots_per_cycle) * 101000), "slots counted");
    Expectation sum;
    sum.sum_bytes = 4;
    sum.sum_lo = 0xfc;
    sum.sum_hi = 0x102;
    b.rd(msr::kPerfMetrics, sum, "Level-1 fields sum to 0xFF");
    b.pmc(rdpmc_ecx::metrics(), sum, "RDPMC reads the same fields");
    b.wr(msr::kFixedCtrCtrl, 0, ok(), "disable");
}

}  // namespace

GuestProgram register_suite(const CpuConfig& cpu) {
    Builder b(cpu);
    matrix(b);
    rdpmc(b);
    if (cpu.has_global_ctrl()) {
        overflow(b);
        running_and_cmask(b);
        perf_metrics(b);
        b.section = "end";
        b.quiesce();
    }
    validate_program(b.p);
    return b.p;
}

std::vector<std::string> builtin_program_names() { return {"register_suite"}; }

GuestProgram builtin_program(const std::string& name, const CpuConfig& cpu) {
    if (name == "register_suite") return register_suite(cpu);
    std::string all;
    for (auto& x : builtin_program_names()) all += " " + x;
    throw std::invalid_argument("no built-in program '" + name + "' (built-in:" + all + ")");
}

}  // namespace pmusim

#include "models/virt/custom_steps.h"

#include <algorithm>
#include <map>

#include "models/pmu/register_table.h"
#include "models/virt/step_context.h"

namespace pmusim {

CustomOp CustomOp::rdmsr(uint32_t msr, std::string into) {
    CustomOp o;
    o.kind = Kind::Rdmsr;
    o.index = msr;
    o.into = std::move(into);
    return o;
}
CustomOp CustomOp::rdpmc(uint32_t ecx, std::string into) {
    CustomOp o = rdmsr(ecx, std::move(into));
    o.kind = Kind::Rdpmc;
    return o;
}
CustomOp CustomOp::wrmsr(uint32_t msr, Operand value) {
    CustomOp o;
    o.kind = Kind::Wrmsr;
    o.index = msr;
    o.a = std::move(value);
    return o;
}

namespace {

const std::pair<const char*, CustomOp::Alu> kAlu[] = {
    {"value", CustomOp::Alu::Copy}, {"and", CustomOp::Alu::And}, {"or", CustomOp::Alu::Or},
    {"xor", CustomOp::Alu::Xor},    {"add", CustomOp::Alu::Add}, {"sub", CustomOp::Alu::Sub},
    {"shl", CustomOp::Alu::Shl},    {"shr", CustomOp::Alu::Shr}, {"andnot", CustomOp::Alu::AndNot},
};

// A vCPU slot: a field of the software copy with its provenance, or a read-only capability.
struct SlotRef {
    uint64_t* value = nullptr;
    Taint* taint = nullptr;  // null: the field keeps no provenance (selectors: the vCPU's own)
    uint64_t constant = 0;   // read-only capability
};

// `prefix<i>` with i < n: true and the index.
bool indexed(const std::string& name, const std::string& prefix, unsigned n, unsigned& i) {
    if (name.size() != prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0) return false;
    const char d = name.back();
    if (d < '0' || unsigned(d - '0') >= n) return false;
    i = unsigned(d - '0');
    return true;
}

// Resolves a vCPU or capability slot; `v` null checks the name only. False if not one.
bool vcpu_slot(const std::string& name, KvmVpmu* v, SlotRef& out, bool& readonly) {
    KvmPmuState dummy;  // name checks only
    KvmPmuState& s = v ? v->st : dummy;
    unsigned i = 0;
    readonly = false;
    if (indexed(name, "vcpu.pmc", kMaxGpCounters, i)) out = {&s.gp[i], &s.gp_t[i]};
    else if (indexed(name, "vcpu.eventsel_hw", kMaxGpCounters, i)) out = {&s.eventsel_hw[i], nullptr};
    else if (indexed(name, "vcpu.fixed", kMaxFixedCounters, i)) out = {&s.fixed[i], &s.fixed_t[i]};
    else if (name == "vcpu.fixed_ctr_ctrl_hw") out = {&s.fixed_ctr_ctrl_hw, nullptr};
    else if (name == "vcpu.global_ctrl") out = {&s.global_ctrl, nullptr};
    else if (name == "vcpu.global_status") out = {&s.global_status, &s.global_status_t};
    else if (name == "vcpu.perf_metrics") out = {&s.perf_metrics, &s.perf_metrics_t};
    else {
        readonly = true;
        out = {};
        if (name == "cap.perf_metrics") out.constant = v && v->config.perf_metrics ? 1 : 0;
        else if (name == "cap.gp") out.constant = v ? v->config.num_gp : 0;
        else if (name == "cap.fixed") out.constant = v ? v->config.num_fixed : 0;
        else return false;
    }
    return true;
}

struct Value {
    uint64_t v = 0;
    Taint t = 0;
};

class Interpreter {
public:
    explicit Interpreter(StepContext& c) : c_(c) {}

    void run(const std::vector<CustomOp>& ops) {
        for (const CustomOp& op : ops) one(op);
    }

private:
    Value get(const Operand& o) {
        if (o.slot.empty()) return {o.value, 0};
        SlotRef r;
        bool ro = false;
        if (vcpu_slot(o.slot, &c_.vcpu(), r, ro))
            return ro ? Value{r.constant, 0} : Value{*r.value, r.taint ? *r.taint : taint_of(c_.vcpu().ctx)};
        auto it = locals_.find(o.slot);
        return it == locals_.end() ? Value{} : it->second;
    }

    void put(const std::string& slot, Value x) {
        if (slot.empty()) return;
        SlotRef r;
        bool ro = false;
        if (!vcpu_slot(slot, &c_.vcpu(), r, ro)) {
            locals_[slot] = x;
            return;
        }
        *r.value = x.v;  // the reader refuses writes to capabilities
        if (r.taint) *r.taint = x.t;
    }

    static uint64_t alu(CustomOp::Alu k, uint64_t a, uint64_t b) {
        switch (k) {
            case CustomOp::Alu::Copy: return a;
            case CustomOp::Alu::And: return a & b;
            case CustomOp::Alu::Or: return a | b;
            case CustomOp::Alu::Xor: return a ^ b;
            case CustomOp::Alu::Add: return a + b;
            case CustomOp::Alu::Sub: return a - b;
            case CustomOp::Alu::Shl: return b > 63 ? 0 : a << b;
            case CustomOp::Alu::Shr: return b > 63 ? 0 : a >> b;
            case CustomOp::Alu::AndNot: return a & ~b;
        }
        return 0;
    }

    void one(const CustomOp& op) {
        switch (op.kind) {
            case CustomOp::Kind::Rdmsr: {
                const KvmHw::Result r = c_.rdmsr(op.index);
                put(op.into, {r.value, r.taint});
                break;
            }
            case CustomOp::Kind::Rdpmc: {
                const KvmHw::Result r = c_.rdpmc(op.index);
                put(op.into, {r.value, r.taint});
                break;
            }
            case CustomOp::Kind::Wrmsr: wrmsr(op); break;
            case CustomOp::Kind::Let: {
                const Value a = get(op.a), b = get(op.b);
                // Provenance of a computed value: every context either operand came from.
                put(op.into, {alu(op.alu, a.v, b.v), op.alu == CustomOp::Alu::Copy ? a.t : Taint(a.t | b.t)});
                break;
            }
            case CustomOp::Kind::IfNonzero: run(get(op.a).v != 0 ? op.then : op.otherwise); break;
            case CustomOp::Kind::IfDiffers: run(get(op.a).v != get(op.b).v ? op.then : op.otherwise); break;
        }
    }

    void wrmsr(const CustomOp& op) {
        const Value x = get(op.a);
        c_.wrmsr(op.index, x.v, x.t);
        KvmVpmu& v = c_.vcpu();
        // A restore of non-zero PERF_METRICS rounds each field to 8 bits, as load_perf_metrics
        // does: the checkers' tolerance grows with the slots it covers (docs/virtualization.md).
        if (op.index == msr::kPerfMetrics && x.v && v.config.perf_metrics) v.pm_restored += v.st.fixed[3];
    }

    StepContext& c_;
    std::map<std::string, Value> locals_;
};

// The register group of an MSR address or RDPMC ECX.
std::string msr_group(uint32_t a) {
    if ((a >= msr::kPmc0 && a < msr::kPmc0 + kMaxGpCounters) || (a >= msr::kAPmc0 && a < msr::kAPmc0 + kMaxGpCounters)) return "PMC";
    if (a >= msr::kPerfEvtSel0 && a < msr::kPerfEvtSel0 + kMaxGpCounters) return "PERFEVTSEL";
    if (a == msr::kFixedCtr0 + 3) return "FIXED_CTR3";
    if (a >= msr::kFixedCtr0 && a < msr::kFixedCtr0 + kMaxFixedCounters) return "FIXED_CTR";
    if (a == msr::kFixedCtrCtrl) return "FIXED_CTR_CTRL";
    if (a == msr::kGlobalCtrl) return "GLOBAL_CTRL";
    if (a == msr::kGlobalStatus || a == msr::kGlobalStatusReset || a == msr::kGlobalStatusSet) return "GLOBAL_STATUS";
    if (a == msr::kPerfMetrics) return "PERF_METRICS";
    return "MSR";
}
std::string rdpmc_group(uint32_t ecx) {
    const RdpmcRef r = decode_rdpmc(ecx);
    if (r.type == RdpmcRef::Type::Metrics) return "PERF_METRICS";
    if (r.type == RdpmcRef::Type::Fixed) return r.index == 3 ? "FIXED_CTR3" : "FIXED_CTR";
    return "PMC";
}

void footprint(const std::vector<CustomOp>& ops, std::vector<std::string>& r, std::vector<std::string>& w) {
    auto add = [](std::vector<std::string>& v, const std::string& g) {
        if (std::find(v.begin(), v.end(), g) == v.end()) v.push_back(g);
    };
    for (const CustomOp& op : ops) {
        if (op.kind == CustomOp::Kind::Rdmsr) add(r, msr_group(op.index));
        if (op.kind == CustomOp::Kind::Rdpmc) add(r, rdpmc_group(op.index));
        if (op.kind == CustomOp::Kind::Wrmsr) add(w, msr_group(op.index));
        footprint(op.then, r, w);
        footprint(op.otherwise, r, w);
    }
}

}  // namespace

bool custom_alu_named(const std::string& name, CustomOp::Alu& out) {
    for (auto& [n, a] : kAlu)
        if (name == n) {
            out = a;
            return true;
        }
    return false;
}

const char* custom_alu_name(CustomOp::Alu a) {
    for (auto& [n, k] : kAlu)
        if (k == a) return n;
    return "?";
}

std::string custom_slot_problem(const std::string& name, bool written) {
    if (name.find('.') == std::string::npos) return {};
    SlotRef r;
    bool ro = false;
    if (!vcpu_slot(name, nullptr, r, ro))
        return "no slot " + name + " (vCPU slots: vcpu.pmc<i>, vcpu.eventsel_hw<i>, vcpu.fixed<i>, vcpu.fixed_ctr_ctrl_hw, "
               "vcpu.global_ctrl, vcpu.global_status, vcpu.perf_metrics; read-only: cap.perf_metrics, cap.gp, cap.fixed; "
               "a local is a name without a dot)";
    if (ro && written) return name + " is read-only (the guest's vPMU)";
    return {};
}

void custom_footprint(const std::vector<CustomOp>& ops, std::vector<std::string>& reads, std::vector<std::string>& writes) {
    footprint(ops, reads, writes);
}

void run_custom_ops(const std::vector<CustomOp>& ops, StepContext& c) { Interpreter(c).run(ops); }

}  // namespace pmusim

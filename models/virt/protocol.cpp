#include "models/virt/protocol.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

namespace pmusim {

const char* path_name(Path p) { return p == Path::Load ? "load" : "exit"; }

namespace {

// Register groups used in footprints. "counters" = GP and fixed counter values; "enables" are
// the registers that decide whether a counter counts.
const std::set<std::string> kEnables = {"GLOBAL_CTRL", "PERFEVTSEL", "FIXED_CTR_CTRL"};
const std::set<std::string> kCounting = {"PMC", "FIXED_CTR", "FIXED_CTR3", "PERF_METRICS", "GLOBAL_STATUS"};

StepInfo S(std::string n, Path p, bool med, std::vector<std::string> r, std::vector<std::string> w, std::string what,
           std::string src) {
    StepInfo s;
    s.name = std::move(n);
    s.path = p;
    s.mediated = med;
    s.reads = std::move(r);
    s.writes = std::move(w);
    s.what = std::move(what);
    s.source = std::move(src);
    return s;
}

}  // namespace

const std::vector<StepInfo>& step_library() {
    using P = Path;
    static const std::vector<StepInfo> lib = {
        // Mediated load path, reference §4.4.
        S("perf_load_guest_context", P::Load, true, {"PMC", "FIXED_CTR", "FIXED_CTR3", "PERF_METRICS"},
          {"GLOBAL_CTRL", "PERFEVTSEL", "FIXED_CTR_CTRL"},
          "host perf schedules out its exclude_guest events (saves counts, FIXED_CTR3/PERF_METRICS without reset)",
          "§4.4 step 1; perf 'Add APIs to load/put guest mediated PMU context'"),
        S("zero_global_ctrl", P::Load, true, {}, {"GLOBAL_CTRL"}, "WRMSR GLOBAL_CTRL = 0 before loading guest state",
          "§4.4 step 2; kvm_mediated_pmu_load comment"),
        S("load_guest_lvtpc", P::Load, true, {}, {"LVTPC"}, "LVTPC := mediated PMI vector, mask from the guest LVTPC",
          "§4.4 step 3; perf_load_guest_lvtpc"),
        S("load_guest_pmcs", P::Load, true, {"PMC", "FIXED_CTR", "FIXED_CTR3"}, {"PMC", "PERFEVTSEL", "FIXED_CTR", "FIXED_CTR3"},
          "per exposed counter: RDPMC, WRMSR the saved value if it differs; WRMSR eventsel_hw",
          "§4.4 step 4; kvm_pmu_load_guest_pmcs (v6 34/44 elides matching values)"),
        S("load_perf_metrics", P::Load, true, {"FIXED_CTR3"}, {"PERF_METRICS"},
          "WRMSR PERF_METRICS = saved value, right after FIXED_CTR3 (guests with PERF_METRICS)",
          "§4.4 step 5a; PM-3 intel_mediated_pmu_load"),
        S("load_global_status", P::Load, true, {"GLOBAL_STATUS"}, {"GLOBAL_STATUS"},
          "restore GLOBAL_STATUS by toggling: STATUS_RESET = H & (G^H), STATUS_SET = G & (G^H)",
          "§4.4 step 5b; intel_mediated_pmu_load"),
        S("load_fixed_ctr_ctrl", P::Load, true, {}, {"FIXED_CTR_CTRL"}, "WRMSR FIXED_CTR_CTRL = fixed_ctr_ctrl_hw",
          "§4.4 step 5c"),
        S("vmentry", P::Load, true, {}, {"GLOBAL_CTRL"},
          "VM-entry: load GUEST_IA32_PERF_GLOBAL_CTRL (VM-entry control bit 13)", "§4.4 step 6; §4.6"),
        // Mediated exit path, reference §4.5.
        S("vmexit", P::Exit, true, {"GLOBAL_CTRL"}, {"GLOBAL_CTRL"},
          "VM-exit: save the guest GLOBAL_CTRL (VMCS or MSR-store list), load the host value 0",
          "§4.5 step 0; V6-21 vmx_set_constant_host_state"),
        S("put_global_status", P::Exit, true, {"GLOBAL_STATUS"}, {"GLOBAL_STATUS"},
          "RDMSR GLOBAL_STATUS into the vCPU; STATUS_RESET it if non-zero", "§4.5 step 1a; intel_mediated_pmu_put"),
        S("put_fixed_ctr_ctrl", P::Exit, true, {}, {"FIXED_CTR_CTRL"}, "WRMSR FIXED_CTR_CTRL = 0 if the guest's is non-zero",
          "§4.5 step 1b; intel_mediated_pmu_put"),
        S("put_perf_metrics", P::Exit, true, {"PERF_METRICS", "FIXED_CTR3"}, {"PERF_METRICS"},
          "RDPMC PERF_METRICS into the vCPU; WRMSR PERF_METRICS = 0 if non-zero", "§4.5 step 1c; PM-3"),
        S("put_guest_pmcs", P::Exit, true, {"PMC", "FIXED_CTR", "FIXED_CTR3"}, {"PMC", "PERFEVTSEL", "FIXED_CTR", "FIXED_CTR3"},
          "per exposed counter: RDPMC into the vCPU, zero the counter and the selector", "§4.5 step 2; kvm_pmu_put_guest_pmcs"),
        S("put_guest_lvtpc", P::Exit, true, {}, {"LVTPC"}, "LVTPC back to NMI", "§4.5 step 3; perf_put_guest_lvtpc"),
        S("perf_put_guest_context", P::Exit, true, {}, {"GLOBAL_CTRL", "PERFEVTSEL", "FIXED_CTR_CTRL", "PMC", "FIXED_CTR", "FIXED_CTR3", "PERF_METRICS"},
          "host perf schedules its events back in (restores FIXED_CTR3 then PERF_METRICS if it saved slots)",
          "§4.5 step 4; icl_set_topdown_event_period"),
        // Variant steps (to replace the ones above).
        S("load_guest_pmcs_no_elide", P::Load, true, {}, {"PMC", "PERFEVTSEL", "FIXED_CTR", "FIXED_CTR3"},
          "load_guest_pmcs without the RDPMC check: always WRMSR", "variant of §4.4 step 4 (pre-v6 behaviour)"),
        S("load_global_status_set_only", P::Load, true, {}, {"GLOBAL_STATUS"},
          "STATUS_SET = G only, stale bits left set", "variant of §4.4 step 5b"),
        S("put_perf_metrics_save_only", P::Exit, true, {"PERF_METRICS", "FIXED_CTR3"}, {},
          "save PERF_METRICS but leave it in hardware", "variant of §4.5 step 1c"),
        S("put_guest_pmcs_keep_selectors", P::Exit, true, {"PMC", "FIXED_CTR", "FIXED_CTR3"}, {"PMC", "FIXED_CTR", "FIXED_CTR3"},
          "save and zero the counters, leave the selectors", "variant of §4.5 step 2"),
        S("vmexit_no_host_load", P::Exit, true, {"GLOBAL_CTRL"}, {},
          "VM-exit saves the guest GLOBAL_CTRL but does not load the host's 0 (exit control bit 12 clear)",
          "variant of §4.5 step 0"),
        S("vmexit_no_save", P::Exit, true, {}, {"GLOBAL_CTRL"},
          "VM-exit loads the host's 0 but keeps no copy of the guest GLOBAL_CTRL", "variant of §4.5 step 0"),
        // Legacy (perf-event-backed) vPMU, reference §4.11 and §4.6.
        S("legacy_reprogram", P::Load, false, {}, {"PERFEVTSEL", "FIXED_CTR_CTRL", "PMC"},
          "create/update the host perf events that back the guest counters (pmc_reprogram_counter)",
          "§4.11; KVM-PMU pmc_reprogram_counter"),
        S("atomic_switch_perf_msrs", P::Load, false, {}, {"GLOBAL_CTRL"},
          "VMCS guest/host GLOBAL_CTRL from perf_guest_get_msrs: guest = backing counters, host = host counters",
          "§4.6; atomic_switch_perf_msrs"),
        S("legacy_vmentry", P::Load, false, {}, {"GLOBAL_CTRL"}, "VM-entry loads the guest GLOBAL_CTRL computed by perf",
          "§4.6"),
        S("legacy_vmexit", P::Exit, false, {}, {"GLOBAL_CTRL"}, "VM-exit loads the host GLOBAL_CTRL computed by perf", "§4.6"),
    };
    return lib;
}

const StepInfo* find_step(const std::string& name) {
    for (auto& s : step_library())
        if (s.name == name) return &s;
    return nullptr;
}

std::string ProtocolEdit::describe() const {
    switch (kind) {
        case Kind::Remove: return "remove:" + a;
        case Kind::Swap: return "swap:" + a + "," + b;
        case Kind::MoveBefore: return "move:" + a + ",before=" + b;
        case Kind::MoveAfter: return "move:" + a + ",after=" + b;
        case Kind::Replace: return "replace:" + a + "=" + b;
        case Kind::Insert: return "insert:" + a + ",before=" + b;
    }
    return "?";
}

ProtocolEdit parse_protocol_edit(const std::string& s) {
    auto bad = [&](const std::string& why) {
        return std::invalid_argument("protocol edit '" + s + "': " + why +
                                     " (forms: remove:X, swap:X,Y, move:X,before=Y, move:X,after=Y, replace:X=Y, insert:X,before=Y)");
    };
    const auto colon = s.find(':');
    if (colon == std::string::npos) throw bad("missing ':'");
    const std::string verb = s.substr(0, colon), rest = s.substr(colon + 1);
    ProtocolEdit e;
    auto split2 = [&](char sep) {
        const auto p = rest.find(sep);
        if (p == std::string::npos || p == 0 || p + 1 == rest.size()) throw bad(std::string("expected two names separated by '") + sep + "'");
        return std::make_pair(rest.substr(0, p), rest.substr(p + 1));
    };
    if (verb == "remove") {
        if (rest.empty()) throw bad("no step named");
        e.kind = ProtocolEdit::Kind::Remove;
        e.a = rest;
    } else if (verb == "swap") {
        auto [x, y] = split2(',');
        e.kind = ProtocolEdit::Kind::Swap;
        e.a = x;
        e.b = y;
    } else if (verb == "replace") {
        auto [x, y] = split2('=');
        e.kind = ProtocolEdit::Kind::Replace;
        e.a = x;
        e.b = y;
    } else if (verb == "move" || verb == "insert") {
        auto [x, y] = split2(',');
        if (y.rfind("before=", 0) == 0) e.kind = verb == "move" ? ProtocolEdit::Kind::MoveBefore : ProtocolEdit::Kind::Insert;
        else if (y.rfind("after=", 0) == 0 && verb == "move") e.kind = ProtocolEdit::Kind::MoveAfter;
        else throw bad("expected before=STEP" + std::string(verb == "move" ? " or after=STEP" : ""));
        e.a = x;
        e.b = y.substr(y.find('=') + 1);
    } else {
        throw bad("unknown verb '" + verb + "'");
    }
    return e;
}

Protocol Protocol::builtin(const std::string& name) {
    Protocol p;
    p.name_ = name;
    if (name == "mediated") {
        p.load_ = {"perf_load_guest_context", "zero_global_ctrl", "load_guest_lvtpc", "load_guest_pmcs",
                   "load_perf_metrics", "load_global_status", "load_fixed_ctr_ctrl", "vmentry"};
        p.exit_ = {"vmexit", "put_global_status", "put_fixed_ctr_ctrl", "put_perf_metrics",
                   "put_guest_pmcs", "put_guest_lvtpc", "perf_put_guest_context"};
    } else if (name == "legacy") {
        p.mediated_ = false;
        p.load_ = {"legacy_reprogram", "atomic_switch_perf_msrs", "legacy_vmentry"};
        p.exit_ = {"legacy_vmexit"};
    } else {
        throw std::invalid_argument("protocol: unknown protocol '" + name + "' (known: mediated, legacy)");
    }
    return p;
}

const StepInfo* Protocol::step(const std::string& name) const {
    for (auto& s : custom_)
        if (s.name == name) return &s;
    return find_step(name);
}

void Protocol::add_custom_step(StepInfo s) {
    if (find_step(s.name)) throw std::invalid_argument("steps." + s.name + ": a built-in step has this name");
    s.custom = true;
    custom_.push_back(std::move(s));
}

void Protocol::apply(const ProtocolEdit& e) {
    auto locate = [&](const std::string& n) -> std::pair<std::vector<std::string>*, size_t> {
        for (auto* v : {&load_, &exit_}) {
            auto it = std::find(v->begin(), v->end(), n);
            if (it != v->end()) return {v, size_t(it - v->begin())};
        }
        throw std::invalid_argument("protocol edit '" + e.describe() + "': step '" + n + "' is not in the " + name_ +
                                    " protocol");
    };
    auto known = [&](const std::string& n) {
        const StepInfo* s = step(n);
        if (!s) throw std::invalid_argument("protocol edit '" + e.describe() + "': no step named '" + n + "'");
        return s;
    };
    switch (e.kind) {
        case ProtocolEdit::Kind::Remove: {
            auto [v, i] = locate(e.a);
            v->erase(v->begin() + long(i));
            break;
        }
        case ProtocolEdit::Kind::Swap: {
            auto [va, ia] = locate(e.a);
            auto [vb, ib] = locate(e.b);
            if (va != vb) throw std::invalid_argument("protocol edit '" + e.describe() + "': the steps are on different paths");
            std::swap((*va)[ia], (*vb)[ib]);
            break;
        }
        case ProtocolEdit::Kind::MoveBefore:
        case ProtocolEdit::Kind::MoveAfter: {
            auto [va, ia] = locate(e.a);
            std::string n = (*va)[ia];
            va->erase(va->begin() + long(ia));
            auto [vb, ib] = locate(e.b);
            if (va != vb) {
                va->insert(va->begin() + long(ia), n);
                throw std::invalid_argument("protocol edit '" + e.describe() + "': the steps are on different paths");
            }
            vb->insert(vb->begin() + long(ib + (e.kind == ProtocolEdit::Kind::MoveAfter ? 1 : 0)), n);
            break;
        }
        case ProtocolEdit::Kind::Replace: {
            auto [v, i] = locate(e.a);
            known(e.b);
            (*v)[i] = e.b;
            break;
        }
        case ProtocolEdit::Kind::Insert: {
            known(e.a);
            auto [v, i] = locate(e.b);
            v->insert(v->begin() + long(i), e.a);
            break;
        }
    }
    edits_.push_back(e);
}

std::string Protocol::describe() const {
    std::ostringstream os;
    os << name_;
    for (auto& e : edits_) os << " " << e.describe();
    return os.str();
}

std::vector<std::pair<std::string, std::string>> Protocol::order_sensitive_pairs(Path p) const {
    auto expand = [](const std::vector<std::string>& regs) {
        std::set<std::string> s(regs.begin(), regs.end());
        return s;
    };
    auto intersects = [](const std::set<std::string>& a, const std::set<std::string>& b) {
        for (auto& x : a)
            if (b.count(x)) return true;
        return false;
    };
    const auto& v = steps(p);
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = i + 1; j < v.size(); ++j) {
            const StepInfo* a = step(v[i]);
            const StepInfo* b = step(v[j]);
            if (!a || !b) continue;
            auto ra = expand(a->reads), wa = expand(a->writes), rb = expand(b->reads), wb = expand(b->writes);
            std::set<std::string> ta = ra, tb = rb;
            ta.insert(wa.begin(), wa.end());
            tb.insert(wb.begin(), wb.end());
            bool conflict = intersects(wa, tb) || intersects(wb, ra);
            // A changed enable makes counting state move under the other step (and PMIs fire).
            conflict = conflict || (intersects(wa, kEnables) && (intersects(tb, kCounting) || tb.count("LVTPC"))) ||
                       (intersects(wb, kEnables) && (intersects(ta, kCounting) || ta.count("LVTPC")));
            if (conflict) out.emplace_back(v[i], v[j]);
        }
    return out;
}

}  // namespace pmusim

#include "models/virt/protocol.h"

#include "models/virt/step_context.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

#include "models/core/quote_value.h"

namespace pmusim {

const char* path_name(Path p) { return p == Path::Load ? "load" : "exit"; }

namespace {

// Register groups used in footprints. "counters" = GP and fixed counter values; "enables" are
// the registers that decide whether a counter counts.
const std::set<std::string> kEnables = {"GLOBAL_CTRL", "PERFEVTSEL", "FIXED_CTR_CTRL"};
const std::set<std::string> kCounting = {"PMC", "FIXED_CTR", "FIXED_CTR3", "PERF_METRICS", "GLOBAL_STATUS"};

}  // namespace

StepInfo step(std::string n, Path p, bool med, std::vector<std::string> r, std::vector<std::string> w, std::string what,
              std::string src, void (&behaviour)(StepContext&)) {
    StepInfo s;
    s.name = std::move(n);
    s.path = p;
    s.mediated = med;
    s.reads = std::move(r);
    s.writes = std::move(w);
    s.what = std::move(what);
    s.source = std::move(src);
    s.behaviour = behaviour;
    return s;
}

const std::vector<StepInfo>& step_library() {
    static const std::vector<StepInfo> lib = [] {
        std::vector<StepInfo> v = mediated_steps();
        for (auto& s : legacy_steps()) v.push_back(s);
        return v;
    }();
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
        return std::invalid_argument("protocol edit " + quote_value(s) + ": " + why +
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
        throw bad("unknown verb " + quote_value(verb));
    }
    return e;
}

bool is_fastpath_step(const std::string& name) {
    return name == "vmentry" || name == "legacy_vmentry" || name.rfind("vmexit", 0) == 0 || name == "legacy_vmexit" ||
           name == "atomic_switch_perf_msrs";
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
        throw std::invalid_argument("protocol: unknown protocol " + quote_value(name) + " (known: mediated, legacy)");
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
    // Its footprint is what its operations touch; the vCPU's software copy is no register.
    custom_footprint(s.ops, s.reads, s.writes);
    s.behaviour = [ops = s.ops](StepContext& c) { run_custom_ops(ops, c); };
    custom_.push_back(std::move(s));
}

void Protocol::apply(const ProtocolEdit& e) {
    auto locate = [&](const std::string& n) -> std::pair<std::vector<std::string>*, size_t> {
        for (auto* v : {&load_, &exit_}) {
            auto it = std::find(v->begin(), v->end(), n);
            if (it != v->end()) return {v, size_t(it - v->begin())};
        }
        throw std::invalid_argument("protocol edit " + quote_value(e.describe()) + ": step " + quote_value(n) + " is not in the " + name_ +
                                    " protocol");
    };
    auto known = [&](const std::string& n) {
        const StepInfo* s = step(n);
        if (!s) throw std::invalid_argument("protocol edit " + quote_value(e.describe()) + ": no step named " + quote_value(n));
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
            if (va != vb) throw std::invalid_argument("protocol edit " + quote_value(e.describe()) + ": the steps are on different paths");
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
                throw std::invalid_argument("protocol edit " + quote_value(e.describe()) + ": the steps are on different paths");
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

#include "sim/virt/vmm_reader.h"

#include <algorithm>

#include "sim/virt/event_filter_reader.h"
#include "sim/virt/program_reader.h"

namespace pmusim {

PmuCpuid read_cpuid(const YamlReader& r, const YAML::Node& n, const std::string& path, const PmuCpuid& supported) {
    require_keys(r, n, path, {"version", "num_gp", "gp_width", "mask_length", "ebx", "num_fixed", "fixed_width",
                              "fixed_bitmap", "pdcm"});
    PmuCpuid c = supported;
    auto u = [&](const char* k, unsigned& v) {
        if (n[k]) {
            const uint64_t x = read_u64(r, n[k], path + "." + k);
            if (x > 255) r.fail(n[k], path + "." + k, "a CPUID field of at most 8 bits");
            v = unsigned(x);
        }
    };
    u("version", c.version);
    u("num_gp", c.num_gp);
    u("gp_width", c.gp_width);
    u("mask_length", c.mask_length);
    u("num_fixed", c.num_fixed);
    u("fixed_width", c.fixed_width);
    if (n["ebx"]) c.ebx = uint32_t(read_u64(r, n["ebx"], path + ".ebx"));
    if (n["fixed_bitmap"]) c.fixed_bitmap = uint32_t(read_u64(r, n["fixed_bitmap"], path + ".fixed_bitmap"));
    if (n["pdcm"]) c.pdcm = r.boolean(n["pdcm"], path + ".pdcm");
    return c;
}

namespace {
VmmAction read_action(const YamlReader& r, const YAML::Node& a, const std::string& at) {
    require_keys(r, a, at, {"at", "vcpu", "set_msrs", "get_msrs", "expect", "reset", "migrate", "event_filter"});
    VmmAction x;
    x.where = r.place(a) + ": " + at;
    if (!a["at"]) r.fail(a, at + ".at", "the cycle of the action is missing");
    x.at = r.count(a["at"], at + ".at", 0);
    if (auto f = a["event_filter"]) {
        // A VM ioctl: no vCPU. Every vCPU reprograms at its next VM-entry.
        if (a.size() != 2) r.fail(a, at, "event_filter takes only at:");
        x.kind = VmmAction::Kind::EventFilter;
        x.filter = std::make_shared<const EventFilter>(read_event_filter(r, f, at + ".event_filter"));
        return x;
    }
    if (!a["vcpu"]) r.fail(a, at + ".vcpu", "the vCPU (guest name) is missing");
    x.vcpu = r.text(a["vcpu"], at + ".vcpu");
    const int kinds = bool(a["set_msrs"]) + bool(a["get_msrs"]) + bool(a["reset"]) + bool(a["migrate"]);
    if (kinds != 1) r.fail(a, at, "expected exactly one of set_msrs, get_msrs, reset, migrate");
    if (auto m = a["migrate"]) {
        x.kind = VmmAction::Kind::Migrate;
        if (m.IsScalar()) {
            if (!r.boolean(m, at + ".migrate")) r.fail(m, at + ".migrate", "write migrate: true, or leave it out");
            return x;
        }
        require_keys(r, m, at + ".migrate", {"msrs", "omit", "to"});
        if (auto t = m["to"]) {
            // `to: destination`: the scenario's second host (without: a fresh vCPU on this host).
            if (r.text(t, at + ".migrate.to") != "destination")
                r.fail(t, at + ".migrate.to", "expected destination (the scenario's destination: host), got " + quote_value(t.Scalar()));
            x.to_destination = true;
        }
        // `msrs`: the VMM's own list and order (default: KVM's msrs_to_save); `omit`: MSRs it does not know.
        for (const char* k : {"msrs", "omit"})
            if (auto l = m[k]) {
                if (!l.IsSequence()) r.fail(l, at + ".migrate." + k, "expected a list of MSRs");
                for (size_t i = 0; i < l.size(); ++i)
                    (std::string(k) == "msrs" ? x.get : x.omit).push_back(read_msr(r, l[i], at + ".migrate." + k));
            }
        return x;
    }
    if (a["expect"] && !a["get_msrs"]) r.fail(a["expect"], at + ".expect", "only get_msrs has expectations");
    if (auto s = a["set_msrs"]) {
        x.kind = VmmAction::Kind::SetMsrs;
        // A list of {msr: value} keeps the order KVM_SET_MSRS processes (it matters: FIXED_CTR3
        // before PERF_METRICS).
        if (!s.IsSequence()) r.fail(s, at + ".set_msrs", "expected a list of {MSR: value} in the order to set them");
        for (size_t i = 0; i < s.size(); ++i) {
            const std::string p = at + ".set_msrs[" + std::to_string(i) + "]";
            if (!s[i].IsMap() || s[i].size() != 1) r.fail(s[i], p, "expected one {MSR: value}");
            for (auto kv : s[i]) x.set.push_back({read_msr(r, kv.first, p), read_u64(r, kv.second, p)});
        }
    } else if (auto g = a["get_msrs"]) {
        x.kind = VmmAction::Kind::GetMsrs;
        if (!g.IsSequence()) r.fail(g, at + ".get_msrs", "expected a list of MSRs");
        for (size_t i = 0; i < g.size(); ++i) x.get.push_back(read_msr(r, g[i], at + ".get_msrs[" + std::to_string(i) + "]"));
        x.expect.assign(x.get.size(), Expectation{});
        if (auto e = a["expect"]) {
            r.require_map(e, at + ".expect");
            for (auto kv : e) {
                const uint32_t m = read_msr(r, kv.first, at + ".expect");
                const auto it = std::find(x.get.begin(), x.get.end(), m);
                if (it == x.get.end()) r.fail(kv.first, at + ".expect", "expects an MSR that get_msrs does not read");
                x.expect[size_t(it - x.get.begin())] = read_expectation(r, kv.second, at + ".expect." + kv.first.Scalar());
            }
        }
    } else {
        x.kind = VmmAction::Kind::Reset;
        if (!r.boolean(a["reset"], at + ".reset")) r.fail(a["reset"], at + ".reset", "write reset: true, or leave it out");
    }
    return x;
}
}  // namespace

std::vector<VmmAction> read_vmm_actions(const YamlReader& r, const YAML::Node& n, const std::string& path) {
    if (!n.IsSequence()) r.fail(n, path, "expected a list of actions");
    std::vector<VmmAction> out;
    for (size_t i = 0; i < n.size(); ++i) out.push_back(read_action(r, n[i], path + "[" + std::to_string(i) + "]"));
    std::stable_sort(out.begin(), out.end(), [](const VmmAction& a, const VmmAction& b) { return a.at < b.at; });
    return out;
}

}  // namespace pmusim

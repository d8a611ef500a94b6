#include "sim/virt/event_filter_reader.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>

namespace pmusim {

namespace {

class FilterReader {
public:
    explicit FilterReader(const YamlReader& r) : r_(r) {}

    EventFilter filter(const YAML::Node& n, const std::string& path) const {
        keys(n, path, {"action", "events", "masked", "fixed_counter_bitmap", "flags"});
        EventFilter f;
        if (n["action"]) f.action = action(n["action"], path + ".action");
        if (n["events"] && n["masked"])
            r_.fail(n["masked"], path + ".masked", "give events or masked: KVM takes one kind of entry per filter");
        if (auto e = n["events"]) entries(e, path + ".events", false, f);
        if (auto e = n["masked"]) {
            entries(e, path + ".masked", true, f);
            f.flags = kvm_filter::kFlagMaskedEvents;
        }
        if (n["fixed_counter_bitmap"]) f.fixed_counter_bitmap = u32(n["fixed_counter_bitmap"], path + ".fixed_counter_bitmap");
        if (n["flags"]) f.flags = u32(n["flags"], path + ".flags");
        if (auto err = f.check())
            r_.fail(node_of(n, *err), path + "." + field_of(n, *err), "KVM refuses the filter: " + err->error + ": " + err->reason);
        return f;
    }

private:
    void keys(const YAML::Node& n, const std::string& path, const std::set<std::string>& known) const {
        r_.require_map(n, path);
        for (auto kv : n) {
            const std::string k = r_.text(kv.first, path);
            if (known.count(k)) continue;
            std::string list;
            for (auto& x : known) list += (list.empty() ? "" : ", ") + x;
            r_.fail(kv.first, path + "." + k, "unknown key (known: " + list + ")");
        }
    }

    // A 64-bit whole number, decimal or 0x hex, exactly (a double would round raw entries).
    uint64_t u64(const YAML::Node& n, const std::string& path) const {
        if (!n.IsScalar()) r_.fail(n, path, "expected a whole number");
        const std::string s = n.Scalar();
        char* end = nullptr;
        errno = 0;
        const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
        if (s.empty() || s[0] == '-' || s[0] == '+' || *end != '\0' || errno == ERANGE)
            r_.fail(n, path, "expected a 64-bit whole number (decimal or 0x hex), got " + quote_value(s));
        return v;
    }
    uint64_t bounded(const YAML::Node& n, const std::string& path, uint64_t max, const char* what) const {
        const uint64_t v = u64(n, path);
        if (v > max) r_.fail(n, path, std::string(what) + " has at most " + bits_of(max) + ", got " + quote_value(n.Scalar()));
        return v;
    }
    uint32_t u32(const YAML::Node& n, const std::string& path) const {
        return uint32_t(bounded(n, path, 0xffffffffu, "a __u32 of struct kvm_pmu_event_filter"));
    }
    static std::string bits_of(uint64_t max) { return std::to_string(64 - __builtin_clzll(max)) + " bits"; }

    // allow | deny, or the raw number userspace passes (anything else is KVM's EINVAL).
    uint32_t action(const YAML::Node& n, const std::string& path) const {
        const std::string s = r_.text(n, path);
        if (s == "allow") return kvm_filter::kAllow;
        if (s == "deny") return kvm_filter::kDeny;
        if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])))
            r_.fail(n, path, "expected allow, deny or the number KVM gets, got " + quote_value(s));
        return u32(n, path);
    }

    // An unmasked entry: a raw 64-bit entry or {event, umask}; a masked one: a raw entry or
    // {event, mask, match, exclude} (KVM_PMU_ENCODE_MASKED_ENTRY). `event` is the 12-bit event
    // select of the uapi encodings (bits 11:8 go to 35:32).
    void entries(const YAML::Node& list, const std::string& path, bool masked, EventFilter& f) const {
        if (!list.IsSequence()) r_.fail(list, path, "expected a list of entries");
        size_t i = 0;
        for (auto e : list) {
            const std::string at = path + "[" + std::to_string(i++) + "]";
            if (e.IsScalar()) {
                f.events.push_back(u64(e, at));
                continue;
            }
            static const std::set<std::string> kMasked{"event", "mask", "match", "exclude"}, kPlain{"event", "umask"};
            keys(e, at, masked ? kMasked : kPlain);
            if (!e["event"]) r_.fail(e, at + ".event", "an entry needs its event select");
            const uint64_t sel = bounded(e["event"], at + ".event", 0xfff, "an event select");
            if (!masked) {
                const uint64_t umask = e["umask"] ? bounded(e["umask"], at + ".umask", 0xff, "a unit mask") : 0;
                f.events.push_back(kvm_filter::encode_event(sel, umask));
                continue;
            }
            const uint64_t mask = e["mask"] ? bounded(e["mask"], at + ".mask", 0xff, "a umask mask") : 0xff;
            const uint64_t match = e["match"] ? bounded(e["match"], at + ".match", 0xff, "a umask match") : 0;
            const bool exclude = e["exclude"] && r_.boolean(e["exclude"], at + ".exclude");
            f.events.push_back(kvm_filter::encode_masked(sel, mask, match, exclude));
        }
    }

    // Where KVM's complaint points in the file.
    static std::string field_of(const YAML::Node& n, const FilterError& e) {
        const std::string list = n["masked"] ? "masked" : "events";
        if (e.field == "nevents") return list;
        if (e.field.rfind("events[", 0) == 0) return list + e.field.substr(6);
        return e.field;
    }
    static YAML::Node node_of(const YAML::Node& n, const FilterError& e) {
        const YAML::Node list = n["masked"] ? n["masked"] : n["events"];
        if (e.field == "nevents") return list;
        if (e.field.rfind("events[", 0) == 0) return list[std::stoul(e.field.substr(7))];
        return n[e.field] ? n[e.field] : n;
    }

    const YamlReader& r_;
};

}  // namespace

EventFilter read_event_filter(const YamlReader& r, const YAML::Node& n, const std::string& path) {
    return FilterReader(r).filter(n, path);
}

EventFilter parse_event_filter_yaml(const std::string& text, const std::string& origin) {
    return read_yaml(text, origin, [&](const YAML::Node& root) { return read_event_filter(YamlReader(origin), root, "event_filter"); });
}

}  // namespace pmusim

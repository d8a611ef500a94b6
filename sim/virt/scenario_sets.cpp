#include "sim/virt/scenario_sets.h"

#include <functional>

namespace pmusim {

namespace {

// A copy without source marks: errors on a --set value name no line of the file.
YAML::Node unmarked(const YAML::Node& n) {
    if (n.IsScalar()) return YAML::Node(n.Scalar());
    YAML::Node out(n.IsSequence() ? YAML::NodeType::Sequence : n.IsMap() ? YAML::NodeType::Map : YAML::NodeType::Null);
    if (n.IsSequence())
        for (auto x : n) out.push_back(unmarked(x));
    if (n.IsMap())
        for (auto kv : n) out[kv.first.Scalar()] = unmarked(kv.second);
    return out;
}

std::vector<std::string> split_path(const std::string& p) {
    std::vector<std::string> out;
    size_t from = 0;
    for (size_t dot; (dot = p.find('.', from)) != std::string::npos; from = dot + 1) out.push_back(p.substr(from, dot - from));
    out.push_back(p.substr(from));
    return out;
}

// The entry of a list at `seg`: an index, or the entry whose name is `seg`; -1 if none.
long list_entry(const YAML::Node& list, const std::string& seg) {
    if (!seg.empty() && seg.size() < 6 && seg.find_first_not_of("0123456789") == std::string::npos) {
        const long i = std::stol(seg);
        return i < long(list.size()) ? i : -1;
    }
    for (size_t i = 0; i < list.size(); ++i)
        if (list[i].IsMap() && list[i]["name"] && list[i]["name"].IsScalar() && list[i]["name"].Scalar() == seg) return long(i);
    return -1;
}

YAML::Node value_of(const std::string& text, const std::function<std::invalid_argument(const std::string&)>& bad) {
    if (text.empty() || (text[0] != '[' && text[0] != '{')) return YAML::Node(text);
    try {
        return unmarked(YAML::Load(text));
    } catch (const YAML::Exception& e) {
        throw bad("the value is not YAML: " + printable(e.msg));
    }
}

void apply_one(YAML::Node root, const std::string& set, const std::string& origin) {
    const std::function<std::invalid_argument(const std::string&)> bad = [&](const std::string& why) {
        return std::invalid_argument("--set " + quote_value(set) + ": scenario " + printable(origin) + ": " + why);
    };
    const auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0) throw bad("expected path=value");
    const std::vector<std::string> path = split_path(set.substr(0, eq));
    const YAML::Node value = value_of(set.substr(eq + 1), bad);
    if (!root.IsMap()) throw bad("the file is not a mapping");
    YAML::Node cur;
    cur.reset(root);  // reset: rebinding (operator= would overwrite the node it refers to)
    std::string at;
    for (size_t i = 0; i < path.size(); ++i) {
        const std::string& seg = path[i];
        if (seg.empty()) throw bad("empty field name in the path");
        const bool last = i + 1 == path.size();
        at += (at.empty() ? "" : ".") + seg;
        YAML::Node next;
        if (cur.IsSequence()) {
            const long k = list_entry(cur, seg);
            if (k < 0)
                throw bad(at + ": no entry " + quote_value(seg) + " in the list (an index below " + std::to_string(cur.size()) +
                          " or an entry's name)");
            if (last) cur[size_t(k)] = value;
            else next.reset(cur[size_t(k)]);
        } else if (cur.IsMap()) {
            if (last) cur[seg] = value;
            else {
                if (!cur[seg]) cur[seg] = YAML::Node(YAML::NodeType::Map);
                next.reset(cur[seg]);
            }
        } else {
            throw bad(at + ": the field above it holds a value, not a mapping or a list");
        }
        if (!last) cur.reset(next);
    }
}

}  // namespace

void apply_scenario_sets(YAML::Node root, const std::vector<std::string>& sets, const std::string& origin) {
    for (const std::string& s : sets) apply_one(root, s, origin);
}

}  // namespace pmusim

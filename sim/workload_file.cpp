#include "sim/workload_file.h"

#include "sim/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace pmusim {

namespace {

class Reader : public YamlReader {
public:
    using YamlReader::YamlReader;

    PhaseDef phase(const std::string& name, const YAML::Node& n) const {
        const std::string at = "phases." + name;
        require_map(n, at);
        PhaseDef d;
        d.name = name;
        std::map<std::string, YAML::Node> fields;
        for (auto kv : n) {
            const std::string key = text(kv.first, at);
            const std::string path = at + "." + key;
            fields[key] = kv.second;
            if (key == "description") continue;
            if (key == "cycles") d.cycles = count(kv.second, path, 1, kMaxRunCycles);
            else if (key == "instructions") d.instructions = count(kv.second, path, 1, kMaxRunCycles);
            else if (key == "ipc") d.params.instructions = number(kv.second, path);
            else if (key == "slot_mix") {
                require_map(kv.second, path);
                d.params.slot_mix.fill(0.0);
                for (auto leaf : kv.second) {
                    const std::string ln = text(leaf.first, path);
                    const int k = leaf_index(ln);
                    if (k < 0) {
                        std::string known;
                        for (auto l : kLeafNames) known += std::string(" ") + l;
                        fail(leaf.first, path + "." + ln, "unknown TMA leaf (known:" + known + ")");
                    }
                    d.params.slot_mix[k] = number(leaf.second, path + "." + ln);
                    if (d.params.slot_mix[k] < 0) fail(leaf.second, path + "." + ln, "must be >= 0");
                }
            } else if (key == "mem_levels") {
                require_map(kv.second, path);
                static const char* lv[4] = {"l1", "l2", "l3", "dram"};
                d.params.mem_levels.fill(0.0);
                for (auto e : kv.second) {
                    const std::string ln = text(e.first, path);
                    unsigned k = 0;
                    while (k < 4 && ln != lv[k]) ++k;
                    if (k == 4) fail(e.first, path + "." + ln, "unknown level (known: l1 l2 l3 dram)");
                    d.params.mem_levels[k] = number(e.second, path + "." + ln);
                }
            } else if (key == "variation") {
                d.variation = variation(kv.second, path);
            } else if (is_phase_param(key) && key.rfind("mem_", 0) != 0 && leaf_index(key) < 0 && key != "instructions") {
                try {
                    set_phase_param(d.params, key, number(kv.second, path));
                } catch (const std::invalid_argument& e) {
                    fail(kv.second, at + "." + e.what(), "");
                }
            } else {
                fail(kv.first, path,
                     "unknown phase field (known: description cycles instructions ipc slot_mix mem_levels "
                     "variation and the phase parameters of docs/workloads.md)");
            }
        }
        if (d.cycles && d.instructions) fail(n, at, "give either cycles or instructions, not both");
        try {
            validate(d.params);
        } catch (const std::invalid_argument& e) {
            // The message starts with the field; point at its line when the file sets it.
            std::string msg = e.what();
            const std::string field = msg.substr(0, msg.find(':'));
            const std::string top = field.substr(0, field.find('.'));
            YAML::Node where = fields.count(top) ? fields[top] : n;
            if (top == "instructions") where = fields.count("ipc") ? fields["ipc"] : n;
            fail(where, at + "." + field, msg.substr(msg.find(':') + 2));
        }
        return d;
    }

    Variation variation(const YAML::Node& n, const std::string& path) const {
        require_map(n, path);
        Variation v;
        for (auto kv : n) {
            const std::string key = text(kv.first, path), p = path + "." + key;
            if (key == "kind") {
                const std::string k = text(kv.second, p);
                if (k == "random") v.kind = Variation::Kind::Random;
                else if (k == "sine") v.kind = Variation::Kind::Sine;
                else if (k == "none") v.kind = Variation::Kind::None;
                else fail(kv.second, p, "expected random, sine or none, got " + quote_value(k));
            } else if (key == "amplitude") {
                v.amplitude = number(kv.second, p);
                if (v.amplitude < 0 || v.amplitude > 1) fail(kv.second, p, "must be within 0..1");
            } else if (key == "chunk") v.chunk = count(kv.second, p);
            else if (key == "period") v.period = count(kv.second, p);
            else fail(kv.first, p, "unknown variation field (known: kind amplitude chunk period)");
        }
        if (v.kind == Variation::Kind::None && v.amplitude > 0) fail(n, path + ".kind", "required with an amplitude");
        return v;
    }

    void schedule(const YAML::Node& n, const std::string& path, const std::map<std::string, unsigned>& names,
                  uint64_t seed, std::vector<TimelineStep>& out, unsigned depth) const {
        if (depth > 16) fail(n, path, "nested more than 16 levels deep");
        if (!n.IsSequence()) fail(n, path, "expected a list of steps");
        for (size_t i = 0; i < n.size(); ++i) {
            const YAML::Node item = n[i];
            const std::string p = path + "[" + std::to_string(i) + "]";
            if (out.size() > kMaxScheduleSteps) fail(item, p, "the schedule expands to more than " + steps_limit());
            if (item.IsScalar()) {
                out.push_back({lookup(names, item, p), 0, 0});
                continue;
            }
            require_map(item, p);
            if (item["repeat"]) {
                const uint64_t times = count(item["repeat"], p + ".repeat");
                if (!item["body"]) fail(item, p + ".body", "a repeat needs a body (a list of steps)");
                for (auto kv : item) {
                    const std::string k = text(kv.first, p);
                    if (k != "repeat" && k != "body") fail(kv.first, p + "." + k, "unknown field of a repeat (known: repeat body)");
                }
                std::vector<TimelineStep> body;
                schedule(item["body"], p + ".body", names, seed, body, depth + 1);
                if (body.empty()) fail(item, p + ".body", "a repeat needs a non-empty body");
                // Divided, not multiplied: repeat * body could wrap 64 bits and pass.
                if (times > (kMaxScheduleSteps - std::min(kMaxScheduleSteps, out.size())) / body.size())
                    fail(item["repeat"], p + ".repeat", "expands the schedule to more than " + steps_limit());
                for (uint64_t t = 0; t < times; ++t) out.insert(out.end(), body.begin(), body.end());
            } else if (item["markov"]) {
                markov(item["markov"], p + ".markov", names, seed + i, out);
            } else if (item["phase"]) {
                TimelineStep st{lookup(names, item["phase"], p + ".phase"), 0, 0};
                for (auto kv : item) {
                    const std::string k = text(kv.first, p);
                    if (k == "phase") continue;
                    if (k == "cycles") st.cycles = count(kv.second, p + ".cycles", 1, kMaxRunCycles);
                    else if (k == "instructions") st.instructions = count(kv.second, p + ".instructions", 1, kMaxRunCycles);
                    else fail(kv.first, p + "." + k, "unknown step field (known: phase cycles instructions)");
                }
                if (st.cycles && st.instructions) fail(item, p, "give either cycles or instructions, not both");
                out.push_back(st);
            } else {
                fail(item, p, "expected a phase name, {phase: ...}, {repeat: N, body: [...]} or {markov: {...}}");
            }
        }
    }

    void markov(const YAML::Node& n, const std::string& path, const std::map<std::string, unsigned>& names,
                uint64_t seed, std::vector<TimelineStep>& out) const {
        require_map(n, path);
        if (!n["start"]) fail(n, path + ".start", "a Markov chain needs a start phase");
        if (!n["steps"]) fail(n, path + ".steps", "a Markov chain needs a number of steps");
        if (!n["transitions"]) fail(n, path + ".transitions", "a Markov chain needs transitions");
        for (auto kv : n) {
            const std::string k = text(kv.first, path);
            if (k != "start" && k != "steps" && k != "transitions")
                fail(kv.first, path + "." + k, "unknown field of a Markov chain (known: start steps transitions)");
        }
        unsigned cur = lookup(names, n["start"], path + ".start");
        const uint64_t steps = count(n["steps"], path + ".steps");
        if (steps > kMaxScheduleSteps - std::min(kMaxScheduleSteps, out.size()))
            fail(n["steps"], path + ".steps", "expands the schedule to more than " + steps_limit());
        const YAML::Node tr = n["transitions"];
        require_map(tr, path + ".transitions");
        std::map<unsigned, std::vector<std::pair<unsigned, double>>> rows;
        for (auto row : tr) {
            const std::string from = text(row.first, path + ".transitions");
            const std::string rp = path + ".transitions." + from;
            const unsigned f = lookup(names, row.first, rp);
            require_map(row.second, rp);
            double sum = 0;
            for (auto to : row.second) {
                const std::string tn = text(to.first, rp);
                const double pr = number(to.second, rp + "." + tn);
                if (!(pr >= 0 && pr <= 1)) fail(to.second, rp + "." + tn, "a probability must be within 0..1");
                rows[f].push_back({lookup(names, to.first, rp + "." + tn), pr});
                sum += pr;
            }
            if (std::fabs(sum - 1.0) > 1e-6) fail(row.second, rp, "probabilities must sum to 1, got " + std::to_string(sum));
        }
        for (uint64_t s = 0; s < steps; ++s) {
            out.push_back({cur, 0, 0});
            auto it = rows.find(cur);
            if (it == rows.end()) {
                std::string nm;
                for (auto& [k, v] : names) if (v == cur) nm = k;
                fail(tr, path + ".transitions", "no row for phase " + quote_value(nm) + ", which the chain reaches");
            }
            // Seeded draw: depends only on (seed, step), so runs are reproducible everywhere.
            const double u = unit_interval(mix64(seed * 0x9e3779b97f4a7c15ull ^ mix64(s)));
            double acc = 0;
            unsigned next = it->second.back().first;
            for (auto& [to, pr] : it->second) {
                acc += pr;
                if (u < acc) { next = to; break; }
            }
            cur = next;
        }
    }

private:
    static std::string steps_limit() { return std::to_string(kMaxScheduleSteps) + " steps (the limit)"; }

    unsigned lookup(const std::map<std::string, unsigned>& names, const YAML::Node& n, const std::string& path) const {
        const std::string s = text(n, path);
        auto it = names.find(s);
        if (it == names.end()) {
            std::string known;
            for (auto& [k, v] : names) known += " " + k;
            fail(n, path, "unknown phase " + quote_value(s) + " (defined:" + known + ")");
        }
        return it->second;
    }
};

std::unique_ptr<PhasedWorkload> read_workload(const YAML::Node& root, const std::string& origin, uint64_t seed_offset) {
    Reader r(origin);
    if (!root.IsMap()) r.fail(root, "(top)", "a workload file is a mapping with phases: and schedule:");
    std::string name = std::filesystem::path(origin).stem().string();
    uint64_t seed = 1;
    bool loop = true;
    for (auto kv : root) {
        const std::string k = r.text(kv.first, "(top)");
        if (k == "name") name = r.text(kv.second, k);
        else if (k == "description") r.text(kv.second, k);
        else if (k == "seed") seed = r.count(kv.second, k, 0);
        else if (k == "loop") loop = r.boolean(kv.second, k);
        else if (k != "phases" && k != "schedule")
            r.fail(kv.first, k, "unknown top-level field (known: name description seed loop phases schedule)");
    }
    seed += seed_offset;  // stat -r: run i draws with the file's seed + i
    const YAML::Node ph = root["phases"];
    if (!ph) r.fail(root, "phases", "missing: a workload needs at least one phase");
    r.require_map(ph, "phases");
    std::vector<PhaseDef> phases;
    std::map<std::string, unsigned> names;
    for (auto kv : ph) {
        const std::string n = r.text(kv.first, "phases");
        PhaseDef d = r.phase(n, kv.second);
        if (!d.cycles && !d.instructions && !root["schedule"])
            r.fail(kv.second, "phases." + n + ".cycles", "missing: a phase needs a length (cycles or instructions)");
        names[n] = static_cast<unsigned>(phases.size());
        phases.push_back(std::move(d));
    }
    std::vector<TimelineStep> timeline;
    if (root["schedule"]) r.schedule(root["schedule"], "schedule", names, seed, timeline, 0);
    else
        for (unsigned i = 0; i < phases.size(); ++i) timeline.push_back({i, 0, 0});
    // Every step must have a length.
    for (size_t i = 0; i < timeline.size(); ++i) {
        const auto& st = timeline[i];
        const PhaseDef& d = phases[st.phase];
        if (!st.cycles && !st.instructions && !d.cycles && !d.instructions)
            r.fail(ph[d.name], "phases." + d.name + ".cycles",
                   "missing: the schedule runs this phase without a length (give cycles or instructions)");
    }
    try {
        return std::make_unique<PhasedWorkload>(name, std::move(phases), timeline, seed, loop);
    } catch (const std::invalid_argument& e) {
        // "phases.NAME.field: why": point at the deepest node of that path the file has.
        const std::string msg = e.what();
        const size_t colon = msg.find(": ");
        if (colon == std::string::npos) throw std::invalid_argument(printable(origin) + ": " + msg);
        const std::string path = msg.substr(0, colon);
        YAML::Node at = root;
        for (size_t b = 0, e2; b < path.size(); b = e2 + 1) {
            e2 = std::min(path.find('.', b), path.size());
            const YAML::Node& cur = at;
            const YAML::Node next = cur.IsMap() ? cur[path.substr(b, e2 - b)] : YAML::Node();
            if (!next.IsDefined()) break;
            at.reset(next);
        }
        r.fail(at, path, msg.substr(colon + 2));
    }
}

}  // namespace

std::unique_ptr<PhasedWorkload> parse_workload_yaml(const std::string& src, const std::string& origin,
                                                    uint64_t seed_offset) {
    return read_yaml(src, origin, [&](const YAML::Node& root) { return read_workload(root, origin, seed_offset); });
}

std::unique_ptr<PhasedWorkload> load_workload_file(const std::string& path, uint64_t seed_offset) {
    return parse_workload_yaml(read_text_file(path, "workload"), path, seed_offset);
}

std::string workload_library_dir() { return library_dir("PMUSIM_WORKLOADS", "workloads"); }

std::vector<std::string> workload_library() { return yaml_stems(workload_library_dir()); }

}  // namespace pmusim

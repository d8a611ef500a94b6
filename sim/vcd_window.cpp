#include "sim/vcd_window.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace pmusim {

namespace {

uint64_t number(const std::string& s, const std::string& option, const std::string& text) {
    size_t used = 0;
    uint64_t v = 0;
    try {
        if (s.empty() || s[0] == '-') throw std::invalid_argument(s);
        v = std::stoull(s, &used, 10);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != s.size())
        throw std::invalid_argument(option + " '" + text + "': '" + s + "' is not a cycle count (FROM:TO, e.g. 1000:50000)");
    return v;
}

// The body of a VCD as a list of times and the value changes at each: (id, the change as written).
struct Body {
    std::vector<std::string> header;
    std::vector<std::pair<uint64_t, std::vector<std::pair<std::string, std::string>>>> times;
};

Body read_body(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument(path + ": cannot open waveform");
    Body b;
    std::string line;
    size_t ln = 0;
    bool header = true;
    while (std::getline(in, line)) {
        ++ln;
        if (header) {
            b.header.push_back(line);
            header = line.find("$enddefinitions") == std::string::npos;
            continue;
        }
        std::istringstream ls(line);
        std::string tok;
        while (ls >> tok) {
            if (tok[0] == '#') {
                try {
                    b.times.push_back({std::stoull(tok.substr(1)), {}});
                } catch (const std::exception&) {
                    throw std::invalid_argument(path + ":" + std::to_string(ln) + ": bad time '" + tok + "'");
                }
                continue;
            }
            if (tok[0] == '$') continue;  // $dumpvars, $end: the values inside are changes like any other
            std::string id = tok.substr(1), change = tok;
            if (std::string("bBrRsS").find(tok[0]) != std::string::npos) {
                if (!(ls >> id)) throw std::invalid_argument(path + ":" + std::to_string(ln) + ": value '" + tok + "' without an identifier");
                change = tok + " " + id;
            }
            if (b.times.empty()) b.times.push_back({0, {}});
            b.times.back().second.emplace_back(id, change);
        }
    }
    if (header) throw std::invalid_argument(path + ": no $enddefinitions (not a VCD file?)");
    return b;
}

}  // namespace

VcdWindow parse_vcd_window(const std::string& text, const std::string& option) {
    const size_t colon = text.find(':');
    if (colon == std::string::npos) throw std::invalid_argument(option + " '" + text + "': expected FROM:TO (e.g. 1000:50000, 1000: or :50000)");
    VcdWindow w;
    const std::string a = text.substr(0, colon), b = text.substr(colon + 1);
    if (a.empty() && b.empty()) throw std::invalid_argument(option + " '" + text + "': give FROM, TO or both");
    if (!a.empty()) w.from = number(a, option, text);
    if (!b.empty()) w.to = number(b, option, text);
    if (w.from > w.to) throw std::invalid_argument(option + " '" + text + "': FROM is after TO");
    return w;
}

void window_vcd(const std::string& path, const VcdWindow& w) {
    const Body b = read_body(path);
    const uint64_t last = b.times.empty() ? 0 : b.times.back().first;
    if (w.from > last)
        throw std::invalid_argument(path + ": window " + std::to_string(w.from) + ": starts after the waveform's last time " + std::to_string(last));
    std::vector<std::string> order;                // identifiers in the order they first change
    std::map<std::string, std::string> at_from;    // id -> its last change at or before FROM
    size_t i = 0;
    for (; i < b.times.size() && b.times[i].first <= w.from; ++i)
        for (auto& [id, change] : b.times[i].second) {
            if (!at_from.count(id)) order.push_back(id);
            at_from[id] = change;
        }
    const std::string tmp = path + ".window";
    {
        std::ofstream out(tmp);
        if (!out) throw std::runtime_error(tmp + ": cannot open for writing");
        for (auto& l : b.header) out << l << '\n';
        out << '#' << w.from << '\n';
        for (auto& id : order) out << at_from[id] << '\n';
        uint64_t written = w.from;
        for (; i < b.times.size() && b.times[i].first <= w.to; ++i) {
            written = b.times[i].first;
            out << '#' << written << '\n';
            for (auto& c : b.times[i].second) out << c.second << '\n';
        }
        // The window's end, so a viewer shows it whole even when nothing changes near it.
        if (i < b.times.size() && w.to > written) out << '#' << w.to << '\n';
        out.close();
        if (!out) throw std::runtime_error(tmp + ": write failed");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot replace with " + tmp);
}

}  // namespace pmusim

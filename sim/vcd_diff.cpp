#include "sim/vcd_diff.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "sim/input_limits.h"
#include "sim/vcd_writer.h"

namespace pmusim {

namespace {

uint64_t timescale_fs(const std::string& text, const std::string& where) {
    // "1ns", "10 ps", "100us" ...
    std::string t;
    for (char c : text)
        if (!isspace(static_cast<unsigned char>(c))) t += c;
    size_t i = 0;
    while (i < t.size() && isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == 0) throw std::invalid_argument(where + ": bad $timescale " + quote_value(text));
    // IEEE 1364 allows 1, 10 or 100 of a unit; anything else (0, or digits beyond 64 bits) would
    // divide by zero or overflow when times are scaled.
    const std::string digits = t.substr(0, i);
    if (digits != "1" && digits != "10" && digits != "100")
        throw std::invalid_argument(where + ": bad $timescale " + quote_value(text) + ": the number must be 1, 10 or 100");
    const uint64_t n = std::stoull(digits);
    const std::string u = t.substr(i);
    static const std::map<std::string, uint64_t> unit = {{"s", 1'000'000'000'000'000ull}, {"ms", 1'000'000'000'000ull},
                                                         {"us", 1'000'000'000ull}, {"ns", 1'000'000ull},
                                                         {"ps", 1'000ull}, {"fs", 1ull}};
    auto it = unit.find(u);
    if (it == unit.end()) throw std::invalid_argument(where + ": bad $timescale unit " + quote_value(u));
    return n * it->second;
}

// Normalised value: binary digits without leading zeros ("0" for zero); x/z kept as written.
std::string norm(std::string v) {
    if (v.find_first_not_of("01") != std::string::npos) return v;
    const auto p = v.find('1');
    return p == std::string::npos ? "0" : v.substr(p);
}

// One value change starting at token `tok`: (value, identifier). Text values are unescaped.
std::pair<std::string, std::string> value_change(const std::string& tok, std::istream& rest, const std::string& where) {
    std::string id;
    if (tok[0] == 's' || tok[0] == 'S') {
        if (!(rest >> id)) throw std::invalid_argument(where + ": string value without an identifier");
        return {vcd_unescape(tok.substr(1)), id};
    }
    if (tok[0] == 'b' || tok[0] == 'B' || tok[0] == 'r' || tok[0] == 'R') {
        if (!(rest >> id)) throw std::invalid_argument(where + ": vector value without an identifier");
        return {norm(tok.substr(1)), id};
    }
    if (std::string("01xXzZ").find(tok[0]) != std::string::npos) return {tok.substr(0, 1), tok.substr(1)};
    throw std::invalid_argument(where + ": unexpected " + quote_value(tok));
}

}  // namespace

VcdFile read_vcd(const std::string& path) {
    check_input_file(path, "waveform", kMaxVcdFileBytes);
    std::ifstream in(path);
    if (!in) throw std::invalid_argument(printable(path) + ": cannot open waveform");
    VcdFile f;
    f.path = path;
    std::map<std::string, std::vector<std::string>> by_id;  // id -> signal names (aliases)
    std::vector<std::string> scope;
    std::string line;
    size_t ln = 0;
    bool header = true;
    uint64_t now = 0;
    std::string pending;  // a header command spread over several lines
    auto where = [&] { return printable(path) + ":" + std::to_string(ln); };
    while (std::getline(in, line)) {
        ++ln;
        std::istringstream ls(line);
        std::string tok;
        if (header) {
            pending += " " + line;
            if (pending.find("$end") == std::string::npos) continue;
            std::istringstream cs(pending);
            pending.clear();
            std::vector<std::string> w;
            while (cs >> tok) w.push_back(tok);
            if (w.empty()) continue;
            if (w[0] == "$timescale") {
                std::string t;
                for (size_t i = 1; i < w.size() && w[i] != "$end"; ++i) t += w[i];
                f.timescale_fs = timescale_fs(t, where());
            } else if (w[0] == "$scope") {
                if (w.size() < 3) throw std::invalid_argument(where() + ": bad $scope");
                scope.push_back(w[2]);
            } else if (w[0] == "$upscope") {
                if (!scope.empty()) scope.pop_back();
            } else if (w[0] == "$var") {
                if (w.size() < 5) throw std::invalid_argument(where() + ": bad $var");
                VcdSignal s;
                s.string = w[1] == "string";
                try {
                    s.width = unsigned(std::stoul(w[2]));
                } catch (const std::exception&) {
                    throw std::invalid_argument(where() + ": bad $var width " + quote_value(w[2]));
                }
                std::string name;
                for (auto& sc : scope) name += sc + ".";
                name += w[4];
                s.name = name;
                s.leaf = w[4];
                by_id[w[3]].push_back(name);
                if (!f.signals.count(name)) f.order.push_back(name);
                f.signals[name] = s;
            } else if (w[0] == "$enddefinitions") {
                header = false;
            }
            continue;
        }
        while (ls >> tok) {
            if (tok[0] == '#') {
                try {
                    now = std::stoull(tok.substr(1));
                } catch (const std::exception&) {
                    throw std::invalid_argument(where() + ": bad time " + quote_value(tok));
                }
                // Times are compared in femtoseconds: a time that does not fit is an error, not a wrap.
                if (now > ~0ull / f.timescale_fs)
                    throw std::invalid_argument(where() + ": time " + quote_value(tok) + " overflows 64 bits of femtoseconds at this $timescale");
                f.end_time = std::max(f.end_time, now);
                continue;
            }
            if (tok[0] == '$') continue;  // $dumpvars, $end, ...
            const auto [value, id] = value_change(tok, ls, where());
            auto it = by_id.find(id);
            if (it == by_id.end()) throw std::invalid_argument(where() + ": unknown identifier " + quote_value(id));
            for (auto& n : it->second) {
                auto& ch = f.signals[n].changes;
                if (!ch.empty() && ch.back().first == now) ch.back().second = value;
                else if (ch.empty() || ch.back().second != value) ch.emplace_back(now, value);
            }
        }
    }
    if (header) throw std::invalid_argument(printable(path) + ": no $enddefinitions (not a VCD file?)");
    return f;
}

std::vector<SignalDiff> diff_vcd(const VcdFile& a, const VcdFile& b, const std::vector<std::string>& only) {
    std::vector<SignalDiff> out;
    std::set<std::string> names;
    for (auto& [n, s] : a.signals) names.insert(n);
    for (auto& [n, s] : b.signals) names.insert(n);
    for (auto& n : names) {
        if (!only.empty() && std::find(only.begin(), only.end(), n) == only.end()) continue;
        auto ia = a.signals.find(n), ib = b.signals.find(n);
        SignalDiff d;
        d.name = n;
        if (ia == a.signals.end()) {
            d.kind = SignalDiff::Kind::OnlyInB;
            out.push_back(d);
            continue;
        }
        if (ib == b.signals.end()) {
            d.kind = SignalDiff::Kind::OnlyInA;
            out.push_back(d);
            continue;
        }
        if (ia->second.string != ib->second.string) {
            d.kind = SignalDiff::Kind::Type;
            d.a = ia->second.string ? "string" : std::to_string(ia->second.width) + "-bit wire";
            d.b = ib->second.string ? "string" : std::to_string(ib->second.width) + "-bit wire";
            out.push_back(d);
            continue;
        }
        d.string = ia->second.string;
        if (!d.string && ia->second.width != ib->second.width) {
            d.kind = SignalDiff::Kind::Width;
            d.a = std::to_string(ia->second.width);
            d.b = std::to_string(ib->second.width);
            out.push_back(d);
            continue;
        }
        // Walk both change lists in time order; compare the values in force after each change.
        const auto& ca = ia->second.changes;
        const auto& cb = ib->second.changes;
        size_t i = 0, j = 0;
        std::string va, vb;
        while (i < ca.size() || j < cb.size()) {
            const uint64_t ta = i < ca.size() ? ca[i].first * a.timescale_fs : ~0ull;
            const uint64_t tb = j < cb.size() ? cb[j].first * b.timescale_fs : ~0ull;
            const uint64_t t = std::min(ta, tb);
            while (i < ca.size() && ca[i].first * a.timescale_fs == t) va = ca[i++].second;
            while (j < cb.size() && cb[j].first * b.timescale_fs == t) vb = cb[j++].second;
            if (va != vb) {
                d.kind = SignalDiff::Kind::Differs;
                d.time_fs = t;
                d.a = va;
                d.b = vb;
                out.push_back(d);
                break;
            }
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const SignalDiff& x, const SignalDiff& y) { return x.time_fs < y.time_fs; });
    return out;
}

std::string format_diff(const VcdFile& a, const VcdFile& b, const std::vector<SignalDiff>& d) {
    std::ostringstream os;
    if (d.empty()) {
        os << "identical: " << a.signals.size() << " signals, up to time " << a.end_time << " (" << a.path << ", " << b.path << ")\n";
        return os.str();
    }
    auto hexv = [](const std::string& bits) {
        if (bits.empty()) return std::string("(none)");
        if (bits.find_first_not_of("01") != std::string::npos || bits.size() > 64) return bits;
        std::ostringstream h;
        h << "0x" << std::hex << std::stoull(bits, nullptr, 2);
        return h.str();
    };
    const uint64_t unit = std::min(a.timescale_fs, b.timescale_fs);
    os << d.size() << " signal(s) differ (times in units of " << unit << " fs):\n";
    for (auto& x : d) {
        switch (x.kind) {
            case SignalDiff::Kind::OnlyInA: os << "  " << x.name << ": only in " << a.path << "\n"; break;
            case SignalDiff::Kind::OnlyInB: os << "  " << x.name << ": only in " << b.path << "\n"; break;
            case SignalDiff::Kind::Width: os << "  " << x.name << ": width " << x.a << " vs " << x.b << "\n"; break;
            case SignalDiff::Kind::Type: os << "  " << x.name << ": " << x.a << " vs " << x.b << "\n"; break;
            case SignalDiff::Kind::Differs: {
                auto show = [&](const std::string& v) { return x.string && !v.empty() ? '"' + v + '"' : hexv(v); };
                os << "  " << x.name << ": first differs at " << x.time_fs / unit << ": " << show(x.a) << " vs " << show(x.b)
                   << "\n";
                break;
            }
        }
    }
    return os.str();
}

}  // namespace pmusim

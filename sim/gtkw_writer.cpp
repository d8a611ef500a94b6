#include "sim/gtkw_writer.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pmusim {

namespace {

// Trace flags of a GTKWave save file (GTKWave's analyzer.h TR_*): right-justified values in
// hexadecimal, decimal, binary, or as ASCII text; a blank row with a comment.
constexpr unsigned kHex = 0x22, kDec = 0x24, kBin = 0x28, kAscii = 0x820, kComment = 0x200;

struct Group {
    const char* title;
    unsigned flags;
    bool (*holds)(const VcdSignal&);
};

bool starts(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

const Group kGroups[] = {
    {"Context", kAscii, [](const VcdSignal& s) { return s.string; }},
    {"Global registers", kHex,
     [](const VcdSignal& s) { return starts(s.leaf, "GLOBAL_") || s.leaf == "FIXED_CTR_CTRL"; }},
    {"Counters", kDec,
     [](const VcdSignal& s) { return starts(s.leaf, "PMC") || (starts(s.leaf, "FIXED_CTR") && s.leaf != "FIXED_CTR_CTRL"); }},
    {"PERF_METRICS", kDec, [](const VcdSignal& s) { return starts(s.leaf, "PERF_METRICS."); }},
    {"PMI", kBin, [](const VcdSignal& s) { return s.leaf == "pmi"; }},
};

// How GTKWave names a signal: scopes, the leaf (with a backslash when it holds the hierarchy
// delimiter '.', as GTKWave's VCD reader escapes it) and the bit range of a vector.
std::string gtkw_name(const VcdSignal& s) {
    std::string scope = s.name.substr(0, s.name.size() - s.leaf.size());
    std::string n = scope + (s.leaf.find('.') != std::string::npos ? "\\" : "") + s.leaf;
    if (!s.string && s.width > 1) n += "[" + std::to_string(s.width - 1) + ":0]";
    return n;
}

void trace_row(std::ostream& o, const VcdSignal& s, unsigned flags, unsigned& last) {
    if (flags != last) o << '@' << std::hex << flags << std::dec << '\n';
    last = flags;
    // An escaped leaf shows with its backslash: an alias shows the name as pmusim wrote it.
    if (s.leaf.find('.') != std::string::npos) o << "+{" << s.leaf << "} ";
    o << gtkw_name(s) << '\n';
}

}  // namespace

std::string gtkw_path_for(const std::string& vcd_path) {
    const std::string ext = ".vcd";
    if (vcd_path.size() > ext.size() && vcd_path.compare(vcd_path.size() - ext.size(), ext.size(), ext) == 0)
        return vcd_path.substr(0, vcd_path.size() - ext.size()) + ".gtkw";
    return vcd_path + ".gtkw";
}

std::string gtkw_text(const VcdFile& vcd, const std::string& vcd_abs, const std::string& gtkw_abs,
                      const std::vector<GtkwMarker>& markers) {
    std::ostringstream o;
    o << "[*] pmusim: a GTKWave save file for " << vcd_abs << " (open with: gtkwave " << gtkw_abs << ")\n";
    // GTKWave finds a moved pair through the two recorded paths (relative to each other).
    o << "[dumpfile] \"" << vcd_abs << "\"\n[savefile] \"" << gtkw_abs << "\"\n[timestart] 0\n";
    // Zoom: the whole run in GTKWave's default window. GTKWave 3.3's Zoom Best Fit wrote
    // 1.5 - log2(end time) there (-16.85 for a 336,045-cycle run); a save file stores the zoom.
    const double zoom = vcd.end_time ? 1.5 - std::log2(double(vcd.end_time)) : 0.0;
    o << '*' << std::to_string(zoom) << " -1";
    for (size_t i = 0; i < kGtkwMaxMarkers; ++i) o << ' ' << (i < markers.size() ? std::to_string(markers[i].time) : "-1");
    o << '\n';
    for (size_t i = 0; i < markers.size() && i < kGtkwMaxMarkers; ++i)
        o << "[markername] " << char('A' + i) << markers[i].name << '\n';
    o << "[sst_expanded] 1\n";
    unsigned last = 0;
    std::vector<bool> shown(vcd.order.size());
    auto group = [&](const char* title, unsigned flags, auto holds) {
        bool any = false;
        for (size_t i = 0; i < vcd.order.size(); ++i) {
            const VcdSignal& s = vcd.signals.at(vcd.order[i]);
            if (shown[i] || !holds(s)) continue;
            if (!any) {
                o << '@' << std::hex << kComment << std::dec << "\n-" << title << '\n';
                last = kComment;
            }
            any = true;
            shown[i] = true;
            trace_row(o, s, s.width == 1 && !s.string ? kBin : flags, last);  // one bit: 0 or 1
        }
    };
    for (const Group& g : kGroups) group(g.title, g.flags, g.holds);
    group("Other", kHex, [](const VcdSignal&) { return true; });
    o << "[pattern_trace] 1\n[pattern_trace] 0\n";
    return o.str();
}

std::string write_gtkw(const std::string& vcd_path, const std::vector<GtkwMarker>& markers) {
    const VcdFile f = read_vcd(vcd_path);
    const std::string path = gtkw_path_for(vcd_path);
    namespace fs = std::filesystem;
    const std::string text = gtkw_text(f, fs::absolute(vcd_path).lexically_normal().string(),
                                       fs::absolute(path).lexically_normal().string(), markers);
    std::ofstream out(path);
    if (!out) throw std::runtime_error(path + ": cannot open for writing");
    out << text;
    out.close();
    if (!out) throw std::runtime_error(path + ": write failed");
    return path;
}

}  // namespace pmusim

// Reading Value Change Dumps and comparing two of them by signal name and time, not as text
// (docs/waveforms.md): for every signal the first time the two values differ.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pmusim {

struct VcdSignal {
    std::string name;  // scope.name, with the scopes of the declaration
    std::string leaf;  // the name as declared, without the scopes
    unsigned width = 1;
    bool string = false;  // `$var string`: values are text (unescaped), width is not compared
    std::vector<std::pair<uint64_t, std::string>> changes;  // (time in timescale units, value bits or text)
};

struct VcdFile {
    std::string path;
    uint64_t timescale_fs = 1'000'000;  // one unit in femtoseconds (1 ns by default)
    std::map<std::string, VcdSignal> signals;
    std::vector<std::string> order;  // signal names in declaration order
    uint64_t end_time = 0;
};

// Throws std::invalid_argument "PATH:LINE: problem" on malformed input.
VcdFile read_vcd(const std::string& path);

struct SignalDiff {
    std::string name;
    enum class Kind { Differs, OnlyInA, OnlyInB, Width, Type } kind = Kind::Differs;
    uint64_t time_fs = 0;   // first divergence
    std::string a, b;       // values there ("" when the signal has none yet)
    bool string = false;    // a and b are text, not bits
};

// Signals compared by name; times in femtoseconds so files with different timescales compare.
// `only`: restrict to these names (empty: all).
std::vector<SignalDiff> diff_vcd(const VcdFile& a, const VcdFile& b, const std::vector<std::string>& only = {});
std::string format_diff(const VcdFile& a, const VcdFile& b, const std::vector<SignalDiff>& d);

}  // namespace pmusim

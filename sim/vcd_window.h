// A time window of a waveform (docs/waveforms.md, `--vcd-window FROM:TO`): the VCD keeps its
// header and its absolute times; at FROM every signal gets the value it has then, and the changes
// after TO are dropped. Applied to the finished file, so the writers and runs are untouched.
#pragma once
#include <cstdint>
#include <string>

namespace pmusim {

struct VcdWindow {
    uint64_t from = 0, to = ~uint64_t(0);
};

// "FROM:TO", "FROM:" (to the end) or ":TO", in the VCD's time units (cycles). Throws
// std::invalid_argument naming `option` and the text.
VcdWindow parse_vcd_window(const std::string& text, const std::string& option = "--vcd-window");

// Rewrites the VCD at `path` to the window. Throws std::invalid_argument naming the file (and
// line) when it cannot be read or parsed, or when the window starts after its last time.
void window_vcd(const std::string& path, const VcdWindow& w);

}  // namespace pmusim

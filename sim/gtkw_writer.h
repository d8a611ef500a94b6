// GTKWave save files (.gtkw) beside pmusim's waveforms (docs/waveforms.md): the dump file, the
// signals in groups (context lanes, global registers, counters, PERF_METRICS fields, PMI) with a
// display format each, and named markers, in the text format GTKWave 3.3 writes and reads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/vcd_diff.h"

namespace pmusim {

struct GtkwMarker {
    uint64_t time;     // in the VCD's time units
    std::string name;  // shown on the marker, e.g. "clobber PMC0"
};

// GTKWave has 26 named markers, A to Z.
constexpr size_t kGtkwMaxMarkers = 26;

// X.vcd -> X.gtkw; a path not ending in .vcd gets .gtkw appended.
std::string gtkw_path_for(const std::string& vcd_path);

// The save file's text for `vcd` (read with read_vcd), whose file GTKWave finds at `vcd_abs`;
// markers beyond the 26th are dropped.
std::string gtkw_text(const VcdFile& vcd, const std::string& vcd_abs, const std::string& gtkw_abs,
                      const std::vector<GtkwMarker>& markers);

// Reads the VCD at `vcd_path` and writes its save file at gtkw_path_for(vcd_path); returns that
// path. Throws naming a file that cannot be read or written.
std::string write_gtkw(const std::string& vcd_path, const std::vector<GtkwMarker>& markers = {});

}  // namespace pmusim

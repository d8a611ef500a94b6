// Waveforms from Python (docs/waveforms.md): `pmusim wave diff` as a function, so tests compare a
// run's VCD with a golden one in pytest, and the GTKWave save file the CLI writes beside a VCD.
#include <pybind11/stl.h>

#include "bindings.h"
#include "sim/gtkw_writer.h"
#include "sim/vcd_diff.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

namespace {

const char* kind_name(SignalDiff::Kind k) {
    switch (k) {
        case SignalDiff::Kind::Differs: return "differs";
        case SignalDiff::Kind::OnlyInA: return "only_in_a";
        case SignalDiff::Kind::OnlyInB: return "only_in_b";
        case SignalDiff::Kind::Width: return "width";
        case SignalDiff::Kind::Type: return "type";
    }
    return "?";
}

py::dict wave_diff(const std::string& a, const std::string& b, const std::vector<std::string>& signals) {
    const VcdFile fa = read_vcd(a), fb = read_vcd(b);
    const auto d = diff_vcd(fa, fb, signals);
    const uint64_t unit = std::min(fa.timescale_fs, fb.timescale_fs);
    py::list diffs;
    for (auto& x : d) {
        py::dict e;
        e["signal"] = x.name;
        e["kind"] = kind_name(x.kind);
        e["time"] = py::none();
        if (x.kind == SignalDiff::Kind::Differs) e["time"] = x.time_fs / unit;
        e["time_fs"] = x.time_fs;
        e["a"] = x.a;
        e["b"] = x.b;
        e["text"] = x.string;
        diffs.append(e);
    }
    py::dict r;
    r["identical"] = d.empty();
    r["signals"] = fa.signals.size();
    r["end_time"] = fa.end_time;
    r["differences"] = diffs;
    r["report"] = format_diff(fa, fb, d);
    return r;
}

}  // namespace

void init_waves(py::module_& m) {
    m.def("wave_diff", &wave_diff, py::arg("a"), py::arg("b"), py::arg("signals") = std::vector<std::string>{},
          "Compare two VCD files by signal name and time, as `pmusim wave diff A B` does. Returns a dict: identical "
          "(bool), signals (count in a), end_time (a's last time), differences (one dict per signal that differs: "
          "signal, kind ('differs', 'only_in_a', 'only_in_b', 'width', 'type'), time (first divergence in the finer "
          "timescale's units, None unless kind is 'differs'), time_fs, a and b (the values there: bits, or text when "
          "text is True)) and report (the CLI's text). `signals`: compare only these names (e.g. 'pmusim.ctx'). A file "
          "that cannot be read or parsed raises ValueError naming it (and the line).");
    m.def(
        "write_gtkw",
        [](const std::string& vcd, const std::vector<std::pair<uint64_t, std::string>>& markers) {
            std::vector<GtkwMarker> ms;
            for (auto& [t, n] : markers) ms.push_back({t, n});
            return write_gtkw(vcd, ms);
        },
        py::arg("vcd"), py::arg("markers") = std::vector<std::pair<uint64_t, std::string>>{},
        "Write the GTKWave save file for the VCD at `vcd` beside it (X.vcd -> X.gtkw), as the CLI does: the signals in "
        "groups, and named markers A..Z from `markers`, a list of (time, name). Returns its path. A VCD that cannot be "
        "read raises ValueError naming it.");
}

}  // namespace pmusim::py_bindings

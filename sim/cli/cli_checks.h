// Validators for command-line numbers: a count is a decimal whole number that fits 64 bits.
// (Left to CLI11, "-5" wraps to 2^64 - 5 and runs "forever", and values above 2^64 saturate.)
#pragma once
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "sim/input_limits.h"

namespace pmusim {

inline CLI::Validator whole_number(bool positive) {
    return CLI::Validator(
        [positive](std::string& s) -> std::string {
            const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
            if (!digits) return "'" + s + "' is not a whole number >= " + (positive ? "1" : "0");
            errno = 0;
            const unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
            if (errno == ERANGE) return "'" + s + "' does not fit in 64 bits";
            if (positive && v == 0) return "must be at least 1";
            return {};
        },
        positive ? "POSITIVE" : "NONNEGATIVE");
}

// --vcd-sample N writes every signal every N cycles: about kVcdBytesPerSample bytes a sample
// (measured 55 to 110 on the built-in runs). Warn before a run that would write more than
// kVcdSampleWarnBytes; the run goes on (the user may mean it).
inline void warn_vcd_sample(const std::string& vcd, uint64_t cycles, uint64_t sample) {
    if (vcd.empty() || sample == 0) return;
    const double bytes = double(cycles / sample) * double(kVcdBytesPerSample);
    if (bytes < double(kVcdSampleWarnBytes)) return;
    char gb[32];
    std::snprintf(gb, sizeof gb, "%.1f", bytes * 1e-9);
    std::cerr << "pmusim: warning: --vcd-sample " << sample << " over " << cycles << " cycles writes about " << gb
              << " GB to " << vcd << " (about " << kVcdBytesPerSample << " bytes a sample); a larger N writes less\n";
}

}  // namespace pmusim

// Validators for command-line numbers: a count is a decimal whole number that fits 64 bits.
// (Left to CLI11, "-5" wraps to 2^64 - 5 and runs "forever", and values above 2^64 saturate.)
#pragma once
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <string>

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

}  // namespace pmusim

// Reading YAML input with errors that name the origin, the line and the field path
// ("file.yaml:12: phases.chase.ipc: expected a number"), shared by workload and scenario files.
#pragma once
#include <yaml-cpp/yaml.h>

#include "sim/library_paths.h"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>
#include <sstream>
#include <stdexcept>
#include <string>

#include "sim/input_limits.h"
#include "models/core/quote_value.h"

namespace pmusim {

class YamlReader {
public:
    explicit YamlReader(std::string origin) : origin_(std::move(origin)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& msg) const {
        std::ostringstream os;
        os << printable(origin_);
        if (at.IsDefined() && at.Mark().line >= 0) os << ':' << at.Mark().line + 1;
        os << ": " << printable(path) << ": " << msg;
        throw std::invalid_argument(os.str());
    }

    // A node that must be there: absent, it is an error naming the field (yaml-cpp would throw
    // its own exception, or read an empty value).
    void present(const YAML::Node& n, const std::string& path) const {
        if (!n.IsDefined()) fail(n, path, "missing");
    }

    double number(const YAML::Node& n, const std::string& path) const {
        present(n, path);
        if (!n.IsScalar()) fail(n, path, "expected a number");
        const std::string s = n.Scalar();
        try {
            size_t used = 0;
            const double v = std::stod(s, &used);
            if (used != s.size() || !std::isfinite(v)) throw std::invalid_argument(s);
            return v;
        } catch (const std::exception&) {
            fail(n, path, "expected a number, got " + quote_value(s));
        }
    }

    // A whole number in [min, max], exactly: decimal digits and 0x hex are read as integers (never
    // through a double), 1e6 and 2.5e9 are accepted when whole and below 2^53.
    uint64_t count(const YAML::Node& n, const std::string& path, uint64_t min = 1,
                   uint64_t max = std::numeric_limits<uint64_t>::max()) const {
        present(n, path);
        if (!n.IsScalar()) fail(n, path, "expected a whole number");
        const std::string s = n.Scalar();
        const auto range = [&] {
            const std::string bounds = max == std::numeric_limits<uint64_t>::max()
                                           ? ">= " + std::to_string(min)
                                           : "from " + std::to_string(min) + " to " + std::to_string(max);
            return "expected a whole number " + bounds + ", got " + quote_value(s);
        };
        const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        const std::string digits = hex ? s.substr(2) : s;
        if (!digits.empty() && digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string::npos) {
            errno = 0;
            const unsigned long long v = std::strtoull(digits.c_str(), nullptr, hex ? 16 : 10);
            if (errno == ERANGE || v < min || v > max) fail(n, path, range());
            return v;
        }
        const double v = number(n, path);
        if (v != std::floor(v) || !(v >= double(min)) || v > 9007199254740992.0 || uint64_t(v) > max) fail(n, path, range());
        return static_cast<uint64_t>(v);
    }

    bool boolean(const YAML::Node& n, const std::string& path) const {
        present(n, path);
        if (!n.IsScalar()) fail(n, path, "expected true or false");
        const std::string s = n.Scalar();
        if (s == "true" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "no" || s == "off") return false;
        fail(n, path, "expected true or false, got " + quote_value(s));
    }

    std::string text(const YAML::Node& n, const std::string& path) const {
        present(n, path);
        if (!n.IsScalar()) fail(n, path, "expected a string");
        return n.Scalar();
    }

    // "origin:line" of a node (for messages raised after reading).
    std::string place(const YAML::Node& n) const {
        if (n.IsDefined() && n.Mark().line >= 0) return printable(origin_) + ":" + std::to_string(n.Mark().line + 1);
        return printable(origin_);
    }

    void require_map(const YAML::Node& n, const std::string& path) const {
        present(n, path);
        if (!n.IsMap()) fail(n, path, "expected a mapping");
    }

protected:
    std::string origin_;
};

// `read(root)` on the YAML document `text`. A syntax error, or any yaml-cpp exception a reader lets
// through, becomes std::invalid_argument "origin:line: ..." (never yaml-cpp's bare text).
template <class Read>
auto read_yaml(const std::string& text, const std::string& origin, Read&& read) {
    const auto at = [&](const YAML::Mark& m) {
        return printable(origin) + (m.is_null() ? std::string() : ":" + std::to_string(m.line + 1));
    };
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw std::invalid_argument(at(e.mark) + ": YAML syntax: " + printable(e.msg));
    }
    try {
        return read(root);
    } catch (const YAML::Exception& e) {
        throw std::invalid_argument(at(e.mark) + ": unexpected YAML structure (a list, mapping or value where another is expected)");
    }
}

// The whole file, or std::invalid_argument naming it: only a regular file of at most
// kMaxInputFileBytes is read (`/dev/zero` or a FIFO would be read until memory runs out).
inline std::string read_text_file(const std::string& path, const std::string& what) {
    check_input_file(path, what, kMaxInputFileBytes);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument(printable(path) + ": cannot open " + what + " file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Stems of the .yaml files in a library directory, sorted.
inline std::vector<std::string> yaml_stems(const std::string& dir) {
    std::vector<std::string> v;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".yaml") v.push_back(e.path().stem().string());
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace pmusim

// Reading YAML input with errors that name the origin, the line and the field path
// ("file.yaml:12: phases.chase.ipc: expected a number"), shared by workload and scenario files.
#pragma once
#include <yaml-cpp/yaml.h>

#include "sim/library_paths.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>
#include <sstream>
#include <stdexcept>
#include <string>

namespace pmusim {

class YamlReader {
public:
    explicit YamlReader(std::string origin) : origin_(std::move(origin)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& msg) const {
        std::ostringstream os;
        os << origin_;
        if (at.IsDefined() && at.Mark().line >= 0) os << ':' << at.Mark().line + 1;
        os << ": " << path << ": " << msg;
        throw std::invalid_argument(os.str());
    }

    double number(const YAML::Node& n, const std::string& path) const {
        if (!n.IsScalar()) fail(n, path, "expected a number");
        const std::string s = n.Scalar();
        try {
            size_t used = 0;
            const double v = std::stod(s, &used);
            if (used != s.size() || !std::isfinite(v)) throw std::invalid_argument(s);
            return v;
        } catch (const std::exception&) {
            fail(n, path, "expected a number, got '" + s + "'");
        }
    }

    uint64_t count(const YAML::Node& n, const std::string& path, uint64_t min = 1) const {
        const double v = number(n, path);
        if (!(v >= double(min)) || v != std::floor(v) || v > 1.8e19)
            fail(n, path, "expected a whole number >= " + std::to_string(min) + ", got " + n.Scalar());
        return static_cast<uint64_t>(v);
    }

    bool boolean(const YAML::Node& n, const std::string& path) const {
        if (!n.IsScalar()) fail(n, path, "expected true or false");
        const std::string s = n.Scalar();
        if (s == "true" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "no" || s == "off") return false;
        fail(n, path, "expected true or false, got '" + s + "'");
    }

    std::string text(const YAML::Node& n, const std::string& path) const {
        if (!n.IsScalar()) fail(n, path, "expected a string");
        return n.Scalar();
    }

    // "origin:line" of a node (for messages raised after reading).
    std::string place(const YAML::Node& n) const {
        if (n.IsDefined() && n.Mark().line >= 0) return origin_ + ":" + std::to_string(n.Mark().line + 1);
        return origin_;
    }

    void require_map(const YAML::Node& n, const std::string& path) const {
        if (!n.IsMap()) fail(n, path, "expected a mapping");
    }

protected:
    std::string origin_;
};

// The whole file, or std::invalid_argument "PATH: cannot open WHAT file".
inline std::string read_text_file(const std::string& path, const std::string& what) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument(path + ": cannot open " + what + " file");
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

#include "sim/workload_spec.h"
#include "models/core/quote_value.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "sim/workload_file.h"

namespace pmusim {

std::unique_ptr<Workload> parse_workload_spec(const std::string& spec, uint64_t seed_offset) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string ext = fs::path(spec).extension().string();
    if (ext == ".yaml" || ext == ".yml" || fs::is_regular_file(spec, ec)) return load_workload_file(spec, seed_offset);
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    if (kind != "steady") {
        const std::string lib = workload_library_dir() + "/" + spec + ".yaml";
        if (colon == std::string::npos && fs::is_regular_file(lib, ec)) return load_workload_file(lib, seed_offset);
        std::string known;
        for (auto& n : workload_library()) known += " " + n;
        throw std::invalid_argument("workload " + quote_value(spec) + ": not a file, 'steady[:k=v,...]' or a library workload (library in " +
                                    workload_library_dir() + ":" + known + ")");
    }
    SteadyParams p;
    if (colon != std::string::npos) {
        std::stringstream ss(spec.substr(colon + 1));
        std::string item;
        while (std::getline(ss, item, ',')) {
            const auto eq = item.find('=');
            if (eq == std::string::npos)
                throw std::invalid_argument("workload " + quote_value(spec) + ": expected key=value, got " + quote_value(item));
            const std::string key = item.substr(0, eq), val = item.substr(eq + 1);
            double v;
            try {
                size_t used = 0;
                v = std::stod(val, &used);
                if (used != val.size()) throw std::invalid_argument(val);
            } catch (const std::exception&) {
                throw std::invalid_argument("workload " + quote_value(spec) + ": " + key + ": not a number: " + quote_value(val));
            }
            try {
                set_steady_param(p, key, v);
            } catch (const std::invalid_argument& e) {
                throw std::invalid_argument("workload " + quote_value(spec) + ": " + e.what());
            }
        }
    }
    try {
        return std::make_unique<SteadyWorkload>(p);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("workload " + quote_value(spec) + ": " + e.what());
    }
}

}  // namespace pmusim

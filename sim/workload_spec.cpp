#include "sim/workload_spec.h"

#include <sstream>
#include <stdexcept>

namespace pmusim {

std::unique_ptr<Workload> parse_workload_spec(const std::string& spec) {
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    if (kind != "steady")
        throw std::invalid_argument("workload '" + spec + "': unknown workload '" + kind +
                                    "' (built in: steady; workload files arrive with issue #3)");
    SteadyParams p;
    if (colon != std::string::npos) {
        std::stringstream ss(spec.substr(colon + 1));
        std::string item;
        while (std::getline(ss, item, ',')) {
            const auto eq = item.find('=');
            if (eq == std::string::npos)
                throw std::invalid_argument("workload '" + spec + "': expected key=value, got '" + item + "'");
            const std::string key = item.substr(0, eq), val = item.substr(eq + 1);
            double v;
            try {
                size_t used = 0;
                v = std::stod(val, &used);
                if (used != val.size()) throw std::invalid_argument(val);
            } catch (const std::exception&) {
                throw std::invalid_argument("workload '" + spec + "': " + key + ": not a number: '" + val + "'");
            }
            try {
                set_steady_param(p, key, v);
            } catch (const std::invalid_argument& e) {
                throw std::invalid_argument("workload '" + spec + "': " + e.what());
            }
        }
    }
    try {
        return std::make_unique<SteadyWorkload>(p);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("workload '" + spec + "': " + e.what());
    }
}

}  // namespace pmusim

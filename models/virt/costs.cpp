#include "models/virt/costs.h"

#include <algorithm>

namespace pmusim {

uint64_t Dist::draw(std::mt19937_64& rng) const {
    switch (kind) {
        case Kind::Fixed: return a;
        case Kind::Uniform: return std::uniform_int_distribution<uint64_t>(a, b)(rng);
        case Kind::Exponential: {
            const double x = std::exponential_distribution<double>(1.0 / double(a))(rng);
            return std::max<uint64_t>(1, uint64_t(x));
        }
    }
    return a;
}

std::string Dist::describe() const {
    switch (kind) {
        case Kind::Fixed: return std::to_string(a);
        case Kind::Uniform: return "uniform(" + std::to_string(a) + ".." + std::to_string(b) + ")";
        case Kind::Exponential: return "exponential(mean " + std::to_string(a) + ")";
    }
    return "?";
}

}  // namespace pmusim

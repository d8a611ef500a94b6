#include "sim/virt/checkers.h"

#include <algorithm>

namespace pmusim {

const char* violation_kind_name(ViolationKind k) {
    switch (k) {
        case ViolationKind::Clobber: return "clobber";
        case ViolationKind::Flow: return "flow";
        case ViolationKind::Bleed: return "bleed";
        case ViolationKind::PmiMisroute: return "pmi";
    }
    return "?";
}

void ViolationLog::add(Violation v) {
    const unsigned k = static_cast<unsigned>(v.kind);
    ++counts_[k];
    first_[k] = std::min(first_[k], v.cycle);
    if (list_.size() < keep_) list_.push_back(std::move(v));
}

uint64_t ViolationLog::total() const {
    uint64_t t = 0;
    for (auto c : counts_) t += c;
    return t;
}

std::string ViolationLog::kinds_fired() const {
    std::string s;
    for (unsigned k = 0; k < kNumViolationKinds; ++k)
        if (counts_[k]) s += (s.empty() ? "" : ",") + std::string(violation_kind_name(static_cast<ViolationKind>(k)));
    return s.empty() ? "-" : s;
}

}  // namespace pmusim

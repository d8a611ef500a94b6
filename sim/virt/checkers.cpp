#include "sim/virt/checkers.h"

#include <algorithm>

namespace pmusim {

const std::vector<KindInfo>& violation_kinds() {
    using K = ViolationKind;
    static const std::vector<KindInfo> k = {
        {K::Clobber, "clobber", "a value a context reads, or its guest-visible state, differs from its ground truth"},
        {K::Flow, "flow", "a context reads, or is handed, a value whose provenance includes another context"},
        {K::Bleed, "bleed", "a counter programmed by one context counts another context's cycles"},
        {K::PmiMisroute, "pmi_misrouted", "a PMI reaches a context other than the one that programmed its interrupt"},
        {K::PmiLost, "pmi_lost", "a PMI the context's reference raised is not delivered within the allowed delay"},
        {K::PmiDuplicated, "pmi_duplicated", "a PMI is delivered again after its delivery"},
        {K::PmiSpurious, "pmi_spurious", "a PMI is delivered to a context whose reference raised none"},
        {K::Filtered, "filtered", "a guest's counter counts an event that the VM's PMU event filter denies"},
    };
    return k;
}

const char* violation_kind_name(ViolationKind k) { return violation_kinds().at(static_cast<size_t>(k)).name; }

void ViolationLog::add(Violation v) {
    const unsigned k = static_cast<unsigned>(v.kind);
    ++counts_[k];
    first_[k] = std::min(first_[k], v.cycle);
    if (list_.size() < keep_) list_.push_back(std::move(v));
}

void ViolationLog::merge(const ViolationLog& o, const std::string& where) {
    for (unsigned k = 0; k < kNumViolationKinds; ++k) {
        counts_[k] += o.counts_[k];
        first_[k] = std::min(first_[k], o.first_[k]);
    }
    for (const Violation& v : o.list_) {
        if (list_.size() >= keep_) break;
        list_.push_back(v);
        list_.back().detail = where + ": " + v.detail;
    }
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

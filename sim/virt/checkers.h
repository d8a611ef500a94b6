// Violations found by the cycle-exact checkers (docs/virtualization.md "Checkers"). The kinds
// are declared once in violation_kinds(); reports, tables, frames and plots take their columns
// from it.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pmusim {

enum class ViolationKind { Clobber, Flow, Bleed, PmiMisroute, PmiLost, PmiDuplicated, PmiSpurious, Filtered };
constexpr unsigned kNumViolationKinds = 8;

struct KindInfo {
    ViolationKind kind;
    const char* name;        // as reports and Python show it
    const char* fires_when;  // one line for docs
};
// Every kind, in column order.
const std::vector<KindInfo>& violation_kinds();
const char* violation_kind_name(ViolationKind k);

struct Violation {
    uint64_t cycle = 0;
    ViolationKind kind = ViolationKind::Clobber;
    std::string reg;      // register (or PMI source bits)
    std::string reader;   // context that read / whose counter / that got the PMI
    std::string source;   // context the value or the counted cycles came from
    uint64_t expected = 0, actual = 0;
    std::string step;     // what was running: a protocol step, "guest vm0", "host", "exit handling"
    std::string detail;
};

class ViolationLog {
public:
    explicit ViolationLog(size_t keep = 2000) : keep_(keep) {}
    void add(Violation v);
    const std::vector<Violation>& recorded() const { return list_; }
    uint64_t count(ViolationKind k) const { return counts_[static_cast<unsigned>(k)]; }
    uint64_t total() const;
    // First cycle of a kind (UINT64_MAX when none).
    uint64_t first_cycle(ViolationKind k) const { return first_[static_cast<unsigned>(k)]; }
    std::string kinds_fired() const;  // e.g. "clobber,flow" or "-"
    // Another log's counts and records (kept up to this log's limit), each record's detail
    // prefixed with `where` (a host with several CPUs: "cpu 3").
    void merge(const ViolationLog& o, const std::string& where);

private:
    size_t keep_;
    std::vector<Violation> list_;
    std::array<uint64_t, kNumViolationKinds> counts_{};
    std::array<uint64_t, kNumViolationKinds> first_ = [] {
        std::array<uint64_t, kNumViolationKinds> a{};
        a.fill(~0ull);
        return a;
    }();
};

}  // namespace pmusim

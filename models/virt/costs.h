// Durations and the cycle cost of every VM transition and PMU access (docs/virtualization.md
// "Costs"; assumptions, each a scenario parameter).
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace pmusim {

// A duration: fixed, uniform in [min, max], or exponential with a mean (at least 1 cycle).
struct Dist {
    enum class Kind { Fixed, Uniform, Exponential } kind = Kind::Fixed;
    uint64_t a = 0, b = 0;  // fixed: a; uniform: [a, b]; exponential: mean a
    uint64_t draw(std::mt19937_64& rng) const;
    std::string describe() const;
    static Dist fixed(uint64_t v) { return {Kind::Fixed, v, v}; }
    static Dist uniform(uint64_t lo, uint64_t hi) { return {Kind::Uniform, lo, hi}; }
};

// Cycle cost of every transition and operation (docs/virtualization.md "Costs"; assumptions).
struct Costs {
    uint64_t vmentry = 300, vmexit = 300;
    uint64_t msr_read = 40, msr_write = 60, rdpmc = 30, apic = 20;
    uint64_t msr_store_list = 40;  // extra VM-exit cost when the store list saves GLOBAL_CTRL
    uint64_t step = 10;            // bookkeeping of every protocol step
    uint64_t fastpath = 400;       // KVM's fastpath handling between the VM-exit and the re-entry
    Dist exit_handling = Dist::fixed(2'000);
};

}  // namespace pmusim

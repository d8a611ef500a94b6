// bleed: a counter enabled by one context's programming counts in a cycle another context owns.
// The cycle reported is the first cycle of the run chunk in which it counted.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class BleedChecker : public Checker {
public:
    using Checker::Checker;
    void on_chunk(const ChunkEvent& c) override {
        const Taint own = taint_of(c.owner);
        for (uint32_t m = c.counted; m; m &= m - 1) {
            const unsigned s = unsigned(__builtin_ctz(m));
            const Taint ctl = e_.prov.control(s);
            if (!(ctl & ~own)) continue;
            Violation v;
            v.cycle = c.begin;
            v.kind = ViolationKind::Bleed;
            v.reg = s < kMaxGpCounters ? "PMC" + std::to_string(s) : "FIXED_CTR" + std::to_string(s - kMaxGpCounters);
            v.reader = e_.taint_names(ctl & ~own);
            v.source = e_.ctx_name(c.owner);
            v.expected = c.before.counter[s];
            v.actual = c.after.counter[s];
            v.step = e_.tag_name(c.tag);
            v.detail = "counter programmed by " + e_.taint_names(ctl) + " counted " + e_.ctx_name(c.owner) + "'s cycles";
            e_.log.add(std::move(v));
        }
    }
};
}  // namespace

std::unique_ptr<Checker> make_bleed_checker(Engine& e) { return std::make_unique<BleedChecker>(e); }

}  // namespace pmusim

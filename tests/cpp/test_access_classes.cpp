// The engine shows a checker only the accesses of the classes it judges (Checker::access_classes,
// sim/virt/checker.h): no checker may report an access of any other class, and each class a
// checker can report on must be in its mask.
#include "checker_bench.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {
// Accesses of every class by every actor (KVM, the host, vm0), on a register holding another
// context's value, reads and writes, succeeding and #GP (a reserved bit, an absent register).
std::vector<AccessEvent> every_kind_of_access(CheckerBench& b) {
    std::vector<AccessEvent> v;
    for (int actor : {-1, 0, 1}) {
        const int other = actor == 1 ? 0 : 1;
        b.write(other, msr::kPmc0, 5000);
        v.push_back(b.read(actor, AccessKind::Rdmsr, msr::kPmc0));
        v.push_back(b.read(actor, AccessKind::Rdpmc, rdpmc_ecx::gp(0)));
        v.push_back(b.read(actor, AccessKind::Rdmsr, 0x1234));  // #GP
        v.push_back(b.read(actor, AccessKind::Rdpmc, 0x4000));  // #GP
        v.push_back(b.write_access(actor, msr::kPmc0 + 1, 7, "write"));
        v.push_back(b.write_access(actor, msr::kGlobalCtrl, ~uint64_t(0), "reserved bits"));  // #GP
    }
    for (auto& a : v) a.taint |= taint_of(0) | taint_of(1);  // another context's state, whoever reads
    return v;
}
}  // namespace

// Given each registered checker, when it is shown accesses of the classes outside its mask, then
// it reports nothing; and when shown those inside, each class it reports on is one it declared.
TEST(Checkers, NoCheckerReportsAnAccessOutsideItsClasses) {
    int judged = 0;
    for (const CheckerDef& d : checker_registry()) {
        CheckerBench b(d.name);
        const uint8_t mask = b.c().access_classes();
        uint8_t seen = 0;
        for (const AccessEvent& a : every_kind_of_access(b)) {
            seen |= access_class(a);
            const size_t before = b.e.log.total();
            b.c().on_access(a);
            if (b.e.log.total() == before) continue;
            EXPECT_TRUE(mask & access_class(a)) << d.name << " reported an access outside its classes (actor " << a.actor
                                                << ", ok " << a.ok << ", kind " << int(a.kind) << ")";
            ++judged;
        }
        EXPECT_EQ(seen, 0xff) << "the accesses above cover every class";
    }
    EXPECT_GT(judged, 0) << "some checker reports some of these accesses";
}

// The classes: trusted, succeeded and write each flip one bit; #GPs of both kinds are
// kFailedAccesses.
TEST(Checkers, AccessClassesAreDistinctBits) {
    uint8_t all = 0;
    for (bool t : {false, true})
        for (bool ok : {false, true})
            for (bool w : {false, true}) {
                const uint8_t c = access_class(t, ok, w);
                EXPECT_EQ(__builtin_popcount(c), 1);
                EXPECT_FALSE(all & c);
                all |= c;
                EXPECT_EQ(bool(kFailedAccesses & c), !ok);
            }
    EXPECT_EQ(all, 0xff);
}

// The engine's record of each register's last write (LastWrites), which the guest_state checker
// reads to name the step whose write made a difference: a flat table for the PMU's keys, a map
// for any other.
#include <gtest/gtest.h>

#include "sim/virt/engine.h"

using namespace pmusim;

TEST(LastWrites, EachKeyKeepsItsOwnLastWrite) {
    LastWrites w;
    // Given writes of PMC0 by slot, of the MSR at address 0 (another key space), of GLOBAL_CTRL
    // twice, and of an MSR beyond the flat table,
    w.record(Engine::counter_key(0), 10, 1);
    w.record(0, 11, 2);
    w.record(msr::kGlobalCtrl, 12, 3);
    w.record(msr::kGlobalCtrl, 40, 4);
    w.record(0xc0000080u, 13, 5);
    // then each is found with its last cycle and tag,
    ASSERT_NE(w.find(Engine::counter_key(0)), nullptr);
    EXPECT_EQ(w.find(Engine::counter_key(0))->cycle, 10u);
    EXPECT_EQ(w.find(Engine::counter_key(0))->tag, 1);
    EXPECT_EQ(w.find(0)->tag, 2);
    EXPECT_EQ(w.find(msr::kGlobalCtrl)->cycle, 40u);
    EXPECT_EQ(w.find(msr::kGlobalCtrl)->tag, 4);
    EXPECT_EQ(w.find(0xc0000080u)->tag, 5);
    // and registers never written are not: below, inside and past what was recorded.
    EXPECT_EQ(w.find(Engine::counter_key(1)), nullptr);
    EXPECT_EQ(w.find(msr::kFixedCtrCtrl), nullptr);
    EXPECT_EQ(w.find(0xfffu), nullptr);
    EXPECT_EQ(w.find(0xc0000081u), nullptr);
}

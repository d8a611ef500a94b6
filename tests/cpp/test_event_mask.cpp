// EventMask: the set of base events a counter sums, one bit per event in as many 64-bit words as
// the event list needs (models/core/events.h). Given masks built from bit(e), then the set
// operations, the iteration and masked_sum see every event, the last one included.
#include <gtest/gtest.h>

#include <vector>

#include "models/core/events.h"

using namespace pmusim;

namespace {
constexpr Event kLast = static_cast<Event>(kNumEvents - 1);
}

TEST(EventMask, TheFullSetHoldsEveryBaseEventAndNothingBeyond) {
    EXPECT_EQ(kAllEvents.count(), kNumEvents);
    EXPECT_TRUE(kAllEvents.test(idx(kLast)));
    EXPECT_EQ(~kAllEvents, EventMask());
    EXPECT_FALSE(static_cast<bool>(~kAllEvents));
}

TEST(EventMask, ZeroIsTheEmptySetAndNoOtherIntegerConverts) {
    const EventMask m = 0;
    EXPECT_FALSE(static_cast<bool>(m));
    EXPECT_EQ(m.count(), 0u);
    EXPECT_THROW(EventMask(1), std::invalid_argument);
}

TEST(EventMask, SetOperationsAndIterationReachTheLastEvent) {
    // Given the first and the last base event...
    const EventMask a = bit(Event::CoreCycles) | bit(kLast);
    // ...then both are members, in increasing order, and the complement has the others.
    std::vector<unsigned> seen;
    a.for_each([&](unsigned e) { seen.push_back(e); });
    EXPECT_EQ(seen, (std::vector<unsigned>{0u, kNumEvents - 1}));
    EXPECT_EQ((~a).count(), kNumEvents - 2);
    EXPECT_FALSE(static_cast<bool>(a & ~a));
    EXPECT_EQ(a & bit(kLast), bit(kLast));
    EXPECT_NE(a, bit(kLast));
    // ...and masked_sum adds exactly their counts.
    EventVector v = EventVector::Constant(1);
    v[idx(kLast)] = 100;
    EXPECT_EQ(masked_sum(v, a), 101u);
    EXPECT_EQ(masked_sum(v, kAllEvents), kNumEvents - 1 + 100);
}

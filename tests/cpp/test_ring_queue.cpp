// The ring of perf's queued operations (RingQueue, OpQueue): FIFO order across the wrap of its
// slots, push_front for a completion's follow-up, and a capacity bounded by the most entries
// ever held at once.
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "sim/perf/ring_queue.h"
#include "sim/virt/perf_software.h"

using namespace pmusim;

// Given a random mix of push_back, push_front and pop_front, when the ring and a std::deque take
// the same operations, then they hold the same entries in the same order after every step.
TEST(RingQueue, BehavesAsADequeAcrossTheWrap) {
    RingQueue<int> ring;
    std::deque<int> ref;
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        const unsigned r = rng() % 10;
        if (r < 4 || ref.empty()) {
            ring.push_back(i);
            ref.push_back(i);
        } else if (r < 5) {
            ring.push_front(-i);
            ref.push_front(-i);
        } else {
            ASSERT_EQ(ring.front(), ref.front()) << i;
            ring.pop_front();
            ref.pop_front();
        }
        ASSERT_EQ(ring.size(), ref.size());
        if (i % 97 == 0) {
            size_t k = 0;
            for (int v : ring) ASSERT_EQ(v, ref[k++]);
            ASSERT_EQ(k, ref.size());
        }
    }
}

// Given a queue that is filled to at most n entries and drained, many times over, then its
// capacity is n rounded up to a power of two (at least 16) and stays there: the slots wrap
// instead of growing.
TEST(RingQueue, CapacityIsBoundedByTheMostHeldAtOnce) {
    RingQueue<int> q;
    EXPECT_EQ(q.capacity(), 0u);
    for (int round = 0; round < 1000; ++round) {
        const int n = 1 + round % 37;  // at most 37 held at once
        for (int i = 0; i < n; ++i) (round % 2 ? q.push_front(i) : q.push_back(i));
        for (int i = 0; i < n; ++i) {
            EXPECT_EQ(q.front(), round % 2 ? n - 1 - i : i);
            q.pop_front();
        }
        ASSERT_TRUE(q.empty());
    }
    EXPECT_EQ(q.capacity(), 64u);
    RingQueue<int> small;
    for (int i = 0; i < 100; ++i) small.push_back(i), small.pop_front();
    EXPECT_EQ(small.capacity(), 16u);
}

// perf's operations keep what they carry through a growth, a wrap and a swap.
TEST(RingQueue, OperationsSurviveGrowthAndSwap) {
    OpQueue q;
    for (uint32_t i = 0; i < 40; ++i) {
        SoftOp op;
        op.kind = SoftOp::Kind::Wrmsr;
        op.index = 0x186 + i;
        op.value = i * 3;
        op.what = "label";
        q.push_back(op);
        if (i % 3 == 0) q.pop_front();
    }
    OpQueue other;
    other.swap(q);
    EXPECT_TRUE(q.empty());
    ASSERT_EQ(other.size(), 26u);
    EXPECT_EQ(other.front().index, 0x186u + 14);
    EXPECT_EQ(other.front().value, 42u);
    EXPECT_EQ(other.front().what, "label");
    uint32_t expect = 14;
    for (const SoftOp& op : other) EXPECT_EQ(op.index, 0x186u + expect++);
}

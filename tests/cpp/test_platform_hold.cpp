// A PlatformHold takes the process's platform once for many Machine calls (the engine holds it
// per protocol step): the calls inside take no lock of their own, and other threads' calls wait
// for the hold to end, as they wait for one access or run (docs/python.md "Threads").
#include <atomic>
#include <chrono>
#include <thread>

#include "pmu_test_util.h"
#include "sim/platform.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

// Whether another thread could take the platform now.
bool free_for_another_thread() {
    bool got = false;
    std::thread t([&] {
        got = Platform::mutex().try_lock();
        if (got) Platform::mutex().unlock();
    });
    t.join();
    return got;
}

// PMC0 counts cycles from 0 for 1000 cycles; its value then.
uint64_t count_1000_cycles(Machine& m) {
    m.wrmsr(msr::kPmc0, 0);
    m.wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    m.wrmsr(msr::kGlobalCtrl, 1);
    m.advance(1000);
    const uint64_t v = m.rdmsr(msr::kPmc0);
    m.wrmsr(msr::kGlobalCtrl, 0);
    return v;
}

}  // namespace

TEST(PlatformHold, HoldsThePlatformUntilItEndsAndNests) {
    EXPECT_FALSE(PlatformHold::held_here());
    {
        const PlatformHold outer;
        EXPECT_TRUE(PlatformHold::held_here());
        EXPECT_FALSE(free_for_another_thread());
        {
            const PlatformHold inner;
            EXPECT_TRUE(PlatformHold::held_here());
        }
        // The inner hold's end leaves the outer one's.
        EXPECT_TRUE(PlatformHold::held_here());
        EXPECT_FALSE(free_for_another_thread());
    }
    EXPECT_FALSE(PlatformHold::held_here());
    EXPECT_TRUE(free_for_another_thread());
}

TEST(PlatformHold, IsThisThreadsOnly) {
    const PlatformHold hold;
    bool other_sees_hold = true;
    std::thread t([&] { other_sees_hold = PlatformHold::held_here(); });
    t.join();
    EXPECT_FALSE(other_sees_hold);
}

TEST(PlatformHold, CallsInsideGiveTheResultsOfCallsOutside) {
    // Given two Machines of the same preset, when one counts 1000 cycles inside a hold and the
    // other outside, then both read the same count and stand at the same cycle.
    Machine held, free;
    uint64_t in_hold = 0;
    {
        const PlatformHold hold;
        in_hold = count_1000_cycles(held);
    }
    EXPECT_EQ(in_hold, count_1000_cycles(free));
    EXPECT_EQ(in_hold, 1000u);
    EXPECT_EQ(held.cycle(), free.cycle());
}

TEST(PlatformHold, AnotherThreadsCallWaitsForTheHoldToEnd) {
    // Given this thread holding the platform, when another thread accesses its own Machine, then
    // that access completes only after the hold ends, with its single-threaded result.
    Machine mine, theirs;
    std::atomic<bool> done{false};
    uint64_t theirs_count = 0;
    std::thread t;
    {
        const PlatformHold hold;
        t = std::thread([&] {
            theirs_count = count_1000_cycles(theirs);
            done = true;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        EXPECT_FALSE(done.load());
        EXPECT_EQ(count_1000_cycles(mine), 1000u);  // this thread's calls go on meanwhile
        EXPECT_FALSE(done.load());
    }
    t.join();
    EXPECT_TRUE(done.load());
    EXPECT_EQ(theirs_count, 1000u);
}

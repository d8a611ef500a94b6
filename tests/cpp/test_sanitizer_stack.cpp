// Under AddressSanitizer, an exception thrown and caught on the main stack after the platform has
// run with a thread process (SystemC switched to the thread and back) leaves no poisoned stack behind: libsystemc
// 2.3.4 announces its main coroutine to ASan as a stack at 0 of size 0, and without
// run_systemc's correction ASan refuses to unpoison the unwound frames (docs/testing.md "The
// SystemC stack workaround"). Skipped in builds without ASan.
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn
#include <cstring>
#include <memory>
#include <stdexcept>
#include <systemc>

#include "pmu_test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define PMUSIM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PMUSIM_TEST_ASAN 1
#endif
#endif

#ifdef PMUSIM_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

using namespace pmusim;
using namespace pmusim::test;

namespace {

// Frames with instrumented locals (redzones poisoned on entry), unwound by the exception.
__attribute__((noinline)) void throw_from_depth(int depth) {
    volatile char buf[512];
    std::memset(const_cast<char*>(buf), depth, sizeof buf);
    if (depth == 0) throw std::runtime_error("deep");
    throw_from_depth(depth - 1);
    buf[1] = 0;
}

// The first poisoned byte in the `span` bytes of stack below this frame (nullptr: none).
__attribute__((noinline)) const void* poisoned_below_here(size_t span) {
#ifdef PMUSIM_TEST_ASAN
    char here;
    const char* top = &here - 256;  // clear of this frame's own redzones
    return __asan_region_is_poisoned(const_cast<char*>(top - span), span);
#else
    (void)span;
    return nullptr;
#endif
}

// The platform's own processes are SC_METHODs, which run on the main stack. A thread process
// waking for the next few cycles makes the next run switch coroutines: the case the fix is for.
// Returns how many times it has woken (3 once it is done).
std::shared_ptr<int> spawn_a_thread() {
    auto woken = std::make_shared<int>(0);
    sc_core::sc_spawn([woken] {
        for (int i = 0; i < 3; ++i) {
            sc_core::wait(sc_core::sc_time(1, sc_core::SC_NS));
            ++*woken;
        }
    });
    return woken;
}

}  // namespace

TEST(SanitizerStack, AnExceptionAfterARunLeavesNoPoisonedStack) {
#ifndef PMUSIM_TEST_ASAN
    GTEST_SKIP() << "not an AddressSanitizer build";
#endif
    // Given the platform has run in both modes with a thread process (SystemC switched coroutines)
    for (TimeMode mode : {TimeMode::PerCycle, TimeMode::Fast}) {
        auto m = make_machine("sapphirerapids", {}, mode);
        const auto woken = spawn_a_thread();
        m->run(100);
        ASSERT_EQ(*woken, 3);
        // When an exception unwinds 16 instrumented frames on the main stack
        bool caught = false;
        try {
            throw_from_depth(16);
        } catch (const std::runtime_error&) {
            caught = true;
        }
        ASSERT_TRUE(caught);
        // Then the stack those frames used is unpoisoned
        EXPECT_EQ(poisoned_below_here(16 * 1024), nullptr) << (mode == TimeMode::Fast ? "fast" : "per-cycle");
    }
}

TEST(SanitizerStack, AGeneralProtectionAfterARunLeavesNoPoisonedStack) {
#ifndef PMUSIM_TEST_ASAN
    GTEST_SKIP() << "not an AddressSanitizer build";
#endif
    // Given a run, when a #GP is raised as GeneralProtection through the TLM port and caught
    auto m = make_machine();
    const auto woken = spawn_a_thread();
    m->run(1000);
    ASSERT_EQ(*woken, 3);
    EXPECT_THROW(m->wrmsr(msr::kGlobalCtrl, ~0ull), GeneralProtection);
    // Then nothing below is left poisoned
    EXPECT_EQ(poisoned_below_here(16 * 1024), nullptr);
}

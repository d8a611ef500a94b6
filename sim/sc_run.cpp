// libsystemc 2.3.4 (QuickThreads coroutines) announces every switch to ASan with
// __sanitizer_start_switch_fiber(NULL, next->m_stack, next->m_stack_size). Its main coroutine (the
// thread that called sc_start) was never allocated by SystemC, so it has m_stack = 0 and
// m_stack_size = 0: after the first switch back, ASan believes the thread's stack is [0, 0). An
// exception thrown there later makes __asan_handle_no_return give up ("ASan is ignoring requested
// __asan_handle_no_return ... top: 0x000000000000"), the unwound frames stay poisoned and reports
// about stack memory reused by uninstrumented code follow (google/sanitizers issue 189).
//
// The fix, sound for every switch: before sc_start, give the main coroutine the calling thread's
// real stack (as ASan itself knows it) so SystemC announces the right bounds on every switch back,
// including inside sc_start; restore the fields afterwards (~sc_cor_qt would munmap m_stack). The
// coroutine package is created by sc_simcontext::initialize(true), the first thing sc_start does,
// so it is called first here. A process that ends switches away with sc_cor_pkg_qt::abort, which
// announces nothing; our one process never ends, and the bounds are announced again after every
// sc_start for whatever follows.
#include "sim/sc_run.h"

#if defined(__SANITIZE_ADDRESS__)
#define PMUSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PMUSIM_ASAN 1
#endif
#endif

#ifdef PMUSIM_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sysc/kernel/sc_cor.h>

#include <cstdio>
#include <cstring>
#include <typeinfo>
#endif

namespace pmusim {

#ifdef PMUSIM_ASAN
namespace {

struct StackBounds {
    const void* bottom = nullptr;
    size_t size = 0;
};

// The calling thread's stack as ASan records it: a switch to no stack that returns the old
// bounds, then a switch back to them. Nothing runs in between; the fake stack is kept.
StackBounds asan_stack_of_this_thread() {
    StackBounds b;
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, nullptr, 0);
    __sanitizer_finish_switch_fiber(fake, &b.bottom, &b.size);
    __sanitizer_start_switch_fiber(&fake, b.bottom, b.size);
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
    return b;
}

void announce(const StackBounds& b) {
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, b.bottom, b.size);
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
}

// The leading fields of libsystemc's sc_cor_qt (its header is not installed): the vtable pointer,
// m_stack_size, m_stack, m_sp, m_pkg. Checked at run time before use (main_coroutine).
struct CorQtFields {
    void* vptr;
    size_t stack_size;
    void* stack;
    void* sp;
    void* pkg;
};

// SystemC's main coroutine when it is a QuickThreads one laid out as above with no stack of its
// own (or the one we gave it), else nullptr.
CorQtFields* main_coroutine() {
    sc_core::sc_simcontext* simc = sc_core::sc_get_curr_simcontext();
    if (!simc->cor_pkg()) simc->initialize(true);  // elaborate, create the coroutines; no switch
    sc_core::sc_cor_pkg* pkg = simc->cor_pkg();
    if (!pkg) return nullptr;
    sc_core::sc_cor* cor = pkg->get_main();
    if (!cor || std::strcmp(typeid(*cor).name(), "N7sc_core9sc_cor_qtE") != 0) return nullptr;
    auto* f = reinterpret_cast<CorQtFields*>(cor);
    if (f->pkg != nullptr && f->pkg != pkg) return nullptr;  // 2.3.4 leaves the main one's m_pkg unset
    return f;
}

}  // namespace

void run_systemc(const sc_core::sc_time& duration) {
    thread_local const StackBounds mine = asan_stack_of_this_thread();  // before this thread's first sc_start
    CorQtFields* main = main_coroutine();
    const bool patch = main && main->stack == nullptr && main->stack_size == 0;
    if (main && !patch) {
        static bool warned = false;
        if (!warned) std::fprintf(stderr, "pmusim: SystemC's main coroutine has a stack; ASan fix not applied\n");
        warned = true;
    }
    struct Restore {
        CorQtFields* main;
        const StackBounds& mine;
        ~Restore() {
            if (main) main->stack = nullptr, main->stack_size = 0;
            announce(mine);
        }
    } restore{patch ? main : nullptr, mine};
    if (patch) main->stack = const_cast<void*>(mine.bottom), main->stack_size = mine.size;
    sc_core::sc_start(duration);
}

#else

void run_systemc(const sc_core::sc_time& duration) { sc_core::sc_start(duration); }

#endif

}  // namespace pmusim

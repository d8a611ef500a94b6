#include "sim/platform.h"

#include <atomic>
#include <cstdlib>

namespace pmusim {

using namespace sc_core;

namespace {
std::atomic<unsigned> g_warnings{0};
bool g_warnings_throw = false;

void report_handler(const sc_report& rep, const sc_actions& actions) {
    if (rep.get_severity() == SC_INFO) return;
    if (rep.get_severity() == SC_WARNING) {
        ++g_warnings;
        if (!g_warnings_throw) {
            sc_report_handler::default_handler(rep, actions & ~(SC_THROW | SC_ABORT | SC_STOP));
            return;
        }
    }
    throw std::runtime_error(std::string("SystemC ") + rep.get_msg_type() + ": " + rep.get_msg());
}
}  // namespace

void install_report_handler(bool warnings_throw) {
    g_warnings_throw = warnings_throw;
    sc_report_handler::set_handler(report_handler);
}

unsigned systemc_warning_count() { return g_warnings.load(); }

const sc_time& Platform::cycle_period() {
    static const sc_time p(1, SC_NS);
    return p;
}

std::recursive_mutex& Platform::mutex() {
    static std::recursive_mutex m;
    return m;
}

Platform& Platform::get() {
    static Platform* p = [] {
        ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
        static bool handler_installed = false;
        if (!handler_installed) install_report_handler(false), handler_installed = true;
        return new Platform();  // never destroyed: SystemC objects outlive static destruction order
    }();
    return *p;
}

Platform::Platform() : core("core"), pmu("pmu", cycle_period()), cpu("cpu") {
    cpu.msr_socket.bind(pmu.msr_socket);
    cpu.rdpmc_socket.bind(pmu.rdpmc_socket);
    pmu.core.bind(core.source);
}

}  // namespace pmusim

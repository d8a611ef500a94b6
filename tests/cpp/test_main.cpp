// Test entry: libsystemc's main() calls sc_main. SystemC warnings and errors fail the test.
#include <gtest/gtest.h>

#include <systemc>

#include "sim/platform.h"

namespace {
void failing_handler(const sc_core::sc_report& rep, const sc_core::sc_actions&) {
    if (rep.get_severity() == sc_core::SC_INFO) return;
    ADD_FAILURE() << "SystemC " << (rep.get_severity() == sc_core::SC_WARNING ? "warning" : "error") << ": "
                  << rep.get_msg_type() << ": " << rep.get_msg();
    if (rep.get_severity() >= sc_core::SC_ERROR) throw std::runtime_error(rep.get_msg());
}
}  // namespace

int sc_main(int argc, char** argv) {
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    testing::InitGoogleTest(&argc, argv);
    pmusim::Platform::get();  // elaborate once
    sc_core::sc_report_handler::set_handler(failing_handler);
    return RUN_ALL_TESTS();
}

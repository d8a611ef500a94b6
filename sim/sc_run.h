// The one place the simulator enters the SystemC kernel (sc_start). Under AddressSanitizer it also
// keeps ASan's idea of the calling thread's stack right across SystemC's coroutine switches
// (docs/testing.md "The SystemC stack workaround"); in other builds it is sc_start.
#pragma once
#include <systemc>

namespace pmusim {

void run_systemc(const sc_core::sc_time& duration);

}  // namespace pmusim

// Process entry for pmusim executables: silence the SystemC banner (it would precede the
// program's own output) before the kernel initialises, then run sc_main as usual.
#include <cstdlib>
#include <systemc>

int main(int argc, char** argv) {
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}

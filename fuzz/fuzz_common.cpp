#include "fuzz/fuzz_common.h"

#include <cstdlib>

#include "sim/platform.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    pmusim::Platform::get();
    return 0;
}

// libsystemc's own main() calls sc_main, so linking an executable needs one; libFuzzer supplies
// the main() that runs, and this is never called.
int sc_main(int, char**) { return 1; }

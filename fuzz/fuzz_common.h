// Shared by the libFuzzer harnesses (docs/testing.md "Fuzzers"): the one platform of the process,
// RDPMC selectors, and the rule for rejected input.
#pragma once
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <typeinfo>

namespace pmusim::fuzz {

// SystemC elaborates once per process: fuzz_common.cpp's LLVMFuzzerInitialize elaborates the
// platform before the first input, and every input of a harness reuses it.

// The name the YAML harnesses give their input in error messages.
constexpr const char* kYamlOrigin = "fuzz.yaml";
constexpr const char* kPresets[] = {"sapphirerapids", "icelake", "skylake", "lunarlake"};

// An RDPMC selector: a GP or fixed index (bit 30), PERF_METRICS (bit 29), the fast-read bit 31,
// a little beyond the counters, or any 32-bit value.
inline uint32_t rdpmc_ecx(FuzzedDataProvider& in) {
    const uint32_t index = in.ConsumeIntegralInRange<uint32_t>(0, 9);
    switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0: return in.ConsumeIntegral<uint32_t>();
    case 1: return (1u << 30) | index;
    case 2: return 1u << 29;
    case 3: return (1u << 31) | index;
    default: return index;
    }
}

// Bad input must end in an exception whose message is not empty: that is how the CLI (exit 2)
// and Python (ValueError) report it. With PMUSIM_FUZZ_ORIGIN set, the message must also name the
// input (the file name the harness passed as origin).
inline void rejected(const std::exception& e, const char* origin) {
    const char* want = std::getenv("PMUSIM_FUZZ_ORIGIN") ? origin : "";
    if (e.what()[0] != '\0' && std::strstr(e.what(), want)) return;
    std::fprintf(stderr, "rejected input with an unhelpful message: '%s' (%s)\n", e.what(), typeid(e).name());
    std::abort();
}

}  // namespace pmusim::fuzz

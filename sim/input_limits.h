// The limits on every input (docs/user-guide.md, "Limits"): each bounds the memory or time a small
// input can ask for, and exceeding one is an error naming the file, line and field.
#pragma once
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "models/core/quote_value.h"

namespace pmusim {

constexpr uint64_t kMaxInputFileBytes = 16ull << 20;     // a workload, scenario or event-filter YAML file
constexpr uint64_t kMaxVcdFileBytes = 1ull << 30;        // a VCD read by `pmusim wave diff`
constexpr uint64_t kMaxScheduleSteps = 1'000'000;        // steps a workload schedule expands to (~75 bytes each)
// Varied chunks and segments of a built workload: kMaxVariedChunks, kMaxSegments (phased_workload.h).
// SystemC's time base: 2^64 steps of its 1 ps resolution, about 1.8e16 one-ns cycles per process
// (every run in a process advances the one simulation clock); a scenario asks for at most 1e16.
constexpr uint64_t kMaxRunCycles = 10'000'000'000'000'000ull;
constexpr uint64_t kMaxCostCycles = 1'000'000'000;       // one transition or handling cost of a scenario
constexpr uint64_t kMaxIntervals = 1'000'000'000;        // intervals of one topdown run, streamed (the CLI)
constexpr uint64_t kMaxKeptIntervals = 1'000'000;        // ... kept in memory (Python: about 1 KB each)
constexpr uint64_t kVcdSampleWarnBytes = 1ull << 30;     // --vcd-sample: warn above this estimated size
constexpr uint64_t kVcdBytesPerSample = 100;             // ... estimated from this many bytes a sample

// A file to read: it exists, is a regular file (not a device, FIFO or directory) and is at most
// `max_bytes` long.
inline void check_input_file(const std::string& path, const std::string& what, uint64_t max_bytes) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw std::invalid_argument(printable(path) + ": cannot open " + what + " file");
    if (!fs::is_regular_file(st))
        throw std::invalid_argument(printable(path) + ": not a regular file (a " + what + " file is read whole)");
    const uint64_t size = fs::file_size(path, ec);
    if (ec) throw std::invalid_argument(printable(path) + ": cannot open " + what + " file");
    if (size > max_bytes)
        throw std::invalid_argument(printable(path) + ": " + std::to_string(size) + " bytes: a " + what +
                                    " file has at most " + std::to_string(max_bytes) + " bytes");
}

}  // namespace pmusim

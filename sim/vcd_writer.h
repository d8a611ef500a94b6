// A Value Change Dump writer (IEEE 1364 §18) for regression waveforms: integer signals of fixed
// width and text signals (GTKWave's `$var string` extension), a 1 ns timescale (one core cycle at
// 1 GHz), values written only when they change. GTKWave opens the files; `vcd2fst` converts them.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace pmusim {

// A text value as a VCD token: a value ends at whitespace, so backslash, space and every byte
// outside '!'..'~' become a three-digit octal escape (space: \040), the form GTKWave's readers
// decode and its fst2vcd writes. vcd_unescape() reverses it and also takes C's \n, \t, \xHH, ...
std::string vcd_escape(const std::string& text);
std::string vcd_unescape(const std::string& token);

class VcdWriter {
public:
    // Throws std::runtime_error naming the path if it cannot be written.
    explicit VcdWriter(const std::string& path, std::string comment = {});
    static constexpr size_t kNone = ~size_t(0);
    // Only signals matching one of these are written: a name, or a prefix ending in '*'.
    // Empty: every signal.
    void select(std::vector<std::string> patterns) { select_ = std::move(patterns); }
    // Declare before begin(); returns the signal's handle (kNone when not selected; set() then
    // ignores it).
    size_t add(const std::string& name, unsigned width);
    // A text signal (`$var string`): its values are names, so no code table can go stale.
    size_t add_string(const std::string& name);
    // Throws std::invalid_argument naming a selection pattern that matched no signal.
    void check_selection() const;
    void begin();
    // Sets a signal at time t (t must not go backwards; an earlier t is written at the last time).
    void set(size_t sig, uint64_t value, uint64_t t);
    void set_string(size_t sig, const std::string& value, uint64_t t);
    void close();
    ~VcdWriter();

private:
    struct Sig {
        std::string name, id;
        unsigned width;  // 0: a string signal
        uint64_t value;
        std::string text;
        bool known;
    };
    size_t declare(const std::string& name, unsigned width);
    void time(uint64_t t);
    std::ofstream out_;
    std::string path_, comment_;
    std::vector<Sig> sigs_;
    std::vector<std::string> select_, declared_;
    uint64_t now_ = 0;
    bool begun_ = false, stamped_ = false;
};

}  // namespace pmusim

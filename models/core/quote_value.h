// A value from the input, quoted for an error message: quotes, backslashes, control bytes and bytes
// outside printable ASCII escaped (\n, \xff), cut to a sane length. Whatever a file holds, the
// message stays short, printable UTF-8 (a stray byte would otherwise empty a Python ValueError).
#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace pmusim {

constexpr size_t kMaxQuoted = 80;  // characters of a bad value shown in a message

inline std::string escaped(std::string_view s, size_t max = kMaxQuoted) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\'' || c == '\\') (out += '\\') += char(c);
        else if (c < 0x20 || c >= 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\x%02x", c);
            out += b;
        } else out += char(c);
    }
    return out;
}

inline std::string quote_value(std::string_view s, size_t max = kMaxQuoted) { return "'" + escaped(s, max) + "'"; }

// Text that may come from a file (names, paths): printable as it is, or escaped when it holds a
// byte that is not printable ASCII; never cut.
inline std::string printable(std::string_view s) { return escaped(s, std::string::npos); }

}  // namespace pmusim

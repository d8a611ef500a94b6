#include "sim/vcd_writer.h"
#include "models/core/quote_value.h"

#include <cctype>
#include <stdexcept>

#include "sim/version.h"

namespace pmusim {

VcdWriter::VcdWriter(const std::string& path, std::string comment) : out_(path), path_(path), comment_(std::move(comment)) {
    if (!out_) throw std::runtime_error(path + ": cannot open for writing");
}

VcdWriter::~VcdWriter() {
    try {
        close();
    } catch (...) {
    }
}

namespace {
bool matches(const std::string& pat, const std::string& name) {
    if (!pat.empty() && pat.back() == '*') return name.compare(0, pat.size() - 1, pat, 0, pat.size() - 1) == 0;
    return pat == name;
}
}  // namespace

void VcdWriter::check_selection() const {
    for (auto& p : select_) {
        bool any = false;
        for (auto& n : declared_) any = any || matches(p, n);
        if (!any) {
            std::string known;
            for (auto& n : declared_) known += " " + n;
            throw std::invalid_argument("vcd signal " + quote_value(p) + ": matches no signal (signals:" + known + ")");
        }
    }
}

std::string vcd_escape(const std::string& text) {
    std::string out;
    for (const unsigned char c : text) {
        if (c > ' ' && c <= '~' && c != '\\') out += char(c);
        else out += {'\\', char('0' + (c >> 6)), char('0' + ((c >> 3) & 7)), char('0' + (c & 7))};
    }
    return out;
}

std::string vcd_unescape(const std::string& token) {
    static const std::string named = "abfnrtv", bytes = "\a\b\f\n\r\t\v";
    auto hex = [](char c) { return isdigit(static_cast<unsigned char>(c)) ? c - '0' : (tolower(c) - 'a' + 10) & 15; };
    std::string out;
    for (size_t i = 0; i < token.size(); ++i) {
        if (token[i] != '\\' || i + 1 == token.size()) {
            out += token[i];
            continue;
        }
        const char c = token[++i];
        if (named.find(c) != std::string::npos) out += bytes[named.find(c)];
        else if (c == 'x' && i + 2 < token.size()) {
            out += char(hex(token[i + 1]) * 16 + hex(token[i + 2]));
            i += 2;
        } else if (c >= '0' && c <= '7' && i + 2 < token.size()) {
            out += char((c - '0') * 64 + (token[i + 1] - '0') * 8 + (token[i + 2] - '0'));
            i += 2;
        } else {
            out += c;  // \\ \' \" \? and anything unknown: the character itself
        }
    }
    return out;
}

size_t VcdWriter::add(const std::string& name, unsigned width) {
    if (width == 0) throw std::invalid_argument("vcd signal " + quote_value(name) + ": width 0");
    return declare(name, width);
}

size_t VcdWriter::add_string(const std::string& name) { return declare(name, 0); }

size_t VcdWriter::declare(const std::string& name, unsigned width) {
    if (begun_) throw std::logic_error("VcdWriter::add after begin");
    declared_.push_back(name);
    if (!select_.empty()) {
        bool any = false;
        for (auto& p : select_) any = any || matches(p, name);
        if (!any) return kNone;
    }
    // Identifiers: base-94 over the printable characters '!'..'~'.
    size_t n = sigs_.size();
    std::string id;
    do {
        id += char('!' + n % 94);
        n /= 94;
    } while (n);
    sigs_.push_back({name, id, width, 0, {}, false});
    return sigs_.size() - 1;
}

void VcdWriter::begin() {
    out_ << "$date pmusim $end\n$version pmusim " << version() << " $end\n";
    if (!comment_.empty()) out_ << "$comment\n" << comment_ << "\n$end\n";
    out_ << "$timescale 1ns $end\n$scope module pmusim $end\n";
    for (auto& s : sigs_) {
        if (s.width == 0) out_ << "$var string 1 " << s.id << ' ' << s.name << " $end\n";
        else out_ << "$var wire " << s.width << ' ' << s.id << ' ' << s.name << " $end\n";
    }
    out_ << "$upscope $end\n$enddefinitions $end\n";
    begun_ = true;
}

void VcdWriter::time(uint64_t t) {
    if (t < now_) t = now_;
    if (!stamped_ || t != now_) {
        out_ << '#' << t << '\n';
        now_ = t;
        stamped_ = true;
    }
}

void VcdWriter::set(size_t sig, uint64_t value, uint64_t t) {
    if (sig == kNone) return;
    Sig& s = sigs_.at(sig);
    if (s.width == 0) throw std::logic_error("VcdWriter::set: " + quote_value(s.name) + " is a string signal");
    if (s.width < 64) value &= (1ull << s.width) - 1;
    if (s.known && s.value == value) return;
    time(t);
    s.value = value;
    s.known = true;
    if (s.width == 1) {
        out_ << (value ? '1' : '0') << s.id << '\n';
        return;
    }
    std::string bits;
    if (value == 0) bits = "0";
    for (uint64_t v = value; v; v >>= 1) bits.insert(bits.begin(), char('0' + (v & 1)));
    out_ << 'b' << bits << ' ' << s.id << '\n';
}

void VcdWriter::set_string(size_t sig, const std::string& value, uint64_t t) {
    if (sig == kNone) return;
    Sig& s = sigs_.at(sig);
    if (s.width != 0) throw std::logic_error("VcdWriter::set_string: " + quote_value(s.name) + " is not a string signal");
    if (s.known && s.text == value) return;
    time(t);
    s.text = value;
    s.known = true;
    out_ << 's' << vcd_escape(value) << ' ' << s.id << '\n';
}

void VcdWriter::close() {
    if (out_.is_open()) {
        out_.flush();
        if (!out_) throw std::runtime_error(path_ + ": write failed");
        out_.close();
    }
}

}  // namespace pmusim

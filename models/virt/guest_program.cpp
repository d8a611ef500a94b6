#include "models/virt/guest_program.h"

#include "models/pmu/register_table.h"

#include <cstdio>
#include <stdexcept>

namespace pmusim {


std::string Expectation::describe() const {
    std::string s;
    auto add = [&s](const std::string& x) { s += (s.empty() ? "" : ", ") + x; };
    if (value == Value::Equals) add("== " + hex_string(lo));
    if (value == Value::Range) add("in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    if (set) add("bits " + hex_string(set) + " set");
    if (clear) add("bits " + hex_string(clear) + " clear");
    if (sum_bytes) add("sum of " + std::to_string(sum_bytes) + " bytes in [" + hex_string(sum_lo) + ", " + hex_string(sum_hi) + "]");
    if (fault == Fault::Gp) add("#GP");
    if (fault == Fault::None && s.empty()) add("no #GP");
    return s;
}

std::string Expectation::check(bool gp, uint64_t read) const {
    // A value or bit expectation implies the access completes (no #GP).
    const bool want_gp = fault == Fault::Gp;
    const bool want_ok = fault == Fault::None || value != Value::Any || set || clear || sum_bytes;
    if (want_gp && !gp) return "expected #GP, got none";
    if (want_ok && gp) return "expected no #GP, got #GP";
    if (gp) return {};
    if (value == Value::Equals && read != lo) return "expected " + hex_string(lo) + ", read " + hex_string(read);
    if (value == Value::Range && (read < lo || read > hi))
        return "expected " + describe() + ", read " + std::to_string(read);
    if ((read & set) != set) return "bits " + hex_string(set & ~read) + " clear, expected set (read " + hex_string(read) + ")";
    if (read & clear) return "bits " + hex_string(read & clear) + " set, expected clear (read " + hex_string(read) + ")";
    if (sum_bytes) {
        uint64_t sum = 0;
        for (unsigned k = 0; k < sum_bytes && k < 8; ++k) sum += (read >> (8 * k)) & 0xff;
        if (sum < sum_lo || sum > sum_hi)
            return "sum of " + std::to_string(sum_bytes) + " bytes " + hex_string(sum) + ", expected [" + hex_string(sum_lo) + ", " +
                   hex_string(sum_hi) + "] (read " + hex_string(read) + ")";
    }
    return {};
}

GuestAction ProgramCursor::next() {
    const auto& code = p_.code;
    while (pc_ < code.size()) {
        const GuestInstr& in = code[pc_];
        switch (in.op) {
            case GuestInstr::Op::Loop:
                left_.push_back(in.count);
                ++pc_;
                continue;
            case GuestInstr::Op::EndLoop:
                if (--left_.back() == 0) {
                    left_.pop_back();
                    ++pc_;
                } else {
                    pc_ = in.match + 1;
                }
                continue;
            default: break;
        }
        GuestAction a;
        a.expect = in.expect;
        a.label = in.label;
        a.where = in.where;
        a.index = in.index;
        a.value = in.value;
        switch (in.op) {
            case GuestInstr::Op::Rdmsr: a.kind = GuestAction::Kind::Access; a.access = AccessKind::Rdmsr; break;
            case GuestInstr::Op::Wrmsr: a.kind = GuestAction::Kind::Access; a.access = AccessKind::Wrmsr; break;
            case GuestInstr::Op::Rdpmc: a.kind = GuestAction::Kind::Access; a.access = AccessKind::Rdpmc; break;
            case GuestInstr::Op::Emulate: a.kind = GuestAction::Kind::Emulate; break;
            default:
                a.kind = GuestAction::Kind::Run;
                a.cycles = in.count;
                break;
        }
        ++pc_;
        return a;
    }
    return {};
}

void validate_program(const GuestProgram& p) {
    std::vector<size_t> open;
    const auto& code = p.code;
    for (size_t i = 0; i < code.size(); ++i) {
        const GuestInstr& in = code[i];
        auto bad = [&](const std::string& msg) {
            throw std::invalid_argument((in.where.empty() ? "program[" + std::to_string(i) + "]" : in.where) + ": " + msg);
        };
        switch (in.op) {
            case GuestInstr::Op::Run:
                if (in.count == 0) bad("run: at least 1 cycle");
                break;
            case GuestInstr::Op::Loop:
                open.push_back(i);
                if (in.match <= i || in.match >= code.size() || code[in.match].op != GuestInstr::Op::EndLoop)
                    bad("loop without its end");
                // Every access and run takes guest time, so a loop with a body cannot spin in place.
                // (With count >= 1 the innermost loop runs an access or a run every iteration.)
                if (in.match == i + 1) bad("loop: empty body");
                if (in.count == 0) bad("loop: at least 1 iteration");
                break;
            case GuestInstr::Op::EndLoop:
                if (open.empty() || code[open.back()].match != i || in.match != open.back()) bad("end of a loop that is not open");
                open.pop_back();
                break;
            default: break;
        }
    }
    if (!open.empty()) throw std::invalid_argument(code[open.back()].where + ": loop without its end");
}

}  // namespace pmusim

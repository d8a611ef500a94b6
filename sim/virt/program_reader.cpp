#include "sim/virt/program_reader.h"

#include <cerrno>
#include <cstdlib>
#include <set>

#include "models/pmu/register_table.h"
#include "models/virt/emulated_instr.h"
#include "models/virt/lvtpc.h"

namespace pmusim {

bool msr_address_of(const std::string& name, uint32_t& out) {
    // Every name the register table gives on the CPU that enumerates the most registers, and the
    // pre-v4 name of STATUS_RESET.
    static const RegisterTable table(make_cpu_config("sapphirerapids"));
    if (name == "IA32_PERF_GLOBAL_OVF_CTRL") {
        out = msr::kGlobalStatusReset;
        return true;
    }
    if (name == "X2APIC_LVTPC") {  // the local APIC's, reached by guest programs (SDM 11.12.1.2)
        out = Lvtpc::kX2apicMsr;
        return true;
    }
    for (auto& r : table.all())
        if (r.name == name) {
            out = r.address;
            return true;
        }
    return false;
}

void require_keys(const YamlReader& r, const YAML::Node& n, const std::string& path, const std::set<std::string>& known) {
    r.require_map(n, path);
    for (auto kv : n) {
        const std::string k = r.text(kv.first, path);
        if (known.count(k)) continue;
        std::string all;
        for (auto& x : known) all += (all.empty() ? "" : ", ") + x;
        r.fail(kv.first, path + "." + k, "unknown key (known: " + all + ")");
    }
}

// A 64-bit value: decimal or 0x hex, exactly; a negative number is its two's complement
// (`value: -1000` presets a counter 1000 below overflow).
uint64_t read_u64(const YamlReader& r, const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) r.fail(n, path, "expected a whole number");
    const std::string s = n.Scalar();
    const bool neg = !s.empty() && s[0] == '-';
    const char* b = s.c_str() + (neg ? 1 : 0);
    char* end = nullptr;
    errno = 0;
    const bool bin = b[0] == '0' && (b[1] == 'b' || b[1] == 'B');  // 0b1101 (bitmaps)
    const unsigned long long v = std::strtoull(bin ? b + 2 : b, &end, bin ? 2 : 0);
    if (s.empty() || *b == '-' || *b == '+' || *end != '\0' || end == (bin ? b + 2 : b) || errno == ERANGE)
        r.fail(n, path, "expected a 64-bit whole number (decimal, 0x hex or 0b binary), got " + quote_value(s));
    return neg ? uint64_t(0) - uint64_t(v) : uint64_t(v);
}

uint32_t read_msr(const YamlReader& r, const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) r.fail(n, path, "expected an MSR address or name");
    uint32_t a = 0;
    if (msr_address_of(n.Scalar(), a)) return a;
    const uint64_t v = read_u64(r, n, path);
    if (v > 0xffffffffu) r.fail(n, path, "an MSR address has 32 bits, got " + quote_value(n.Scalar()));
    return uint32_t(v);
}

Expectation read_expectation(const YamlReader& r, const YAML::Node& n, const std::string& path) {
    require_keys(r, n, path, {"equals", "range", "bits_set", "bits_clear", "gp", "byte_sum"});
    Expectation e;
    if (n["equals"]) {
        e.value = Expectation::Value::Equals;
        e.lo = read_u64(r, n["equals"], path + ".equals");
    }
    if (auto rg = n["range"]) {
        if (n["equals"]) r.fail(rg, path + ".range", "give equals or range, not both");
        if (!rg.IsSequence() || rg.size() != 2) r.fail(rg, path + ".range", "expected [min, max]");
        e.value = Expectation::Value::Range;
        e.lo = read_u64(r, rg[0], path + ".range");
        e.hi = read_u64(r, rg[1], path + ".range");
        if (e.hi < e.lo) r.fail(rg, path + ".range", "max is below min");
    }
    if (n["bits_set"]) e.set = read_u64(r, n["bits_set"], path + ".bits_set");
    if (n["bits_clear"]) e.clear = read_u64(r, n["bits_clear"], path + ".bits_clear");
    if (e.set & e.clear) r.fail(n, path, "a bit cannot be both set and clear");
    if (auto bs = n["byte_sum"]) {
        require_keys(r, bs, path + ".byte_sum", {"bytes", "range"});
        e.sum_bytes = unsigned(r.count(bs["bytes"], path + ".byte_sum.bytes", 1));
        if (e.sum_bytes > 8) r.fail(bs["bytes"], path + ".byte_sum.bytes", "at most 8");
        auto rg = bs["range"];
        if (!rg || !rg.IsSequence() || rg.size() != 2) r.fail(bs, path + ".byte_sum.range", "expected [min, max]");
        e.sum_lo = read_u64(r, rg[0], path + ".byte_sum.range");
        e.sum_hi = read_u64(r, rg[1], path + ".byte_sum.range");
    }
    if (n["gp"]) {
        e.fault = r.boolean(n["gp"], path + ".gp") ? Expectation::Fault::Gp : Expectation::Fault::None;
        if (e.fault == Expectation::Fault::Gp && (e.value != Expectation::Value::Any || e.set || e.clear || e.sum_bytes))
            r.fail(n["gp"], path + ".gp", "an access that #GPs reads no value to expect");
    }
    return e;
}

namespace {

class ProgramReader {
public:
    ProgramReader(const YamlReader& r, GuestProgram& p) : r_(r), p_(p) {}

    uint64_t u64(const YAML::Node& n, const std::string& path) const { return read_u64(r_, n, path); }
    uint32_t msr(const YAML::Node& n, const std::string& path) const { return read_msr(r_, n, path); }
    Expectation expect(const YAML::Node& n, const std::string& path) const { return read_expectation(r_, n, path); }

    void list(const YAML::Node& n, const std::string& path) {
        if (!n.IsSequence()) r_.fail(n, path, "expected a list of instructions");
        for (size_t i = 0; i < n.size(); ++i) instr(n[i], path + "[" + std::to_string(i) + "]");
    }

private:
    void keys(const YAML::Node& n, const std::string& path, const std::set<std::string>& known) const {
        require_keys(r_, n, path, known);
    }

    void instr(const YAML::Node& n, const std::string& path) {
        keys(n, path, {"rdmsr", "wrmsr", "rdpmc", "value", "run", "loop", "body", "expect", "label", "emulate"});
        GuestInstr in;
        in.where = r_.place(n) + ": " + path;
        int ops = 0;
        for (const char* k : {"rdmsr", "wrmsr", "rdpmc", "run", "loop", "emulate"}) ops += bool(n[k]);
        if (ops != 1) r_.fail(n, path, "expected exactly one of rdmsr, wrmsr, rdpmc, run, loop, emulate");
        if (n["label"]) in.label = r_.text(n["label"], path + ".label");
        if (n["value"] && !n["wrmsr"]) r_.fail(n["value"], path + ".value", "only a wrmsr has a value");
        if (n["body"] && !n["loop"]) r_.fail(n["body"], path + ".body", "only a loop has a body");
        const bool access = n["rdmsr"] || n["wrmsr"] || n["rdpmc"];
        if (n["expect"] && !access) r_.fail(n["expect"], path + ".expect", "only an access has an expectation");
        if (n["expect"]) in.expect = expect(n["expect"], path + ".expect");
        if (n["rdmsr"]) {
            in.op = GuestInstr::Op::Rdmsr;
            in.index = msr(n["rdmsr"], path + ".rdmsr");
        } else if (n["wrmsr"]) {
            in.op = GuestInstr::Op::Wrmsr;
            in.index = msr(n["wrmsr"], path + ".wrmsr");
            if (!n["value"]) r_.fail(n, path + ".value", "a wrmsr needs a value");
            in.value = u64(n["value"], path + ".value");
            if (in.expect.value != Expectation::Value::Any || in.expect.set || in.expect.clear || in.expect.sum_bytes)
                r_.fail(n["expect"], path + ".expect", "a wrmsr reads nothing: expect only gp");
        } else if (n["rdpmc"]) {
            in.op = GuestInstr::Op::Rdpmc;
            const uint64_t ecx = u64(n["rdpmc"], path + ".rdpmc");
            if (ecx > 0xffffffffu) r_.fail(n["rdpmc"], path + ".rdpmc", "ECX has 32 bits");
            in.index = uint32_t(ecx);
        } else if (n["emulate"]) {
            in.op = GuestInstr::Op::Emulate;
            try {
                in.index = emulated_instruction_index(r_.text(n["emulate"], path + ".emulate"));
            } catch (const std::invalid_argument& e) {
                r_.fail(n["emulate"], path + ".emulate", e.what());
            }
        } else if (n["run"]) {
            in.op = GuestInstr::Op::Run;
            in.count = r_.count(n["run"], path + ".run", 1);
        } else {
            in.op = GuestInstr::Op::Loop;
            in.count = r_.count(n["loop"], path + ".loop", 1);
            if (!n["body"] || n["body"].size() == 0) r_.fail(n, path + ".body", "a loop needs a non-empty body");
            const size_t at = p_.code.size();
            p_.code.push_back(in);
            list(n["body"], path + ".body");
            GuestInstr end;
            end.op = GuestInstr::Op::EndLoop;
            end.match = at;
            end.where = in.where;
            p_.code[at].match = p_.code.size();
            p_.code.push_back(end);
            return;
        }
        p_.code.push_back(in);
    }

    const YamlReader& r_;
    GuestProgram& p_;
};

}  // namespace

GuestProgram read_guest_program(const YamlReader& r, const YAML::Node& n, const std::string& path) {
    GuestProgram p;
    ProgramReader(r, p).list(n, path);
    validate_program(p);
    return p;
}

}  // namespace pmusim

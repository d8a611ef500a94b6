#include "sim/virt/step_reader.h"

#include <set>

#include "models/pmu/register_table.h"
#include "sim/virt/program_reader.h"

namespace pmusim {

namespace {

constexpr int kMaxDepth = 16;  // nested if blocks (a bound for the reader's recursion)

class OpsReader {
public:
    explicit OpsReader(const YamlReader& r) : r_(r) {}

    std::vector<CustomOp> list(const YAML::Node& n, const std::string& path, int depth) {
        if (!n.IsDefined() || !n.IsSequence()) r_.fail(n, path, "expected a list of operations");
        if (depth > kMaxDepth) r_.fail(n, path, "if blocks nested deeper than " + std::to_string(kMaxDepth));
        std::vector<CustomOp> out;
        for (auto op : n) out.push_back(one(op, path, depth));
        return out;
    }

private:
    static bool is_number(const std::string& s) { return !s.empty() && (std::isdigit((unsigned char)s[0]) || s[0] == '-'); }

    // A constant (decimal, 0x, 0b, negative: two's complement) or a slot that holds a value.
    Operand operand(const YAML::Node& n, const std::string& path) {
        if (!n.IsScalar()) r_.fail(n, path, "expected a number or a slot name");
        const std::string s = n.Scalar();
        if (is_number(s)) return Operand::constant(read_u64(r_, n, path));
        name(n, path, s, false);
        if (s.find('.') == std::string::npos && !assigned_.count(s))
            r_.fail(n, path, "slot " + quote_value(s) + " has no value yet (assign it with into: or let: first)");
        return Operand::named(s);
    }

    // A slot written: a local (letters, digits, _) or a vCPU slot.
    std::string target(const YAML::Node& n, const std::string& path) {
        const std::string s = r_.text(n, path);
        name(n, path, s, true);
        if (s.find('.') == std::string::npos) assigned_.insert(s);
        return s;
    }

    void name(const YAML::Node& n, const std::string& path, const std::string& s, bool written) {
        const bool ok = !s.empty() && (std::isalpha((unsigned char)s[0]) || s[0] == '_') &&
                        s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") == std::string::npos;
        if (!ok) r_.fail(n, path, "expected a slot name (letters, digits, _; vCPU slots vcpu.*), got " + quote_value(s));
        const std::string problem = custom_slot_problem(s, written);
        if (!problem.empty()) r_.fail(n, path, problem);
    }

    // RDPMC's ECX: a number, or gp<i>, fixed<i>, metrics.
    uint32_t ecx(const YAML::Node& n, const std::string& path) {
        const std::string s = n.IsScalar() ? n.Scalar() : "";
        if (s == "metrics") return rdpmc_ecx::metrics();
        if (s.size() == 3 && s.compare(0, 2, "gp") == 0 && std::isdigit((unsigned char)s[2])) return rdpmc_ecx::gp(unsigned(s[2] - '0'));
        if (s.size() == 6 && s.compare(0, 5, "fixed") == 0 && std::isdigit((unsigned char)s[5])) return rdpmc_ecx::fixed(unsigned(s[5] - '0'));
        if (!is_number(s)) r_.fail(n, path, "expected an RDPMC ECX: a number, gp<i>, fixed<i> or metrics, got " + quote_value(s));
        return uint32_t(r_.count(n, path, 0, 0xffffffffu));
    }

    CustomOp one(const YAML::Node& op, const std::string& at, int depth) {
        require_keys(r_, op, at, {"rdmsr", "rdpmc", "wrmsr", "into", "value", "let", "and", "or", "xor", "add", "sub", "shl", "shr",
                                  "andnot", "if_nonzero", "if_differs", "then", "else"});
        CustomOp o;
        o.where = r_.place(op);
        const char* verbs[] = {"rdmsr", "rdpmc", "wrmsr", "let", "if_nonzero", "if_differs"};
        int given = 0;
        for (auto* v : verbs) given += op[v] ? 1 : 0;
        if (given != 1) r_.fail(op, at, "expected exactly one of rdmsr, rdpmc, wrmsr, let, if_nonzero, if_differs");
        auto only = [&](std::set<std::string> allowed) {
            for (auto kv : op)
                if (!allowed.count(kv.first.Scalar())) r_.fail(kv.first, at + "." + kv.first.Scalar(), "not allowed here");
        };
        if (op["rdmsr"] || op["rdpmc"]) {
            const bool msr = bool(op["rdmsr"]);
            only({msr ? "rdmsr" : "rdpmc", "into"});
            o = msr ? CustomOp::rdmsr(read_msr(r_, op["rdmsr"], at + ".rdmsr")) : CustomOp::rdpmc(ecx(op["rdpmc"], at + ".rdpmc"));
            if (op["into"]) o.into = target(op["into"], at + ".into");
        } else if (op["wrmsr"]) {
            only({"wrmsr", "value"});
            o = CustomOp::wrmsr(read_msr(r_, op["wrmsr"], at + ".wrmsr"), op["value"] ? operand(op["value"], at + ".value") : Operand{});
        } else if (op["let"]) {
            let(op, at, o);
        } else {
            branch(op, at, depth, o);
        }
        o.where = r_.place(op);
        return o;
    }

    void let(const YAML::Node& op, const std::string& at, CustomOp& o) {
        o.kind = CustomOp::Kind::Let;
        int n = 0;
        for (auto kv : op) {
            const std::string k = kv.first.Scalar();
            if (k == "let") continue;
            if (!custom_alu_named(k, o.alu)) r_.fail(kv.first, at + "." + k, "not allowed in let");
            ++n;
            if (o.alu == CustomOp::Alu::Copy) o.a = operand(kv.second, at + ".value");
            else {
                if (!kv.second.IsSequence() || kv.second.size() != 2) r_.fail(kv.second, at + "." + k, "expected [a, b]");
                o.a = operand(kv.second[0], at + "." + k);
                o.b = operand(kv.second[1], at + "." + k);
            }
        }
        if (n != 1) r_.fail(op, at, "let needs exactly one of value, and, or, xor, add, sub, shl, shr, andnot");
        o.into = target(op["let"], at + ".let");  // after the operands: `let: x, add: [x, 1]` reads the old x
    }

    void branch(const YAML::Node& op, const std::string& at, int depth, CustomOp& o) {
        for (auto kv : op) {
            const std::string k = kv.first.Scalar();
            if (k != "if_nonzero" && k != "if_differs" && k != "then" && k != "else") r_.fail(kv.first, at + "." + k, "not allowed in an if");
        }
        if (op["if_nonzero"]) {
            o.kind = CustomOp::Kind::IfNonzero;
            o.a = operand(op["if_nonzero"], at + ".if_nonzero");
        } else {
            o.kind = CustomOp::Kind::IfDiffers;
            const YAML::Node d = op["if_differs"];
            if (!d.IsSequence() || d.size() != 2) r_.fail(d, at + ".if_differs", "expected [a, b]");
            o.a = operand(d[0], at + ".if_differs");
            o.b = operand(d[1], at + ".if_differs");
        }
        if (!op["then"]) r_.fail(op, at + ".then", "missing: the operations run when the condition holds");
        o.then = list(op["then"], at + ".then", depth + 1);
        if (op["else"]) o.otherwise = list(op["else"], at + ".else", depth + 1);
    }

    const YamlReader& r_;
    std::set<std::string> assigned_;  // locals written so far, in the order of the text
};

}  // namespace

std::vector<StepInfo> read_custom_steps(const YamlReader& r, const YAML::Node& st, const std::string& path) {
    r.require_map(st, path);
    std::vector<StepInfo> out;
    for (auto kv : st) {
        const std::string name = r.text(kv.first, path);
        const std::string at = path + "." + name;
        require_keys(r, kv.second, at, {"path", "ops", "what"});
        StepInfo info;
        info.name = name;
        const std::string p = kv.second["path"] ? r.text(kv.second["path"], at + ".path") : "exit";
        if (p != "load" && p != "exit") r.fail(kv.second["path"], at + ".path", "expected load or exit");
        info.path = p == "load" ? Path::Load : Path::Exit;
        info.what = kv.second["what"] ? r.text(kv.second["what"], at + ".what") : "custom step";
        info.source = "scenario file " + r.place(kv.first);
        if (!kv.second["ops"]) r.fail(kv.second, at + ".ops", "expected a list of operations");
        info.ops = OpsReader(r).list(kv.second["ops"], at + ".ops", 0);
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace pmusim

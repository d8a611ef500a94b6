#include "tma/formula.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace pmusim::tma {

namespace {
bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':'; }
}  // namespace

// Recursive descent with perf's precedence: | below & below < > below + - below * / below unary.
class FormulaParser {
public:
    FormulaParser(const std::string& t, const Formula::Resolver* r, Formula* out) : t_(t), resolve_(r), out_(out) {}

    void parse() {
        parse_if();
        skip();
        if (p_ != t_.size()) fail("unexpected '" + std::string(1, t_[p_]) + "'");
    }
    std::vector<std::string> names;

private:
    using Op = Formula::Op;
    const std::string& t_;
    const Formula::Resolver* resolve_;
    Formula* out_;
    size_t p_ = 0;

    [[noreturn]] void fail(const std::string& what) const {
        throw std::invalid_argument("formula '" + t_ + "', at " + std::to_string(p_) + ": " + what);
    }
    void skip() {
        while (p_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[p_]))) ++p_;
    }
    bool eat(char c) {
        skip();
        if (p_ < t_.size() && t_[p_] == c) {
            ++p_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    void emit(Op op, int index = 0, double value = 0) {
        if (out_) out_->code_.push_back({op, index, value});
    }
    // perf's `a if c else b`: the lowest precedence, the else part may be another conditional.
    void parse_if() {
        parse_or();
        if (!eat_word("if")) return;
        parse_or();
        if (!eat_word("else")) fail("expected 'else'");
        parse_if();
        emit(Op::Select);
    }
    bool eat_word(const std::string& w) {
        skip();
        if (t_.compare(p_, w.size(), w) != 0) return false;
        if (p_ + w.size() < t_.size() && name_char(t_[p_ + w.size()])) return false;
        p_ += w.size();
        return true;
    }
    void parse_or() {
        parse_and();
        while (eat('|')) { parse_and(); emit(Op::Or); }
    }
    void parse_and() {
        parse_cmp();
        while (eat('&')) { parse_cmp(); emit(Op::And); }
    }
    void parse_cmp() {
        parse_add();
        for (;;) {
            if (eat('>')) { parse_add(); emit(Op::Gt); }
            else if (eat('<')) { parse_add(); emit(Op::Lt); }
            else return;
        }
    }
    void parse_add() {
        parse_mul();
        for (;;) {
            if (eat('+')) { parse_mul(); emit(Op::Add); }
            else if (eat('-')) { parse_mul(); emit(Op::Sub); }
            else return;
        }
    }
    void parse_mul() {
        parse_unary();
        for (;;) {
            if (eat('*')) { parse_unary(); emit(Op::Mul); }
            else if (eat('/')) { parse_unary(); emit(Op::Div); }
            else return;
        }
    }
    void parse_unary() {
        if (eat('-')) { parse_unary(); emit(Op::Neg); return; }
        parse_primary();
    }
    void parse_primary() {
        skip();
        if (p_ >= t_.size()) fail("unexpected end");
        if (eat('(')) { parse_if(); expect(')'); return; }
        const char c = t_[p_];
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
            size_t used = 0;
            const double v = std::stod(t_.substr(p_), &used);
            p_ += used;
            emit(Op::Const, 0, v);
            return;
        }
        if (!name_start(c)) fail("unexpected '" + std::string(1, c) + "'");
        const size_t b = p_;
        while (p_ < t_.size() && name_char(t_[p_])) ++p_;
        const std::string name = t_.substr(b, p_ - b);
        if (name == "if" || name == "else") {
            p_ = b;
            fail("unexpected '" + name + "'");
        }
        if (name == "max" || name == "min") {
            expect('(');
            parse_or();
            expect(',');
            parse_or();
            expect(')');
            emit(name == "max" ? Op::Max : Op::Min);
            return;
        }
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        if (!resolve_) return;
        const int i = (*resolve_)(name);
        if (i < 0) {
            p_ = b;
            fail("unknown name '" + name + "'");
        }
        if (std::find(out_->refs_.begin(), out_->refs_.end(), i) == out_->refs_.end()) out_->refs_.push_back(i);
        emit(Op::Load, i);
    }
};

Formula Formula::compile(const std::string& text, const Resolver& resolve) {
    Formula f;
    f.text_ = text;
    FormulaParser(text, &resolve, &f).parse();
    int depth = 0, most = 0;  // eval() keeps a fixed stack of kStack values
    for (const Ins& i : f.code_) {
        depth += i.op == Op::Const || i.op == Op::Load ? 1 : i.op == Op::Neg ? 0 : i.op == Op::Select ? -2 : -1;
        most = std::max(most, depth);
    }
    if (most > kStack) throw std::invalid_argument("formula '" + text + "' nests too deeply");
    return f;
}

std::vector<std::string> formula_names(const std::string& text) {
    FormulaParser p(text, nullptr, nullptr);
    p.parse();
    return p.names;
}

double Formula::eval(const double* in) const {
    double st[kStack];
    int sp = 0;
    for (const Ins& i : code_) {
        if (i.op == Op::Const || i.op == Op::Load) {
            st[sp++] = i.op == Op::Const ? i.value : in[i.index];
            continue;
        }
        if (i.op == Op::Neg) {
            st[sp - 1] = -st[sp - 1];
            continue;
        }
        if (i.op == Op::Select) {  // perf: a condition that is exactly 0 takes the else part (NaN does not)
            const double b = st[--sp], c = st[--sp];
            if (c == 0) st[sp - 1] = b;
            continue;
        }
        const double b = st[--sp], a = st[sp - 1];
        double& r = st[sp - 1];
        switch (i.op) {
            case Op::Add: r = a + b; break;
            case Op::Sub: r = a - b; break;
            case Op::Mul: r = a * b; break;
            // perf's expr.y: a division by zero yields NaN (not inf), whatever the numerator.
            case Op::Div: r = b == 0 ? std::numeric_limits<double>::quiet_NaN() : a / b; break;
            case Op::Max: r = a > b ? a : b; break;
            case Op::Min: r = a < b ? a : b; break;
            case Op::Gt: r = a > b; break;
            case Op::Lt: r = a < b; break;
            case Op::And: r = (a != 0 && !std::isnan(a)) && (b != 0 && !std::isnan(b)); break;
            case Op::Or: r = (a != 0 && !std::isnan(a)) || (b != 0 && !std::isnan(b)); break;
            default: break;
        }
    }
    return st[0];
}

}  // namespace pmusim::tma

// A TMA formula as text, compiled once into a small stack program and evaluated on named
// inputs. The grammar is the part of Linux perf's metric expressions (tools/perf/util/expr.y)
// that Intel's TMA formulas use: numbers, names, + - * /, unary minus, parentheses, max(a, b),
// min(a, b), `a if c else b`, and for thresholds < > & |. Arithmetic is as perf evaluates it: x / 0 is NaN,
// max(a, b) is `a > b ? a : b` (so max(NaN, 0) is 0 and max(0, NaN) is NaN), a comparison with
// NaN is false. docs/tma.md "Formula language".
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace pmusim::tma {

class Formula {
public:
    // `resolve` maps a name to an input index, or returns -1 for an unknown name; parse errors and
    // unknown names throw std::invalid_argument naming the formula, the position and the name.
    using Resolver = std::function<int(const std::string&)>;
    static Formula compile(const std::string& text, const Resolver& resolve);

    double eval(const double* inputs) const;
    const std::vector<int>& inputs() const { return refs_; }  // input indices, in order of first use
    const std::string& text() const { return text_; }

private:
    enum class Op : unsigned char { Const, Load, Add, Sub, Mul, Div, Neg, Max, Min, Gt, Lt, And, Or, Select };
    struct Ins {
        Op op;
        int index;     // Load
        double value;  // Const
    };
    static constexpr int kStack = 32;  // deepest evaluation stack a formula may need
    friend class FormulaParser;
    std::string text_;
    std::vector<Ins> code_;
    std::vector<int> refs_;
};

// The names a formula reads (identifiers other than max/min), in order of first use.
std::vector<std::string> formula_names(const std::string& text);

}  // namespace pmusim::tma

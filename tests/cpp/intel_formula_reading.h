// A random reading for the hand transcriptions of Intel's formulas (test_tma_intel_formulas.cpp):
// every TMA input of a family by the name its formulas use, and the PERF_METRICS bytes, with perf's
// arithmetic (x / 0 is NaN, max(a, b) is a > b ? a : b).
#pragma once
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "tma/tma_engine.h"

namespace intel_formulas {

using namespace pmusim::tma;

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline double dv(double a, double b) { return b == 0 ? kNaN : a / b; }
inline double mx(double a, double b) { return a > b ? a : b; }

// One random reading: every event of the family by its Intel name, and the PERF_METRICS bytes.
struct Reading {
    std::map<std::string, double> c;
    double pm[8];
    double operator()(const std::string& n) const { return c.at(n); }
    double FE, BS, RET, BE, HEAVY, BRM, FL, MB, PMSUM;  // the bytes by name
};

inline double width(Family f) {
    return f == Family::Skylake ? 4 : f == Family::IceLake ? 5 : f == Family::SapphireRapids ? 6 : 8;
}

inline Reading random_reading(Family f, std::mt19937_64& rng, bool zeros) {
    std::uniform_real_distribution<double> u(0, 1);
    Reading r;
    const double clks = 1e6 * (0.5 + u(rng)), W = width(f);
    for (unsigned e = 0; e < kNumEv; ++e) {
        double v = std::floor(u(rng) * W * clks * 0.4);
        if (zeros && u(rng) < 0.3) v = 0;  // 0/0 somewhere
        r.c[formula_event_name(static_cast<Ev>(e), f)] = v;
    }
    r.c["CPU_CLK_UNHALTED.THREAD"] = clks;
    r.c["TOPDOWN.SLOTS"] = W * clks;
    for (double& b : r.pm) b = std::floor(u(rng) * 255);
    if (zeros && u(rng) < 0.2) r.pm[1] = r.pm[0] = 0;
    r.RET = r.pm[0], r.BS = r.pm[1], r.FE = r.pm[2], r.BE = r.pm[3];
    r.HEAVY = r.pm[4], r.BRM = r.pm[5], r.FL = r.pm[6], r.MB = r.pm[7];
    r.PMSUM = r.FE + r.BS + r.RET + r.BE;
    return r;
}

inline Inputs inputs(Family f, const Reading& r) {
    Inputs in;
    for (unsigned e = 0; e < kNumEv; ++e) in.set(static_cast<Ev>(e), r(formula_event_name(static_cast<Ev>(e), f)));
    for (unsigned k = 0; k < 8; ++k) in.pm[k] = r.pm[k];
    in.pm_fields = 8;
    return in;
}

using Expected = std::map<std::string, double>;

}  // namespace intel_formulas

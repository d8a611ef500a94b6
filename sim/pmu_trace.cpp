#include "sim/pmu_trace.h"

namespace pmusim {

PmuTrace::PmuTrace(const std::string& path, const Pmu& pmu, std::vector<std::string> select, std::string comment)
    : vcd_(path, std::move(comment)), cpu_(pmu.cpu()), fields_(pmu.cpu().perf_metrics() ? pmu.perf_metrics_fields() : 0) {
    vcd_.select(std::move(select));
    pmis_seen_ = pmu.pmis().size();
}

size_t PmuTrace::add_extra(const std::string& name, unsigned width) { return vcd_.add(name, width); }

void PmuTrace::begin() {
    sig_.push_back(vcd_.add("GLOBAL_CTRL", 64));
    sig_.push_back(vcd_.add("GLOBAL_STATUS", 64));
    sig_.push_back(vcd_.add("FIXED_CTR_CTRL", 64));
    for (unsigned g = 0; g < cpu_.num_gp; ++g) sig_.push_back(vcd_.add("PMC" + std::to_string(g), cpu_.gp_width));
    for (unsigned f = 0; f < kMaxFixedCounters; ++f)
        if (cpu_.has_fixed(f)) sig_.push_back(vcd_.add("FIXED_CTR" + std::to_string(f), cpu_.fixed_width));
    for (unsigned k = 0; k < fields_; ++k) sig_.push_back(vcd_.add(std::string("PERF_METRICS.") + kMetricFieldNames[k], 8));
    pmi_ = vcd_.add("pmi", 1);
    vcd_.check_selection();
    vcd_.begin();
    vcd_.set(pmi_, 0, 0);
    begun_ = true;
}

void PmuTrace::sample(const Pmu& pmu) {
    const PmuState& st = pmu.state();
    const uint64_t t = pmu.cycle();
    size_t i = 0;
    vcd_.set(sig_[i++], st.global_ctrl, t);
    vcd_.set(sig_[i++], st.global_status, t);
    vcd_.set(sig_[i++], st.fixed_ctr_ctrl, t);
    for (unsigned g = 0; g < cpu_.num_gp; ++g) vcd_.set(sig_[i++], st.counter[g], t);
    for (unsigned f = 0; f < kMaxFixedCounters; ++f)
        if (cpu_.has_fixed(f)) vcd_.set(sig_[i++], st.counter[fixed_slot(f)], t);
    if (fields_) {
        const uint64_t pm = pmu.perf_metrics_value();
        const unsigned b = pmu.semantics().metrics_field_bits;
        for (unsigned k = 0; k < fields_; ++k) vcd_.set(sig_[i++], (pm >> (b * k)) & pmu.semantics().metrics_field_max(), t);
    }
}

void PmuTrace::pmis(const Pmu& pmu) {
    const auto& p = pmu.pmis();
    for (; pmis_seen_ < p.size(); ++pmis_seen_) {
        vcd_.set(pmi_, 1, p[pmis_seen_].cycle);
        vcd_.set(pmi_, 0, p[pmis_seen_].cycle + 1);
    }
}

}  // namespace pmusim

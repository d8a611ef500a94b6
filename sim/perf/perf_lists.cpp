// perf's replayed operation lists (PerfModel::replay): the counter loops of program() and
// read_counters(), built once per placement of the counters and copied into the queue after
// (docs/architecture.md "Linux perf").
#include "sim/perf/perf_model.h"
#include "models/pmu/register_table.h"

namespace pmusim {

void PerfModel::program_counters(OpQueue& q, bool enable) {
    for (auto* v : {&counters_, &tma_counters_})
        for (auto& c : *v) {
            if (c.index < 0) continue;  // a multiplexed event off the PMU
            if (!c.fixed) {
                program_gp(q, c, enable);
            } else if (enable) {
                q.push_back(zero_counter(msr::kFixedCtr0 + c.index, c));
            }
        }
}

void PerfModel::build_list(OpQueue& q, List l) {
    if (l == kProgramOn || l == kProgramOff) program_counters(q, l == kProgramOn);
    else read_loop(q, l == kReadRecording);
}

// A list's operations depend only on where the counters are (index, selector value, code, label):
// the same every time until a rotation moves them.
void PerfModel::replay(OpQueue& q, List l) {
    if (!replay_) return build_list(q, l);
    std::vector<SoftOp>& ops = lists_[l];
    if (!(built_ >> l & 1u)) {
        OpQueue t;
        build_list(t, l);
        ops.assign(t.begin(), t.end());
        built_ |= 1u << l;
    }
    q.append(ops.data(), ops.size());
}

void PerfModel::read_loop(OpQueue& q, bool record_cycle) {
    for (size_t i = 0; i < counters_.size(); ++i)
        if (counters_[i].index >= 0) q.push_back(read_op(false, i, record_cycle));
    for (size_t i = 0; i < tma_counters_.size(); ++i) q.push_back(read_op(true, i, false));
}

}  // namespace pmusim

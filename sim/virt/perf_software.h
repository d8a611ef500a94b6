// perf as software inside one context (the host, or a guest kernel): it only emits MSR/RDPMC
// operations; the hypervisor engine executes them on the physical PMU (pass-through), emulates
// them (intercepted guest accesses) or mirrors them on the guest's reference PMU.
//
// The operations are those of the one model of Linux perf, PerfModel (sim/perf/perf_model.h),
// which `pmusim stat` and `pmusim topdown` run too; PerfSoftware sets a session up from a
// scenario's AgentConfig:
//  - host perf on a mediated host enables every counter in GLOBAL_CTRL (x86_pmu.intel_ctrl);
//    a counter counts when its own selector / FIXED_CTR_CTRL field enables it;
//  - it is scheduled out at perf_load_guest_context and in at perf_put_guest_context;
//  - the topdown group is read with RDPMC and reset (FIXED_CTR3, then PERF_METRICS) every interval;
//  - a context without PERF_METRICS that asks for topdown counts the Level-1 GP events.
// Guest perf does the same inside the guest, without the schedule-out/in.
#pragma once
#include <array>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "models/pmu/pmu.h"
#include "sim/perf/ring_queue.h"
#include "sim/perf_stat.h"
#include "sim/virt/scenario.h"

namespace pmusim {

class PerfModel;
struct SoftOp;
using OpQueue = RingQueue<SoftOp>;

// What an operation's result completes in the PerfModel that issued it: plain data (a kind and
// its arguments), so that queuing an operation allocates nothing. Whoever executes the operation
// pops it, then calls done(value read, cycle of the access) when it is set.
struct SoftDone {
    enum class Kind : uint8_t {
        None,
        ReadCounter,    // arg: a counter's code (PerfModel::read_op)
        ZeroCounter,    // arg: a counter's code: it counts from 0 at this cycle
        TopdownReset,   // FIXED_CTR3 was reset at this cycle
        ReadSlots,      // the reading's FIXED_CTR3
        ReadMetrics,    // the reading's PERF_METRICS
        SaveSlots,      // FIXED_CTR3 saved at schedule-out
        SaveMetrics,    // PERF_METRICS saved at schedule-out
        SaveSample,     // the sample counter saved at schedule-out
        FixedRmw,       // FIXED_CTR_CTRL read: its fields on (arg 1) or off (arg 0) next, in q
        Status,         // GLOBAL_STATUS read by the PMI handler (arg: its first read); follow-ups in q
        FinishReading,  // the reading is complete
        ScheduledIn,    // arg: 1 scheduled in, 0 out
    };
    PerfModel* model = nullptr;
    OpQueue* q = nullptr;
    uint32_t arg = 0;
    Kind kind = Kind::None;
    explicit operator bool() const { return kind != Kind::None; }
    void operator()(uint64_t value, uint64_t cycle) const;  // PerfModel::complete
};

// 64 bytes: the engine queues and moves about 60 a VM exit.
struct SoftOp {
    enum class Kind : uint8_t { Rdmsr, Wrmsr, Rdpmc, Marker } kind = Kind::Marker;
    uint32_t index = 0;
    uint64_t value = 0;
    SoftDone done;  // reads: completed with the value read
    std::string_view what;  // for reports: a literal, or a label its PerfModel keeps
    uint64_t keep = 0;  // WRMSR FIXED_CTR_CTRL: fields this read-modify-write leaves as found
};
static_assert(sizeof(SoftOp) <= 64, "an operation is copied into and out of its queue: keep it one cache line");
// One read-and-reset of a perf session.
struct AgentReading {
    uint64_t cycle = 0;                    // physical cycle of the read
    uint64_t local = 0;                    // the context's own cycle
    std::vector<uint64_t> deltas;          // per counting event, since the previous reading
    std::vector<uint64_t> from, to;        // per event: cycles of the previous and of this read
    uint64_t td_from = 0, td_to = 0;       // topdown: cycle of the last FIXED_CTR3 reset, of this read
    uint64_t td_restored_slots = 0;        // FIXED_CTR3 at each restore of PERF_METRICS since the reset
    bool topdown = false;
    uint64_t slots = 0, metrics = 0;       // FIXED_CTR3 and PERF_METRICS as read (PERF_METRICS group)
};

}  // namespace pmusim

// The model of Linux perf (after the operation types it emits).
#include "sim/perf/perf_model.h"

namespace pmusim {

class PerfSoftware : public PerfModel {
public:
    // `cpu` is the CPU as this context sees it (a guest's vPMU). `host`: a host session.
    // `global_all`: enable every counter in GLOBAL_CTRL (Linux on a mediated host).
    // `first_gp`, `fixed_taken`: another context on the same PMU holds the counters below
    // first_gp and the fixed counters in fixed_taken (PerfSession).
    PerfSoftware(std::string context, const CpuConfig& cpu, const AgentConfig& cfg, bool host, bool global_all,
                 unsigned first_gp = 0, uint32_t fixed_taken = 0);

    const AgentConfig& config() const { return cfg_; }

private:
    AgentConfig cfg_;
};

}  // namespace pmusim

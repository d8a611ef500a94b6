// The PMU of one logical processor: state (PmuState) plus the behaviour attached to each register
// kind and to time. Not a SystemC module: PmuModule (pmu_module.h) wraps it for TLM access and
// clocked evaluation, so the same object can be evaluated per cycle or in large quanta.
//
// Behaviour lives in one file per area:
//   gp_counters.cpp     IA32_PMCx / IA32_A_PMCx / IA32_PERFEVTSELx
//   fixed_counters.cpp  IA32_FIXED_CTRx / IA32_FIXED_CTR_CTRL
//   global_status.cpp   GLOBAL_CTRL/STATUS/STATUS_RESET/STATUS_SET/INUSE, overflow -> PMI -> freeze
//   perf_metrics.cpp    IA32_PERF_METRICS and its hidden slot accumulators
//   rdpmc.cpp           RDPMC decoding
//   pmu.cpp             the register dispatcher (RDMSR/WRMSR rules common to every MSR)
//   pmu_timing.cpp      per-cycle and fast (arithmetic) advance
//   pmu_cycle_program.cpp  per-cycle mode's compiled form of the plans
//   pmu_cycle_replay.cpp   per-cycle mode's replay of periodic runs
//   pmu_cycle_block.cpp    per-cycle mode's blocks of cycles for runs with no period
//   cycle_program.h        per-cycle mode's compiled data (plain structs)
//   pmu_chunk_program.cpp  fast mode's compiled form of the plans, per ring, for short chunks
#pragma once
#include <array>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "models/core/workload.h"
#include "models/cpu/cpu_config.h"
#include "models/pmu/cycle_program.h"
#include "models/pmu/pmu_state.h"
#include "models/pmu/register_table.h"

namespace pmusim {

struct EventEncoding;

// Switchable semantics where the public record is silent (docs/semantics.md).
struct Semantics {
    uint64_t pmi_skid = 0;                   // cycles from the overflow to the PMI
    bool metrics_need_global_bit48 = true;   // PERF_METRICS accumulates only with GLOBAL_CTRL[48]
    bool metrics_overflow_on_fc3_wrap = true;// GLOBAL_STATUS[48] set when FC3 wraps while metrics count
    bool status_set_raises_pmi = false;      // STATUS_SET of a PMI-enabled counter bit raises a PMI
    bool cr4_pce = true;                     // RDPMC allowed at CPL > 0
    // What-if: bits per PERF_METRICS field (hardware: 8). Field k occupies bits [k*b, k*b+b) and
    // reads round((2^b - 1) * slots_k / FC3); only the fields that fit in 64 bits exist.
    unsigned metrics_field_bits = 8;
    uint64_t metrics_field_max() const { return (1ull << metrics_field_bits) - 1; }
};
const std::vector<std::pair<std::string, std::string>>& semantics_fields();
// Applies name -> value overrides; unknown names throw ConfigError.
void apply_semantics_override(Semantics& s, const std::string& name, uint64_t value);

enum class AccessKind { Rdmsr, Wrmsr, Rdpmc };
const char* access_kind_name(AccessKind k);

struct AccessResult {
    bool ok = true;
    uint64_t value = 0;
    std::string reason;  // why the access #GPs
    static AccessResult gp(std::string why) { return {false, 0, std::move(why)}; }
    static AccessResult value_of(uint64_t v) { return {true, v, {}}; }
};

class Pmu {
public:
    Pmu(CpuConfig cpu, Semantics sem, std::unique_ptr<Workload> workload);

    const CpuConfig& cpu() const { return cpu_; }
    const Semantics& semantics() const { return sem_; }
    const RegisterTable& registers() const { return table_; }
    const PmuState& state() const { settle(); return st_; }
    uint64_t cycle() const { return st_.cycle; }
    const Workload& workload() const { return *workload_; }
    void set_workload(std::unique_ptr<Workload> w);
    void set_semantics(const Semantics& s) {
        end_block();  // the block's PERF_METRICS sums are in the old field resolution
        sem_ = s;
        replan();
    }
    // The workload's future runs changed (a context schedule was extended or cut): re-seek.
    void workload_changed() {
        end_block();
        cursor_cycle_ = kForever;
    }

    // Power-on reset: every register to its reset value, the PMI log kept.
    void reset();

    // Architectural accesses, taking effect at the start of cycle `cycle()`.
    AccessResult rdmsr(uint32_t msr);
    AccessResult wrmsr(uint32_t msr, uint64_t value);
    AccessResult rdpmc(uint32_t ecx, unsigned cpl = 0);
    // The same accesses without the #GP's text (the engine's direct path builds it only when it is
    // shown): the result, and the register an RDMSR/WRMSR reached (null on a #GP and for RDPMC).
    // Same state changes as rdmsr/wrmsr/rdpmc (test QuietAccess.*). Defined in pmu_quiet_access.h.
    struct QuietResult {
        bool ok = true;
        uint64_t value = 0;
        const RegisterDesc* reg = nullptr;
    };
    QuietResult access_quiet(AccessKind k, uint32_t index, uint64_t value, unsigned cpl = 0);
    // Not an instruction: a hypervisor loading saved state into this PMU (a guest's reference PMU
    // following a VMM's KVM_SET_MSRS). GLOBAL_STATUS is set directly and the legacy PMC alias
    // takes the value at full width; everything else is a WRMSR.
    AccessResult load_register(uint32_t msr, uint64_t value);

    // Time. Both advance to cycle `to` (exclusive) and give identical architectural results;
    // with stop_at_pmi they return true as soon as a PMI has been raised (cycle() is then the
    // cycle after the PMI).
    // A block's cycles before its stop only move the cycle (pmu_cycle_block.cpp): inline, since
    // the clock advances one cycle per activation.
    bool advance_per_cycle(uint64_t to, bool stop_at_pmi = false) {
        if (st_.cycle < to && to <= block_.stop) {
            st_.cycle = to;
            return false;
        }
        return step_cycles(to, stop_at_pmi);
    }
    bool advance_fast(uint64_t to, bool stop_at_pmi = false);
    // Per-cycle mode replays a run whose increments repeat every `max_period` active cycles or
    // fewer from a table (pmu_cycle_replay.cpp); 0 evaluates every cycle step by step. Either way
    // every cycle's state is the same.
    void set_replay_limit(uint64_t max_period) {
        replay_limit_ = max_period;
        run_program_.replay = RunProgram::kTry;  // asked again under the new limit
        stop_replay();
    }
    // Replaying a periodic run from a table; a block of a run without a short period (the
    // cycles computed ahead, pmu_cycle_block.cpp) is not replaying but in_block().
    bool replaying() const { return replay_ != nullptr; }
    bool in_block() const { return block_.active; }
    // Nothing counts (no active counter, PERF_METRICS accumulates nothing) and no PMI is pending:
    // an advance over any span changes only the cycle, in either mode.
    bool idle() const { return active_.empty() && metrics_ring_ == 0 && pending_.empty(); }
    // That advance, to cycle `to`, when idle() (the caller checks). The cursor re-seeks after it
    // as after workload_changed, so a schedule extended by the idle span needs no other call.
    void advance_idle(uint64_t to) {
        end_block();
        st_.cycle = to;
        cursor_cycle_ = kForever;  // the per-cycle cursor re-seeks, loading the cycle before for edge detect
    }

    const std::vector<PmiRecord>& pmis() const { return pmis_; }
    void clear_pmis() { pmis_.clear(); }

    // An instruction the workload does not model retires at the start of cycle cycle() at `cpl` (a
    // guest instruction that KVM emulates, on the guest's own CPU): each counting counter without
    // CMASK/INV/EDGE counts it once per event of `events` it selects; an overflow sets its status
    // bit and, with the skid at 0, raises its PMI at once (cycle() is where it retired).
    void retire(EventMask events, unsigned cpl);

    // PERF_METRICS value as RDMSR would return it.
    uint64_t perf_metrics_value() const;
    // Fields PERF_METRICS holds on this CPU at the configured resolution (4 or 8 at 8 bits).
    unsigned perf_metrics_fields() const;

    // Value of counter slot (0..9 GP, 10..13 fixed).
    uint64_t counter(unsigned slot) const { settle(); return st_.counter[slot]; }

private:
    struct CounterPlan {
        uint8_t ring_mask = 0;  // bit0: counts at CPL0, bit1: counts at CPL>0
        EventMask events = 0;
        uint8_t cmask = 0;
        bool inv = false, edge = false, eq = false, conditional = false;
        uint64_t width_mask = 0;
        bool operator==(const CounterPlan& o) const {
            return ring_mask == o.ring_mask && events == o.events && cmask == o.cmask && inv == o.inv &&
                   edge == o.edge && eq == o.eq && conditional == o.conditional && width_mask == o.width_mask;
        }
    };
    static constexpr uint8_t kRing0 = 1, kRing3 = 2;

    // register behaviour
    AccessResult read_register(const RegisterDesc& r) { return AccessResult::value_of(read_value(r)); }
    AccessResult write_register(const RegisterDesc& r, uint64_t v);
    uint64_t read_value(const RegisterDesc& r) const;
    bool write_value(const RegisterDesc& r, uint64_t v);  // false: a read-only kind (#GP)
    bool writable(const RegisterDesc& r, uint64_t v) const { return r.access != Access::ReadOnly && !(v & r.reserved); }
    // RDPMC: false on a #GP, whose text goes to `why` when given (rdpmc.cpp).
    bool rdpmc_to(uint32_t ecx, unsigned cpl, uint64_t& value, std::string* why);
    // RDPMC's counter cases (type 0: GP, 0x4000: fixed), once the CPL, fast-read and version
    // checks passed: false when ECX names no counter of this CPU. Inline: access_quiet's RDPMC.
    bool rdpmc_counter(uint32_t type, uint32_t n, uint64_t& value) const {
        settle();
        if (type == 0 && n < cpu_.num_gp) return value = st_.counter[n] & cpu_.gp_mask(), true;
        if (type == 0x4000 && cpu_.has_fixed(n)) return value = st_.counter[fixed_slot(n)] & cpu_.fixed_mask(), true;
        return false;
    }
    void write_pmc_legacy(unsigned i, uint64_t v);
    void write_pmc_full(unsigned i, uint64_t v);
    void write_evtsel(unsigned i, uint64_t v);
    void write_fixed(unsigned i, uint64_t v);
    void write_fixed_ctr_ctrl(uint64_t v);
    void write_global_ctrl(uint64_t v);
    void write_status_reset(uint64_t v);
    void write_status_set(uint64_t v);
    uint64_t global_inuse() const;
    void write_perf_metrics(uint64_t v);
    void clear_metrics_after_rdpmc();
    bool metrics_clear_mode() const;

    // counting
    bool step_cycles(uint64_t to, bool stop_at_pmi);  // advance_per_cycle's loop (pmu_timing.cpp)
    void replan();                       // every slot (reset, semantics, freeze)
    bool replan_slots(uint32_t slots);   // only these slots' programming changed
    bool replan_enables(uint32_t slots); // only these slots' GLOBAL_CTRL bits changed
    CounterPlan plan_of(unsigned slot) const;
    // Each counter's plan with its GLOBAL_CTRL bit set, kept with the control it was derived from
    // (its selector, or its FIXED_CTR_CTRL field): GLOBAL_CTRL starting a counter whose control
    // is unchanged since takes it instead of deriving it again. Cleared by replan().
    struct ArmedPlan {
        uint64_t control = ~0ull;  // no selector or field holds this value
        CounterPlan plan;
    };
    std::array<ArmedPlan, kNumCounterSlots> armed_{};
    void finish_plan();
    void compile_cycle_terms();  // cycle_events_ and cycle_terms_ from the plans
    CounterPlan gp_plan(unsigned i) const;
    CounterPlan fixed_plan(unsigned i) const;
    bool frozen() const { return (st_.global_status >> status_bit::kCtrFrz) & 1u; }
    uint64_t conditional_increment(const CounterPlan& p, const EventVector& ev, const EventVector& prev) const;
    bool add_to_counter(unsigned slot, uint64_t inc);
    void accumulate_metrics(const EventVector& ev);
    void accumulate_metrics(const Run& r, uint64_t a, uint64_t b);
    // End of cycle st_.cycle: latch overflows into GLOBAL_STATUS, schedule and raise PMIs.
    // Returns true if a PMI was raised.
    bool end_of_cycle(uint64_t overflow_bits);
    void latch_overflow(uint64_t overflow_bits);  // status bits and the PMI schedule of end_of_cycle
    void raise_pmi(uint64_t sources);
    // Fast mode's counting chunk (pmu_timing.cpp).
    struct ChunkIncrements {
        EventVector events;                                // the events read, counted once
        std::array<uint64_t, kNumCounterSlots> by_slot{};  // each counting counter's increment
    };
    bool chunk_increments(const Run& run, uint64_t a, uint64_t b, uint8_t ring, ChunkIncrements& inc);
    // The cumulative counts at the end of the last counted chunk. The next chunk of the same phase
    // that starts there and reads the same events takes them as its start: one evaluation of the
    // slot tree and one floor count per event a chunk, not two. Counts are a function of the phase
    // and its active cycles only, so nothing else can make them stale.
    struct ChunkEnd {
        const Phase* phase = nullptr;
        uint64_t slots_id = 0, k = 0;  // the phase's SlotSplit id (unique per derivation), active cycles
        EventMask mask;
        std::array<EventVector, 2> cum;
        unsigned cur = 0;  // cum[cur]: the counts at k
    };
    ChunkEnd chunk_end_;
    // The programming the plans are a function of (with the CPU and the semantics): each counter's
    // control with its GLOBAL_CTRL bit set, 0 when stopped (pmu_chunk_program.cpp).
    struct Programming {
        uint64_t global_ctrl = 0, fixed_ctr_ctrl = 0;
        std::array<uint64_t, kMaxGpCounters> evtsel{};
        bool operator==(const Programming& o) const {
            return global_ctrl == o.global_ctrl && fixed_ctr_ctrl == o.fixed_ctr_ctrl && evtsel == o.evtsel;
        }
    };
    Programming programming() const;
    // Fast mode's compiled form of one ring's plans (pmu_chunk_program.cpp): the plain events and
    // slot events the counters read, as index lists, and each counting slot's terms.
    struct ChunkProgram {
        bool compiled = false;
        bool general = false;  // a CMASK/INV/E/EQ counter counts: chunk_increments instead
        bool metrics = false;  // PERF_METRICS accumulates
        bool atoms = false;    // the atom counts are read (slot events or PERF_METRICS)
        EventMask plain_mask;
        std::vector<uint8_t> plain;          // value j < plain.size(): the count of plain[j]
        std::vector<uint16_t> atom_events;   // value plain.size() + i: atom_sum of atom_events[i]'s atoms
        struct Slot { uint8_t slot; uint16_t first, count; };  // the slot adds values terms[first, +count)
        std::vector<Slot> slots;
        std::vector<uint8_t> terms;
    };
    // The plans of the last few programmings, with their chunk programs: KVM and host perf switch
    // between a few at every VM transition, and GLOBAL_CTRL switching back to one takes its plans
    // (pmu.cpp) instead of deriving them. Emptied by replan() (the semantics may have changed).
    struct PlanSet {
        bool valid = false;
        Programming key;
        std::array<CounterPlan, kNumCounterSlots> plan{};
        std::array<ChunkProgram, 2> chunk;  // [0]: CPL 0, [1]: CPL > 0; compiled at their first chunk
    };
    static constexpr unsigned kPlanSets = 6;
    static constexpr uint8_t kNoPlanSet = 0xff;
    std::array<PlanSet, kPlanSets> plan_sets_{};
    unsigned plan_set_next_ = 0;          // the entry replaced next
    uint8_t plan_set_ = kNoPlanSet;       // the entry of the current plans (an index: a moved Pmu keeps it)
    PlanSet& current_plan_set();          // found, or entered
    PlanSet& enter_plan_set(const Programming& key);
    bool take_plan_set(const Programming& key, uint32_t slots, bool bit48);  // write_global_ctrl's hit
    const ChunkProgram& chunk_program(uint8_t ring);
    void compile_chunk_program(ChunkProgram& p, uint8_t ring) const;
    // Counts [a, b) of `run` (not halted) with program `p`; false, with no register changed, when a
    // counter would carry inside the chunk (the caller splits it at the first carry).
    bool count_chunk_program(const ChunkProgram& p, const Run& run, uint64_t a, uint64_t b);
    // The counts at the end of the last chunk counted by a program (as ChunkEnd for chunk_increments).
    struct ProgramEnd {
        const Phase* phase = nullptr;
        uint64_t slots_id = 0, k = 0;
        EventMask plain;     // the plain events whose counts at k `cum` holds
        bool atoms = false;  // `atom` holds the atom counts at k
        EventVector cum;
        AtomCounts atom{};
    };
    ProgramEnd program_end_;
    // The counts of `m`'s events over [a, b) of `run` (not halted), written to `out` (others untouched).
    void count_chunk(const Run& run, uint64_t a, uint64_t b, EventMask m, EventVector& out);
    uint64_t count_to_first_carry(const Run& run, uint64_t a, uint64_t& b, uint8_t ring);
    static EventMask metric_events_all();  // the events of every PERF_METRICS field
    uint64_t first_overflow(unsigned slot, const Run& r, uint64_t a, uint64_t b) const;
    uint64_t increment_over(unsigned slot, const Run& r, uint64_t a, uint64_t b) const;
    uint64_t scan_conditional(const CounterPlan& p, uint64_t a, uint64_t b, unsigned __int128 room,
                              uint64_t& carry_at) const;
    uint64_t pmi_enabled_bits() const;

    CpuConfig cpu_;
    Semantics sem_;
    RegisterTable table_;
    std::unique_ptr<Workload> workload_;
    PmuState st_;

    // Derived from the state by replan(); never snapshotted.
    std::array<CounterPlan, kNumCounterSlots> plan_{};
    std::vector<uint8_t> active_;  // slots with a non-zero ring mask
    // The encoding each GP selector found last (find_encoding searches the event table; hosts
    // and guests write the same few selectors again at every VM transition).
    struct EncodingMemo {
        uint64_t key = ~0ull;
        const EventEncoding* enc = nullptr;
    };
    mutable std::array<EncodingMemo, kMaxGpCounters> enc_memo_{};
    uint8_t metrics_ring_ = 0;
    // Per-cycle mode's form of the plans (compiled at the first per-cycle advance after
    // finish_plan, pmu_cycle_program.cpp): per ring, the dense counters' events and the other
    // counters' terms (cycle_program.h).
    using CycleEvent = percycle::CycleEvent;
    using CycleTerm = percycle::CycleTerm;
    std::array<std::vector<CycleEvent>, 2> cycle_events_;  // [0]: CPL 0, [1]: CPL > 0
    std::array<std::vector<CycleTerm>, 2> cycle_terms_;
    std::vector<uint8_t> term_events_;
    bool cycle_terms_stale_ = true;  // the plans changed since compile_cycle_terms
    using RunProgram = percycle::RunProgram;  // the dense counters' program for the cursor's run
    RunProgram run_program_;
    void build_run_program(const EventVector& ev, unsigned ring);
    uint64_t take_carries();  // the dense counters that carried: their status bits, masked back
    // Adds inc[s] to every counter slot and tests all dense counters' carries with one word (the
    // bits above each one's width): a stepped cycle's constants and a replayed row both add so.
    uint64_t add_to_all_counters(const std::array<uint64_t, kNumCounterSlots>& inc) {
        uint64_t* ctr = st_.counter.data();
        uint64_t high = 0;
        for (unsigned s = 0; s < kNumCounterSlots; ++s) {
            const uint64_t v = ctr[s] + inc[s];
            ctr[s] = v;
            high |= v & run_program_.above[s];
        }
        return high ? take_carries() : 0;
    }
    uint64_t count_cycle(const EventVector& ev, unsigned ring);  // the counters' part of a cycle
    void accumulate_metrics_cycle(const EventVector& ev);

    // A periodic run replayed from a table (pmu_cycle_replay.cpp, cycle_program.h), the last few
    // kept.
    using ReplayRow = percycle::ReplayRow;
    using ReplayTable = percycle::ReplayTable;
    static constexpr unsigned kReplayTables = 4;
    static constexpr uint64_t kReplayWarmup = 32;  // stepped cycles of a run before a replay is tried
    std::array<ReplayTable, kReplayTables> replay_tables_{};
    unsigned replay_next_ = 0;  // the table replaced next
    const ReplayTable* replay_ = nullptr;
    uint64_t replay_index_ = 0, replay_end_ = 0;
    uint64_t replay_limit_ = 1024;
    uint64_t stepped_since_compile_ = 0;  // counting cycles stepped with this program, in any run
    void try_replay(unsigned ring);  // after a stepped cycle: replay from the next one?
    void start_replay(const ReplayTable& t);
    // The cursor stayed where the replay began: it seeks at the next stepped cycle.
    void stop_replay() {
        end_block();
        if (!replay_) return;
        cursor_cycle_ = kForever;
        replay_ = nullptr;
    }
    uint64_t replay_cycle();         // a replayed cycle: the counters' and fields' increments, carries
    const ReplayTable* find_replay_table(unsigned ring) const;
    const ReplayTable& build_replay_table(unsigned ring, uint64_t period);
    // A run with no period within the limit (pmu_cycle_block.cpp): the next cycles' increments
    // computed at once, a column per event; the cycles before the first carry then only move the
    // cycle, and the registers take the columns' sums when anything reads or writes them. The
    // cursor moves to the block's end.
    using CycleBlock = percycle::CycleBlock;
    CycleBlock block_;
    std::unique_ptr<EventBlock> block_events_;
    void start_block(unsigned ring);
    uint64_t first_carry(unsigned n) const;  // the block's first cycle (0 .. n) where a counter carries
    void settle_block();                      // the registers take the block's cycles before cycle()
    [[gnu::cold]] void finish_block();        // settled, and the block dropped (end_block's call)
    // Every read of the counters or PERF_METRICS' accumulators settles first, every write (and
    // every other advance) ends the block first. Logically const: the registers' values do not
    // change, only where a block's cycles are kept.
    // Only per-cycle mode has blocks: the calls are out of line and cold, so that the access paths
    // keep a test and a branch (fast mode's VM exits read and write registers a hundred times).
    void settle() const {
        if (__builtin_expect(block_.active, 0)) settle_out_of_line();
    }
    void end_block() {
        if (__builtin_expect(block_.active, 0)) finish_block();
    }
    [[gnu::cold]] void settle_out_of_line() const;

    struct PendingPmi { uint64_t cycle; uint64_t sources; };
    std::deque<PendingPmi> pending_;
    std::vector<PmiRecord> pmis_;

    RunCursor cursor_;
    uint64_t cursor_cycle_ = kForever;  // cycle the cursor will produce next
};

// Base events summed into each PERF_METRICS byte (linux perf_event.h INTEL_TD_METRIC_*).
extern const std::array<EventMask, kNumMetricFields> kMetricFieldEvents;
extern const std::array<const char*, kNumMetricFields> kMetricFieldNames;

}  // namespace pmusim

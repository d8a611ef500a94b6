// A Machine: one CPU preset with its PMU state and workload, run on the process's platform.
// Several Machines may exist in one process; each is attached to the platform while used.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "models/cpu/cpu_config.h"
#include "models/pmu/msr_port.h"
#include "models/pmu/pmu.h"
#include "models/pmu/pmu_module.h"

namespace pmusim {

struct MachineOptions {
    std::string cpu = "sapphirerapids";
    Overrides overrides;  // CPU fields (cpu_override_fields) and semantics fields (semantics_fields)
    TimeMode mode = TimeMode::Fast;
    uint64_t quantum = 1'000'000;  // cycles per SystemC wake-up in fast mode
};

struct RunResult {
    uint64_t cycles = 0;         // cycles actually run
    bool stopped_on_pmi = false; // the run ended early because a PMI was raised
};

class PmuTrace;
class Platform;

// Holds the process's platform (Platform::mutex()) for this thread from construction to
// destruction, so that the Machine calls made meanwhile on this thread take no lock of their
// own: the engine holds it once per protocol step instead of once per access and advance
// (docs/performance.md "Fourth round: the engine"). Other threads' calls wait for the hold to
// end, as they wait for one access or run. Holds nest. Never hold it around a call that may
// wait for another thread (a Python callback taking the GIL).
class PlatformHold {
public:
    PlatformHold();
    ~PlatformHold();
    PlatformHold(const PlatformHold&) = delete;
    PlatformHold& operator=(const PlatformHold&) = delete;
    // Whether this thread holds the platform through a PlatformHold now. Only the holding thread
    // writes its own id to holder_, and only while it holds the mutex, so a thread reads its own
    // id exactly while it holds the platform: relaxed loads suffice.
    static bool held_here() { return holder_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }
    // How many times this thread's outer holds took the platform (tests: the engine's holds a
    // VM exit, test StepHold.*).
    static uint64_t taken_here() { return taken_; }

private:
    static inline std::atomic<std::thread::id> holder_{};
    static inline thread_local uint64_t taken_ = 0;
    bool outer_;
};

class Machine {
public:
    explicit Machine(const MachineOptions& opts = {});
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    const CpuConfig& cpu() const { return pmu_->cpu(); }
    const Pmu& pmu() const { return *pmu_; }
    uint64_t cycle() const { return pmu_->cycle(); }
    TimeMode mode() const { return mode_; }
    void set_mode(TimeMode m) { mode_ = m; }
    uint64_t quantum() const { return quantum_; }
    void set_quantum(uint64_t q);
    void set_workload(std::unique_ptr<Workload> w);
    void reset() { pmu_->reset(); }
    // See Pmu::workload_changed.
    void workload_changed() { pmu_->workload_changed(); }

    // Through the TLM sockets; #GP -> GeneralProtection.
    uint64_t rdmsr(uint32_t msr);
    void wrmsr(uint32_t msr, uint64_t v);
    uint64_t rdpmc(uint32_t ecx, unsigned cpl = 0);
    AccessResult try_rdmsr(uint32_t msr);
    AccessResult try_wrmsr(uint32_t msr, uint64_t v);
    AccessResult try_rdpmc(uint32_t ecx, unsigned cpl = 0);
    // The same access as try_*, made on the PMU directly instead of through the TLM socket: the
    // engine's path for its ~125 accesses a VM exit. The socket's target first brings the PMU to
    // the access time (SystemC time plus the lead of advance()), which is always the PMU's own
    // cycle for the active machine; so the results, state and waveform are the socket path's
    // (test DirectAccess.*).
    AccessResult access(AccessKind k, uint32_t index, uint64_t value = 0, unsigned cpl = 0);
    // The PMU itself, for a caller that makes many accesses while it holds the platform (the
    // engine, once per protocol step): attaches this machine and applies its mode as access()
    // does, and returns the PMU when this thread holds the platform through a PlatformHold and no
    // waveform of this machine is written (null otherwise: use access()). Its accesses
    // (Pmu::access_quiet) are then access()'s without the lock test, the mode and the #GP text:
    // access() on an attached machine changes nothing else (test DirectAccess.*). Valid while the
    // hold lasts and no other machine is used.
    Pmu* direct_pmu();

    RunResult run(uint64_t cycles, bool stop_on_pmi = false);
    // Runs `cycles` without entering the SystemC scheduler (TLM-2.0 temporal decoupling): the PMU
    // syncs lazily to the caller's local time, which runs ahead of SystemC time until the next
    // run(). Accesses meanwhile carry that lead as their annotated delay. Same results as run():
    // the PMU's advance is the one its clock process makes (docs/performance.md "Cost per VM exit").
    RunResult advance(uint64_t cycles, bool stop_on_pmi = false);
    uint64_t ahead_of_systemc() const { return ahead_; }
    // advance(cycles) when it can change nothing but the cycle (Pmu::idle, no waveform of this
    // machine): only the cycle and the local time move. Returns false, and runs nothing, otherwise.
    // Inline: a step's cost chunk takes this path about 140 times a VM exit.
    bool advance_if_idle(uint64_t cycles) {
        if (trace_ || !pmu_->idle()) return false;
        // The machine's own PMU and lead only: attaching (activate) would drop the lead anyway.
        pmu_->advance_idle(cycle() + cycles);
        ahead_ += cycles;
        return true;
    }

    // Waveform of this machine's PMU (docs/waveforms.md): written after every access and every
    // run, and every `sample` cycles inside runs (0: at the end of each run only). `signals`:
    // names or prefixes ending in '*' (empty: all). end_trace() closes the file.
    void trace(const std::string& path, const std::vector<std::string>& signals = {}, uint64_t sample = 0);
    void end_trace();
    bool tracing() const { return trace_ != nullptr; }
    const std::vector<PmiRecord>& pmis() const { return pmu_->pmis(); }

private:
    MsrPort& activate(bool force = false);
    void traced() {  // after every access and run: only a waveform costs more than this test
        if (trace_) trace_now();
    }
    void trace_now();
    RunResult run_chunk(uint64_t cycles, bool stop_on_pmi);
    std::unique_ptr<Pmu> pmu_;
    std::unique_ptr<PmuTrace> trace_;
    uint64_t trace_sample_ = 0;
    sc_core::sc_time lead() const;
    TimeMode mode_;
    uint64_t quantum_;
    uint64_t ahead_ = 0;  // cycles advance() ran past SystemC time (the local time offset)
    Platform* platform_ = nullptr;  // Platform::get(), never destroyed: kept so that activate() need not look it up
};

}  // namespace pmusim

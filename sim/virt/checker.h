// The checkers' seam (docs/virtualization.md "Checkers"). Each checker is one class in one file
// under sim/virt/checkers/, observing the engine's events and reporting violations of the kinds
// it declares; checker_registry() lists them once, in the order they are called. Adding a checker
// is one file and one registry line.
#pragma once
#include <memory>
#include <vector>

#include "sim/virt/engine.h"

namespace pmusim {

// What the host's events really were over one host perf reading (from the ledger).
struct HostReadingTruth {
    std::vector<uint64_t> events;  // per host perf event (0 when its truth is unknown)
    uint64_t slots = 0;            // topdown: slots over the topdown window
    std::array<uint64_t, kNumMetricFields> parts{};  // slots of each PERF_METRICS category
};

class Checker {
public:
    explicit Checker(Engine& e) : e_(e) {}
    virtual ~Checker() = default;
    // Called after every access and every run chunk that could count (about 125 and 3 a VM exit;
    // a chunk on an idle PMU, Pmu::idle, counts nothing and is not shown). A checker that
    // does not override one of them says so by its first call (these default bodies), and the
    // engine calls it no more for that event (Hypervisor::observers).
    virtual void on_access(const AccessEvent&) { ignores_accesses_ = true; }
    virtual void on_chunk(const ChunkEvent&) { ignores_chunks_ = true; }
    bool ignores_accesses() const { return ignores_accesses_; }
    // The classes of access (access_class) on_access judges: the engine builds and shows an
    // access to no observer whose mask lacks its class (most of an exit's accesses are KVM's,
    // which no checker judges). A checker narrows it in its constructor (judges_accesses);
    // tests Checkers.NoCheckerReportsAnAccessOutsideItsClasses.
    uint8_t access_classes() const { return access_classes_; }
    bool ignores_chunks() const { return ignores_chunks_; }
    virtual void on_pmi(const PmiRoute&) {}
    virtual void on_handover(Handover, Vcpu&) {}
    virtual void on_guest_access(const GuestAccess&) {}
    virtual void on_host_reading(const AgentReading&, const HostReadingTruth&) {}
    // A host task's reading, at its switch-out on this CPU; `truth`: per event, its events while it ran.
    virtual void on_task_reading(const Vcpu&, const AgentReading&, const std::vector<uint64_t>& /*truth*/) {}
    virtual void on_pmi_delivered(int /*ctx*/) {}  // a guest's injection or host perf's handler
    virtual void on_exit(Vcpu&) {}                 // the instant of a VM-exit, before the exit path
    virtual void on_exit_handled() {}              // the end of an exit-handling window
    virtual void on_end() {}                       // after the guests' final readings, before the host's

protected:
    Engine& e_;
    void judges_accesses(uint8_t classes) { access_classes_ = classes; }

private:
    bool ignores_accesses_ = false, ignores_chunks_ = false;
    uint8_t access_classes_ = 0xff;
};

// An access's class as a bit of Checker::access_classes(): trusted (KVM) or not, succeeded or
// #GP, a write or a read.
constexpr uint8_t access_class(bool trusted, bool ok, bool write) {
    return uint8_t(1u << ((trusted ? 4u : 0u) | (ok ? 2u : 0u) | (write ? 1u : 0u)));
}
inline uint8_t access_class(const AccessEvent& a) { return access_class(a.trusted, a.ok, a.kind == AccessKind::Wrmsr); }
// Accesses that #GP, trusted or not.
constexpr uint8_t kFailedAccesses =
    access_class(false, false, false) | access_class(false, false, true) | access_class(true, false, false) | access_class(true, false, true);

// A register's name for a report, made only when a violation is reported ("PMC" 3 -> "PMC3"):
// the checks run at every VM transition and almost never fire.
struct RegLabel {
    RegLabel(const char* b, int i = -1, const char* s = "") : base(b), index(i), suffix(s) {}
    const char* base;
    int index;
    const char* suffix;
    std::string str() const { return std::string(base) + (index < 0 ? "" : std::to_string(index)) + suffix; }
};

struct CheckerDef {
    const char* name;                  // e.g. "exposure"
    std::vector<ViolationKind> kinds;  // what it reports
    const char* checks;                // one line for docs and `pmusim run --checkers`
    std::unique_ptr<Checker> (*make)(Engine&);
};
const std::vector<CheckerDef>& checker_registry();
// The checkers and the violation kinds as Markdown tables (docs/virtualization.md is generated
// from them).
std::string checkers_markdown();

// One factory per checker file (sim/virt/checkers/*.cpp).
std::unique_ptr<Checker> make_flow_checker(Engine&);
std::unique_ptr<Checker> make_exposure_checker(Engine&);
std::unique_ptr<Checker> make_bleed_checker(Engine&);
std::unique_ptr<Checker> make_event_filter_checker(Engine&);
std::unique_ptr<Checker> make_pmi_accounting_checker(Engine&);
std::unique_ptr<Checker> make_guest_state_checker(Engine&);
std::unique_ptr<Checker> make_guest_reference_checker(Engine&);
std::unique_ptr<Checker> make_host_counts_checker(Engine&);
std::unique_ptr<Checker> make_host_scheduled_checker(Engine&);
std::unique_ptr<Checker> make_task_counts_checker(Engine&);

}  // namespace pmusim

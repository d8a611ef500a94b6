// KVM's PMU event filter with guests on the engine, written like KVM's selftest
// pmu_event_filter_test.c: given this filter from userspace and this guest program, when the
// guest runs, then these counts in the guest and nothing denied counting on hardware (the run is
// clean), or this error. The filter alone and the checker: test_event_filter.cpp.
#include "event_filter_cases.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

using namespace pmusim;
using namespace pmusim::test;

// ---------------------------------------------------------------------------------------------
// Guests on the engine: a guest program enables counters, runs, and reads them.

namespace {

// vm0 counts branches on PMC0, instructions on PMC1, TOPDOWN 0xA4 umasks 0x01/0x02/0x04 on
// PMC2..4 and fixed counters 0..2, for 100k of its cycles; the host counts branches meanwhile.
const char* kCountingProgram = R"(
      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0}
      - {wrmsr: IA32_PERFEVTSEL0, value: 0x4300c4}
      - {wrmsr: IA32_PERFEVTSEL1, value: 0x4300c0}
      - {wrmsr: IA32_PERFEVTSEL2, value: 0x4301a4}
      - {wrmsr: IA32_PERFEVTSEL3, value: 0x4302a4}
      - {wrmsr: IA32_PERFEVTSEL4, value: 0x4304a4}
      - {wrmsr: IA32_FIXED_CTR_CTRL, value: 0x333}
      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0x70000001f}
      - run: 100000
      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0}
      - {rdmsr: IA32_PMC0, label: branches}
      - {rdmsr: IA32_PMC1, label: instructions}
      - {rdmsr: IA32_PMC2, label: a4_01}
      - {rdmsr: IA32_PMC3, label: a4_02}
      - {rdmsr: IA32_PMC4, label: a4_04}
      - {rdmsr: IA32_FIXED_CTR0, label: fixed0}
      - {rdmsr: IA32_FIXED_CTR1, label: fixed1}
      - {rdmsr: IA32_FIXED_CTR2, label: fixed2}
      - {rdmsr: IA32_PERFEVTSEL0, label: evtsel0}
)";

Scenario guest_scenario(const std::string& filter_yaml, const std::string& program = kCountingProgram,
                        const std::string& protocol = "mediated") {
    std::string y = "cpu: sapphirerapids\ncycles: 700000\nprotocol: " + protocol +
                    "\nhost: {perf: {events: [branches, instructions]}}\n";
    if (!filter_yaml.empty()) y += "event_filter: " + filter_yaml + "\n";
    y += "guests:\n  - name: vm0\n    vpmu: {version: 5, gp: 8, fixed: " + std::string(protocol == "legacy" ? "3" : "4") +
         ", perf_metrics: " + (protocol == "legacy" ? "false" : "true") + "}\n" +
         "    run: {dist: uniform, min: 20000, max: 50000}\n    program:" + program;
    return parse_scenario_yaml(y, "t.yaml");
}

struct GuestRun {
    RunReport r;
    uint64_t seen(const std::string& label) const {
        for (auto& x : r.programs.records)
            if (x.label == label) return x.seen.value;
        ADD_FAILURE() << "no access labelled " << label;
        return 0;
    }
    bool counted(const std::string& label) const { return seen(label) > 0; }
};

// The register of the first violation of a kind ("" when none).
std::string first_of(const RunReport& r, ViolationKind k) {
    for (auto& v : r.violations.recorded())
        if (v.kind == k) return v.reg;
    return "";
}

GuestRun run_guest(const std::string& filter_yaml, const std::string& protocol = "mediated",
                   const std::string& edit = "") {
    Scenario s = guest_scenario(filter_yaml, kCountingProgram, protocol);
    Protocol p = s.make_protocol();
    if (!edit.empty()) p.apply(parse_protocol_edit(edit));
    GuestRun g{run_scenario(s, p)};
    EXPECT_EQ(g.r.programs.failed, 0u);
    return g;
}

}  // namespace

TEST(EventFilterGuest, WithoutAFilterBranchesAndInstructionsCount) {
    const GuestRun g = run_guest("");
    EXPECT_TRUE(g.r.clean());
    EXPECT_GT(g.seen("branches"), 20000u);  // the steady workload: 0.25 branches per cycle
    EXPECT_GT(g.seen("instructions"), 100000u);
    EXPECT_GT(g.seen("fixed0"), 100000u);
}

TEST(EventFilterGuest, DenyListWithThemCountsNothingInTheGuestNorOnHardware) {
    // test_member_deny_list; the run is clean: no denied event counted on hardware in vm0's
    // cycles (the event_filter checker) and vm0 reads what it would alone under the filter.
    const GuestRun g = run_guest("{action: deny, events: [0xc4, 0xc0]}");
    EXPECT_TRUE(g.r.clean()) << g.r.violations.kinds_fired();
    EXPECT_EQ(g.seen("branches"), 0u);
    EXPECT_EQ(g.seen("instructions"), 0u);
    EXPECT_GT(g.seen("a4_01"), 0u);
    EXPECT_GT(g.seen("fixed0"), 0u);          // the fixed counter: its bitmap bit is clear
    EXPECT_EQ(g.seen("evtsel0"), 0x4300c4u);  // read back as written
}

TEST(EventFilterGuest, AllowListWithThemCountsThemAndNothingElse) {
    // test_member_allow_list and test_not_member_allow_list.
    const GuestRun with = run_guest("{action: allow, events: [0xc4, 0xc0], fixed_counter_bitmap: 0x7}");
    EXPECT_TRUE(with.r.clean());
    EXPECT_GT(with.seen("branches"), 20000u);
    EXPECT_GT(with.seen("instructions"), 100000u);
    EXPECT_EQ(with.seen("a4_01"), 0u);
    const GuestRun without = run_guest("{action: allow, events: [0x3c]}");
    EXPECT_TRUE(without.r.clean());
    EXPECT_EQ(without.seen("branches"), 0u);
    EXPECT_EQ(without.seen("instructions"), 0u);
    EXPECT_EQ(without.seen("fixed0"), 0u);  // an allow filter without bitmap bits allows no fixed counter
}

TEST(EventFilterGuest, DenyListWithoutThemLeavesThemCounting) {
    const GuestRun g = run_guest("{action: deny, events: [0x3c, 0x2e]}");
    EXPECT_TRUE(g.r.clean());
    EXPECT_GT(g.seen("branches"), 20000u);
    EXPECT_GT(g.seen("instructions"), 100000u);
}

TEST(EventFilterGuest, FixedCounterBitmapAllowsAndDeniesEachFixedCounter) {
    // __test_fixed_counter_bitmap: for each fixed counter, allow with its bit / deny without it.
    for (unsigned i = 0; i < 3; ++i) {
        const std::string bit = std::to_string(1u << i), label = "fixed" + std::to_string(i);
        const GuestRun allow = run_guest("{action: allow, fixed_counter_bitmap: " + bit + "}");
        const GuestRun deny = run_guest("{action: deny, fixed_counter_bitmap: " + bit + "}");
        EXPECT_TRUE(allow.r.clean() && deny.r.clean()) << i;
        for (unsigned j = 0; j < 3; ++j) {
            const std::string l = "fixed" + std::to_string(j);
            EXPECT_EQ(allow.counted(l), i == j) << "allow bit " << i << " " << l;
            EXPECT_EQ(deny.counted(l), i != j) << "deny bit " << i << " " << l;
        }
    }
}

TEST(EventFilterGuest, BitmapTakesPrecedenceOverTheEventsForFixedCounters) {
    // test_set_gp_and_fixed_event_filter: INST_RETIRED.ANY_P allowed, bitmap bit 0 clear: the
    // GP counter counts instructions, fixed counter 0 does not.
    const GuestRun g = run_guest("{action: allow, events: [0xc0], fixed_counter_bitmap: 0x2}");
    EXPECT_TRUE(g.r.clean());
    EXPECT_GT(g.seen("instructions"), 0u);
    EXPECT_EQ(g.seen("fixed0"), 0u);
    EXPECT_GT(g.seen("fixed1"), 0u);
}

TEST(EventFilterGuest, MaskedEventsCountExactlyTheSelectedUmasks) {
    // test_masked_events, run in a guest.
    for (const auto& c : masked_cases()) {
        std::string entries;
        for (uint64_t e : c.entries) entries += (entries.empty() ? "" : ", ") + hex_string(e);
        const GuestRun g = run_guest("{action: allow, flags: 1, events: [" + entries + "]}");
        EXPECT_TRUE(g.r.clean()) << c.what;
        EXPECT_EQ(g.counted("a4_01"), c.counts[0]) << c.what;
        EXPECT_EQ(g.counted("a4_02"), c.counts[1]) << c.what;
        EXPECT_EQ(g.counted("a4_04"), c.counts[2]) << c.what;
        EXPECT_EQ(g.seen("branches"), 0u) << c.what;
    }
}

TEST(EventFilterGuest, LegacyVpmuGivesADeniedCounterNoBackingEvent) {
    // The perf-backed vPMU: reprogram_counter creates no perf event for a denied counter.
    const GuestRun g = run_guest("{action: deny, events: [0xc4], fixed_counter_bitmap: 0x1}", "legacy");
    EXPECT_TRUE(g.r.clean()) << g.r.violations.kinds_fired();
    EXPECT_EQ(g.seen("branches"), 0u);
    EXPECT_EQ(g.seen("fixed0"), 0u);
    EXPECT_GT(g.seen("instructions"), 100000u);
    EXPECT_GT(g.seen("fixed1"), 0u);
}

TEST(EventFilterGuest, LoadingTheUnfilteredSelectorsIsCaught) {
    // The mutants: a load path that ignores eventsel_hw / fixed_ctr_ctrl_hw.
    const GuestRun gp =
        run_guest("{action: deny, events: [0xc4]}", "mediated", "replace:load_guest_pmcs=load_guest_pmcs_unfiltered");
    EXPECT_EQ(first_of(gp.r, ViolationKind::Filtered), "PMC0");
    EXPECT_EQ(first_of(gp.r, ViolationKind::Clobber), "PERFEVTSEL0");  // guest_state at the VM-entry
    const GuestRun fx = run_guest("{action: deny, fixed_counter_bitmap: 0x1}", "mediated",
                                  "replace:load_fixed_ctr_ctrl=load_fixed_ctr_ctrl_unfiltered");
    EXPECT_EQ(first_of(fx.r, ViolationKind::Filtered), "FIXED_CTR0");
}

TEST(EventFilterGuest, FindingAnUnchangedDeniedFixedFieldCountsAfterAnotherFieldChanges) {
    // Given a deny filter on fixed counter 0 and a guest with GLOBAL_CTRL passed through, when
    // the guest enables fixed counter 0 and then, in a second write, fixed counter 1 too, then
    // KVM (v6) loads field 0 enabled and fixed counter 0 counts in the guest: the checker fires.
    const std::string program = R"(
      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0x300000000}
      - {wrmsr: IA32_FIXED_CTR_CTRL, value: 0x3}
      - run: 20000
      - {wrmsr: IA32_FIXED_CTR_CTRL, value: 0x33}
      - run: 20000
      - {rdmsr: IA32_FIXED_CTR0, label: fixed0}
)";
    const RunReport r = run_scenario(guest_scenario("{action: deny, fixed_counter_bitmap: 0x1}", program));
    EXPECT_EQ(first_of(r, ViolationKind::Filtered), "FIXED_CTR0");
    EXPECT_EQ(first_of(r, ViolationKind::Clobber), "FIXED_CTR_CTRL");
}

TEST(EventFilterGuest, ScenarioErrorsNameTheFieldAndKvmsErrno) {
    auto error_of = [](const std::string& filter_yaml) {
        try {
            guest_scenario(filter_yaml);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    EXPECT_NE(error_of("{action: 2}").find("t.yaml:5: event_filter.action: KVM refuses the filter: EINVAL"), std::string::npos)
        << error_of("{action: 2}");
    EXPECT_NE(error_of("{action: deny, flags: 2}").find("event_filter.flags: KVM refuses the filter: EINVAL"),
              std::string::npos);
    EXPECT_NE(error_of("{masked: [{event: 0x1c4}]}").find("event_filter.masked[0]: KVM refuses the filter: EINVAL"),
              std::string::npos);
    std::string many;
    for (int i = 0; i < 301; ++i) many += (i ? ", " : "") + std::to_string(i % 256);
    EXPECT_NE(error_of("{events: [" + many + "]}").find("event_filter.events: KVM refuses the filter: E2BIG"),
              std::string::npos);
    EXPECT_NE(error_of("{action: sometimes}").find("event_filter.action: expected allow, deny or the number KVM gets"),
              std::string::npos);
    EXPECT_NE(error_of("{events: [0xc4], masked: [{event: 0xc4}]}").find("give events or masked"), std::string::npos);
    EXPECT_NE(error_of("{events: [{event: 0xc4, umask: 0x100}]}").find("events[0].umask: a unit mask has at most 8 bits"),
              std::string::npos);
    EXPECT_NE(error_of("{events: [0xc4], bogus: 1}").find("event_filter.bogus: unknown key"), std::string::npos);
    // Junk KVM accepts is accepted: an unmasked entry with any bits, a bitmap of absent counters.
    EXPECT_EQ(error_of("{events: [0xffffffffffffffff], fixed_counter_bitmap: 0xffffffff}"), "(no error)");
}

namespace {
// A guest program that calls `hook` (the VMM) just before its action number `at`.
class HookRunner : public GuestProgramRunner {
public:
    HookRunner(GuestProgram p, size_t at, std::function<void()> hook)
        : p_(std::move(p)), c_(p_), at_(at), hook_(std::move(hook)) {}
    GuestAction next() override {
        if (n_++ == at_) hook_();
        return c_.next();
    }

private:
    GuestProgram p_;
    ProgramCursor c_;
    size_t n_ = 0, at_;
    std::function<void()> hook_;
};

const char* kTicking = R"(
      - {wrmsr: IA32_PERFEVTSEL0, value: 0x4300c4}
      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 1}
      - loop: 60
        body:
          - run: 5000
          - {rdpmc: 0, label: tick}
)";
}  // namespace

TEST(EventFilterGuest, AFilterChangeTakesEffectAtEachVcpusNextVmEntry) {
    // Given two guests counting branches and no filter, when the VMM installs a deny filter on
    // branches while vm0 runs (in its 14th loop iteration), then each guest's count stops at its
    // own next VM-entry; the run stays clean (until then the old filter is in force).
    Scenario s = guest_scenario("", kTicking);
    s.cycles = 1'500'000;
    s.guests.push_back(s.guests[0]);
    s.guests[1].name = "vm1";
    Hypervisor* hyp = nullptr;
    uint64_t changed_at = 0;
    const GuestProgram vm0 = s.guests[0].program;
    s.guests[0].runner = [&, vm0] {
        return std::make_unique<HookRunner>(vm0, 40, [&] {
            hyp->set_event_filter(filter(kDeny, {kBranches}));
            changed_at = hyp->machine().cycle();
        });
    };
    Hypervisor h(s, s.make_protocol());
    hyp = &h;
    const RunReport r = h.run();
    ASSERT_GT(changed_at, 0u);
    EXPECT_TRUE(r.clean()) << r.violations.kinds_fired();
    for (int ctx : {1, 2}) {
        // The first VM-entry of this guest after the change: the start of its next run span.
        uint64_t entry = ~0ull;
        for (auto& sp : r.timeline)
            if (sp.ctx == ctx && sp.begin > changed_at) entry = std::min(entry, sp.begin);
        ASSERT_NE(entry, ~0ull) << ctx;
        uint64_t before = 0, after_first = ~0ull, after_last = 0, n_before = 0, n_after = 0;
        for (auto& x : r.programs.records) {
            if (x.guest != ctx || x.label != "tick") continue;
            if (x.cycle < changed_at) before = x.seen.value, ++n_before;
            if (x.cycle >= entry) after_first = std::min(after_first, x.seen.value), after_last = x.seen.value, ++n_after;
        }
        EXPECT_GT(n_before, 2u) << ctx;
        EXPECT_GT(n_after, 2u) << ctx;
        EXPECT_GT(before, 0u) << ctx;
        EXPECT_EQ(after_first, after_last) << "guest " << ctx << " counted after its VM-entry under the filter";
        EXPECT_GE(after_first, before) << ctx;
    }
}

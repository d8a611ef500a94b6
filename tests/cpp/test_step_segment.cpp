// The context schedule grows the last segment in place (ContextWorkload::append): a protocol
// step's cost chunks make one segment, with the same answers as the step appended at once.
#include <gtest/gtest.h>

#include "models/core/workload.h"
#include "models/cpu/cpu_config.h"
#include "models/virt/context_workload.h"

using namespace pmusim;

namespace {
struct Schedule {
    ContextWorkload cw;
    unsigned host = 0, kvm = 0, guest = 0;
    Schedule() {
        SteadyParams hp, gp;
        hp.instructions = 2.5;
        hp.kernel_share = 0.4;  // CPL changes inside segments
        hp.period = 700;
        gp.instructions = 0.8;
        gp.kernel_share = 0.25;
        host = cw.add_source(std::make_unique<SteadyWorkload>(hp), "host");
        kvm = cw.add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "kvm");
        guest = cw.add_source(std::make_unique<SteadyWorkload>(gp), "guest");
        cw.bind(make_cpu_config("sapphirerapids"));
    }
};

// Every answer a report or the PMU takes from a schedule: segments, runs at every cycle, the
// events over ranges, owners' cycles, spans and local times.
void expect_same_schedule(ContextWorkload& a, ContextWorkload& b) {
    ASSERT_EQ(a.end(), b.end());
    for (unsigned s = 0; s < a.sources(); ++s) EXPECT_EQ(a.local_time(s), b.local_time(s)) << s;
    for (int owner : {0, 1}) EXPECT_EQ(a.owned_cycles(owner), b.owned_cycles(owner));
    const auto sa = a.spans(), sb = b.spans();
    ASSERT_EQ(sa.size(), sb.size());
    for (size_t i = 0; i < sa.size(); ++i)
        EXPECT_TRUE(sa[i].begin == sb[i].begin && sa[i].end == sb[i].end && sa[i].owner == sb[i].owner) << i;
    for (uint64_t c = 0; c < a.end(); c += 7) {
        const Run ra = a.run_at(c), rb = b.run_at(c);
        ASSERT_TRUE(ra.begin == rb.begin && ra.end == rb.end && ra.cpl == rb.cpl && ra.halted == rb.halted) << c;
        ASSERT_EQ(a.segment_at(c).tag, b.segment_at(c).tag) << c;
    }
    EXPECT_TRUE((count_all_events(a, 0, a.end()) == count_all_events(b, 0, b.end())).all());
}
}  // namespace

// Given a host slice, a step whose cost comes in 40 chunks and a guest run, when the same cycles
// are appended with each step in one piece, then the schedules answer every query alike and the
// chunked step is one segment.
TEST(StepSegment, ChunksOfAStepAreOneSegmentWithTheSameAnswers) {
    Schedule chunked, whole;
    chunked.cw.append(chunked.host, 5000, 0, 0);
    whole.cw.append(whole.host, 5000, 0, 0);
    for (int i = 0; i < 40; ++i) chunked.cw.append(chunked.kvm, 25 + i, 0, 7);
    whole.cw.append(whole.kvm, 40 * 25 + 39 * 40 / 2, 0, 7);
    chunked.cw.append(chunked.guest, 10000, 1, 9);
    whole.cw.append(whole.guest, 10000, 1, 9);
    EXPECT_EQ(chunked.cw.segments().size(), 3u);
    expect_same_schedule(chunked.cw, whole.cw);
}

// A new segment starts when the owner, the tag or the source changes, or when the source's local
// time did not go on from the segment's end (a vCPU that ran elsewhere meanwhile).
TEST(StepSegment, AnotherOwnerTagSourceOrLocalTimeStartsASegment) {
    Schedule s;
    s.cw.append(s.kvm, 100, 0, 3);
    s.cw.append(s.kvm, 100, 0, 4);  // another step
    s.cw.append(s.kvm, 100, 1, 4);  // another owner
    s.cw.append(s.host, 100, 1, 4); // another source
    s.cw.set_local_time(s.host, 1000);
    s.cw.append(s.host, 100, 1, 4); // the same, but its local time jumped
    s.cw.append(s.host, 100, 1, 4); // grows
    ASSERT_EQ(s.cw.segments().size(), 5u);
    EXPECT_EQ(s.cw.segments().back().local_begin, 1000u);
    EXPECT_EQ(s.cw.segments().back().end - s.cw.segments().back().begin, 200u);
}

// Given a segment grown in place and cut short by a truncate (a PMI stopped the run), then the
// next append grows the segment before it only when it continues it, and a schedule whose
// segments were forgotten up to its last still grows that last one.
TEST(StepSegment, TruncateAndForgetKeepTheGrowingSegmentRight) {
    Schedule chunked, whole;
    for (int i = 0; i < 4; ++i) chunked.cw.append(chunked.kvm, 50, 0, 2);
    whole.cw.append(whole.kvm, 200, 0, 2);
    chunked.cw.append(chunked.guest, 1000, 1, 5);
    whole.cw.append(whole.guest, 1000, 1, 5);
    chunked.cw.truncate(200);  // the guest segment is gone: the kvm one is last again
    whole.cw.truncate(200);
    chunked.cw.append(chunked.kvm, 30, 0, 2);
    whole.cw.append(whole.kvm, 30, 0, 2);
    EXPECT_EQ(chunked.cw.segments().size(), 1u);
    expect_same_schedule(chunked.cw, whole.cw);
    chunked.cw.forget_before(chunked.cw.end());
    whole.cw.forget_before(whole.cw.end());
    for (int i = 0; i < 3; ++i) chunked.cw.append(chunked.kvm, 10, 0, 2);
    whole.cw.append(whole.kvm, 30, 0, 2);
    EXPECT_EQ(chunked.cw.segments().size(), 1u);
    expect_same_schedule(chunked.cw, whole.cw);
    // A copy grows its own last segment.
    auto copy = chunked.cw.clone();
    auto& c = static_cast<ContextWorkload&>(*copy);
    c.append(chunked.kvm, 5, 0, 2);
    EXPECT_EQ(c.end(), chunked.cw.end() + 5);
    EXPECT_EQ(c.segments().size(), 1u);
}

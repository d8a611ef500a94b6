// The steps of the legacy (perf-event-backed) vPMU, each declared once beside its behaviour.
// Every guest counter is a host perf event (exclude_host) on a hardware GP counter the host
// does not use; the guest's accesses are all emulated; VM-entry/exit switch GLOBAL_CTRL between
// the backing counters and the host's (perf_guest_get_msrs, atomic_switch_perf_msrs in
// arch/x86/kvm/vmx/vmx.c; pmc_reprogram_counter in arch/x86/kvm/pmu.c).
#include "models/virt/costs.h"
#include "models/virt/protocol.h"
#include "models/virt/step_context.h"

namespace pmusim {

namespace {
using P = Path;

// The PERFEVTSEL a guest counter slot asks for (0: disabled). Fixed counters 0-2 use their
// generic encodings (intel_get_fixed_pmc_eventsel). The backing event is a perf sampling event
// (its period is the guest counter's distance to overflow), so its hardware selector always has
// INT: its overflow reaches kvm_perf_overflow, which sets the guest's status bit and injects a
// PMI only if the guest asked for one (pmc->intr). A counter the VM's event filter denies gets no
// running event (reprogram_counter returns before pmc_reprogram_counter).
uint64_t wanted_selector(const KvmVpmu& v, unsigned slot) {
    if (!v.event_allowed(slot)) return 0;
    const KvmPmuState& s = v.st;
    if (slot < kMaxGpCounters) return (s.eventsel[slot] & evtsel::kEn) ? s.eventsel[slot] | evtsel::kInt : 0;
    const unsigned f = slot - kMaxGpCounters;
    const uint64_t field = fixed_field::of(s.fixed_ctr_ctrl, f);
    if (!(field & (fixed_field::kOs | fixed_field::kUsr)) || f >= 3) return 0;
    static const uint64_t arch[3] = {0xc0, 0x3c, 0x13c};
    return arch[f] | ((field & fixed_field::kOs) ? evtsel::kOs : 0) | ((field & fixed_field::kUsr) ? evtsel::kUsr : 0) |
           evtsel::kInt | evtsel::kEn;
}

// Releases a backing counter, keeping its count in software.
void release(StepContext& c, KvmVpmu& v, unsigned slot) {
    int& b = v.backing[slot];
    const KvmHw::Result r = c.rdpmc(rdpmc_ecx::gp(unsigned(b)));
    if (slot < kMaxGpCounters) v.st.gp[slot] = r.value, v.st.gp_t[slot] = r.taint;
    else v.st.fixed[slot - kMaxGpCounters] = r.value, v.st.fixed_t[slot - kMaxGpCounters] = r.taint;
    c.wrmsr(msr::kPerfEvtSel0 + uint32_t(b), 0, 0);
    b = -1;
}

// Takes the highest free hardware GP counter and loads the guest's count into it.
bool acquire(StepContext& c, KvmVpmu& v, unsigned slot, uint64_t& used) {
    int& b = v.backing[slot];
    for (int h = int(c.host().num_gp) - 1; h >= 0; --h)
        if (!((used >> h) & 1u)) {
            b = h;
            break;
        }
    if (b < 0) return false;  // perf cannot schedule it: the guest counter does not count
    used |= 1ull << b;
    const bool gp = slot < kMaxGpCounters;
    const uint64_t val = gp ? v.st.gp[slot] : v.st.fixed[slot - kMaxGpCounters];
    const Taint t = gp ? v.st.gp_t[slot] : v.st.fixed_t[slot - kMaxGpCounters];
    c.wrmsr((c.host().fw_write() ? msr::kAPmc0 : msr::kPmc0) + uint32_t(b), val, t);
    return true;
}

void legacy_reprogram(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    if (!v.legacy_dirty) return;
    v.legacy_dirty = false;
    uint64_t used = c.gp_counters_in_use();
    for (unsigned slot = 0; slot < kNumCounterSlots; ++slot) {
        const bool exposed = slot < kMaxGpCounters ? slot < v.config.num_gp : v.config.has_fixed(slot - kMaxGpCounters);
        if (!exposed) continue;
        const uint64_t sel = wanted_selector(v, slot);
        if (!sel) {
            if (v.backing[slot] >= 0) release(c, v, slot);
            continue;
        }
        if (v.backing[slot] < 0 && !acquire(c, v, slot, used)) {
            v.unscheduled |= 1ull << slot;  // a pinned event perf cannot schedule does not count
            continue;
        }
        c.wrmsr(msr::kPerfEvtSel0 + uint32_t(v.backing[slot]), sel, taint_of(v.ctx));
    }
}

void atomic_switch_perf_msrs(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    uint64_t guest = 0;
    for (unsigned slot = 0; slot < kNumCounterSlots; ++slot)
        if (v.backing[slot] >= 0 && ((v.st.global_ctrl >> status_bit_of_slot(slot)) & 1u)) guest |= 1ull << v.backing[slot];
    v.vmcs.guest_global_ctrl = guest;
    v.vmcs.guest_global_ctrl_t = guest ? taint_of(v.ctx) : 0;
    v.vmcs.host_global_ctrl = c.host_perf_counter_bits();
    c.elapse(c.costs().msr_read);
}

void legacy_vmentry(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    c.elapse(c.costs().vmentry);
    c.host_counting(false);
    c.vmx_load_global_ctrl(v.vmcs.guest_global_ctrl, v.vmcs.guest_global_ctrl_t);
    c.set_lvtpc_guest(false, false);  // the legacy vPMU never retargets the LVTPC
    c.enter_guest();
}

void legacy_vmexit(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    c.vmx_load_global_ctrl(v.vmcs.host_global_ctrl, v.vmcs.host_global_ctrl ? taint_of(0) : 0);
    c.host_counting(true);
    c.elapse(c.costs().vmexit);
    c.pmu_to_host(false);  // nothing of the guest is saved or restored: there is no handover to check
}

}  // namespace

const std::vector<StepInfo>& legacy_steps() {
    static const std::vector<StepInfo> steps = {
        step("legacy_reprogram", P::Load, false, {}, {"PERFEVTSEL", "FIXED_CTR_CTRL", "PMC"},
             "create/update the host perf events that back the guest counters (pmc_reprogram_counter)",
             "pmc_reprogram_counter (arch/x86/kvm/pmu.c)", legacy_reprogram),
        step("atomic_switch_perf_msrs", P::Load, false, {}, {"GLOBAL_CTRL"},
             "VMCS guest/host GLOBAL_CTRL from perf_guest_get_msrs: guest = backing counters, host = host counters",
             "atomic_switch_perf_msrs (arch/x86/kvm/vmx/vmx.c); intel_guest_get_msrs", atomic_switch_perf_msrs),
        step("legacy_vmentry", P::Load, false, {}, {"GLOBAL_CTRL"}, "VM-entry loads the guest GLOBAL_CTRL computed by perf",
             "SDM Vol.3C 26.3.2.1; atomic_switch_perf_msrs", legacy_vmentry),
        step("legacy_vmexit", P::Exit, false, {}, {"GLOBAL_CTRL"}, "VM-exit loads the host GLOBAL_CTRL computed by perf",
             "SDM Vol.3C 27.5.1; atomic_switch_perf_msrs", legacy_vmexit),
    };
    return steps;
}

}  // namespace pmusim

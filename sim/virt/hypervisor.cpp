#include "sim/virt/hypervisor.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "sim/topdown.h"
#include "sim/pmu_trace.h"
#include "sim/workload_spec.h"

namespace pmusim {

namespace {
constexpr uint64_t kEn = 1ull << 22;
bool is_counter_msr(uint32_t a, unsigned& slot) {
    if (a >= msr::kPmc0 && a < msr::kPmc0 + kMaxGpCounters) return slot = a - msr::kPmc0, true;
    if (a >= msr::kAPmc0 && a < msr::kAPmc0 + kMaxGpCounters) return slot = a - msr::kAPmc0, true;
    if (a >= msr::kFixedCtr0 && a < msr::kFixedCtr0 + kMaxFixedCounters) return slot = fixed_slot(a - msr::kFixedCtr0), true;
    return false;
}
std::string hex(uint64_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << v;
    return os.str();
}
// PERF_METRICS field k at the configured resolution (semantics metrics_field_bits).
uint64_t pm_field(const Semantics& s, uint64_t v, unsigned k) {
    const unsigned b = s.metrics_field_bits;
    return b * k >= 64 ? 0 : (v >> (b * k)) & s.metrics_field_max();
}
}  // namespace

const char* Hypervisor::exit_name(Exit e) {
    switch (e) {
        case Exit::Timer: return "timer";
        case Exit::External: return "external";
        case Exit::Hlt: return "hlt";
        case Exit::Msr: return "msr";
        case Exit::Pmi: return "pmi";
        case Exit::Nmi: return "nmi";
        case Exit::End: return "end";
    }
    return "?";
}

Hypervisor::Hypervisor(const Scenario& s, const Protocol& p)
    : sc_(s), proto_(p), log_(s.checks.max_recorded), rng_(s.seed) {
    MachineOptions mo;
    mo.cpu = s.cpu;
    mo.overrides = s.overrides;
    mo.mode = s.mode;
    m_ = std::make_unique<Machine>(mo);
    const CpuConfig& host = m_->cpu();
    if (proto_.mediated() && !host.has_status_set())
        throw ConfigError("protocol", "the mediated vPMU needs PMU version 4 (GLOBAL_STATUS_SET); " + host.preset +
                                          " has version " + std::to_string(host.version));
    auto cw = std::make_unique<ContextWorkload>();
    auto spec = [](const std::string& where, const std::string& w) {
        try {
            return parse_workload_spec(w);
        } catch (const std::exception& e) {
            throw std::invalid_argument(where + ".workload: " + e.what());
        }
    };
    host_src_ = cw->add_source(spec("host", s.host.workload), "host");
    kvm_src_ = cw->add_source(spec("kvm_workload", s.kvm_workload), "kvm");
    // Waveform step numbers are stable across protocol variants: every library step has its own.
    tags_ = {"host", "exit handling", "host PMI handler"};
    for (auto& st : step_library()) tags_.push_back(st.name);
    for (size_t i = 0; i < s.guests.size(); ++i) {
        const GuestSpec& g = s.guests[i];
        auto v = std::make_unique<Vcpu>();
        v->ctx = int(i) + 1;
        v->spec = g;
        const std::string where = "guests." + g.name;
        if (!proto_.mediated() && (g.vpmu.perf_metrics || g.vpmu.num_fixed > 3))
            throw ConfigError(where + ".vpmu", "the legacy vPMU exposes no FIXED_CTR3 or PERF_METRICS (fixed <= 3, perf_metrics: false)");
        try {
            v->cpu = guest_cpu_config(host, g.vpmu);
        } catch (const ConfigError& e) {
            throw ConfigError(where + "." + e.field(), std::string(e.what()).substr(e.field().size() + 2));
        }
        v->icpt = MsrIntercepts::compute(host, g.vpmu, proto_.mediated());
        v->regs = std::make_unique<RegisterTable>(v->cpu);
        v->vmcs.entry_load_global_ctrl = s.vmcs.entry_load_global_ctrl;
        v->vmcs.exit_load_global_ctrl = s.vmcs.exit_load_global_ctrl;
        const bool has_save = host.tma_family == TmaFamily::SapphireRapids;  // "save" control: SPR and later
        if (s.vmcs.save == "auto") v->vmcs.save = has_save ? GlobalCtrlSave::Vmcs : GlobalCtrlSave::MsrStoreList;
        else if (s.vmcs.save == "vmcs") {
            if (!has_save) throw ConfigError("vmcs.save", host.preset + " has no VM-exit 'save IA32_PERF_GLOBAL_CTRL' control");
            v->vmcs.save = GlobalCtrlSave::Vmcs;
        } else if (s.vmcs.save == "msr_store_list") v->vmcs.save = GlobalCtrlSave::MsrStoreList;
        else if (s.vmcs.save == "none") v->vmcs.save = GlobalCtrlSave::None;
        else throw ConfigError("vmcs.save", "expected auto, vmcs, msr_store_list or none, got '" + s.vmcs.save + "'");
        auto w = spec(where, g.workload);
        auto ref_w = w->clone();
        v->source = cw->add_source(std::move(w), g.name);
        v->ref = std::make_unique<Pmu>(v->cpu, m_->pmu().semantics(), std::move(ref_w));
        // KVM resets the vCPU like the hardware: GLOBAL_CTRL enables the GP counters (SDM reset value).
        v->st.global_ctrl = v->ref->state().global_ctrl;
        v->vmcs.guest_global_ctrl = v->st.global_ctrl;
        v->perf = std::make_unique<PerfSoftware>(g.name, v->cpu, g.perf, false, false);
        v->backing.fill(-1);
        v->sum.name = g.name;
        v->sum.guest = true;
        tags_.push_back("guest " + g.name);
        vcpus_.push_back(std::move(v));
    }
    for (Path path : {Path::Load, Path::Exit})
        for (auto& st : proto_.steps(path)) tag_of(st);
    cw_ = cw.get();
    m_->set_workload(std::move(cw));
    host_perf_ = std::make_unique<PerfSoftware>("host", host, s.host.perf, true, proto_.mediated());
    host_perf_->set_metrics_bits(m_->pmu().semantics().metrics_field_bits);
    for (auto& v : vcpus_) v->perf->set_metrics_bits(m_->pmu().semantics().metrics_field_bits);
    host_perf_->on_reading = [this](const AgentReading& r) { check_host_reading(r); };
    end_ = s.cycles;
}

Hypervisor::~Hypervisor() = default;

int Hypervisor::tag_of(const std::string& what) {
    for (size_t i = 0; i < tags_.size(); ++i)
        if (tags_[i] == what) return int(i);
    tags_.push_back(what);
    return int(tags_.size() - 1);
}
const std::string& Hypervisor::tag_name(int tag) const { return tags_.at(size_t(tag)); }

std::string Hypervisor::ctx_name(int c) const {
    if (c == 0) return "host";
    if (c > 0 && size_t(c) <= vcpus_.size()) return vcpus_[size_t(c) - 1]->spec.name;
    return "kvm";
}

std::string Hypervisor::taint_names(Taint t) const {
    std::string s;
    for (int c = 0; c < 32; ++c)
        if ((t >> c) & 1u) s += (s.empty() ? "" : "+") + ctx_name(c);
    return s.empty() ? "-" : s;
}

std::string Hypervisor::reg_name(SoftOp::Kind k, uint32_t idx) const {
    if (k == SoftOp::Kind::Rdpmc) {
        if ((idx >> 29) & 1u) return "PERF_METRICS (RDPMC)";
        if ((idx >> 30) & 1u) return "FIXED_CTR" + std::to_string(idx & 0xff) + " (RDPMC)";
        return "PMC" + std::to_string(idx & 0xff) + " (RDPMC)";
    }
    if (auto* d = m_->pmu().registers().find(idx)) return d->name;
    return hex(idx);
}

void Hypervisor::add_violation(ViolationKind k, const std::string& reg, int reader, Taint source, uint64_t expected,
                               uint64_t actual, const std::string& detail) {
    Violation v;
    v.cycle = m_->cycle();
    v.kind = k;
    v.reg = reg;
    v.reader = ctx_name(reader);
    v.source = taint_names(source);
    v.expected = expected;
    v.actual = actual;
    v.step = tag_name(tag_);
    v.detail = detail;
    log_.add(std::move(v));
}

// ---------------------------------------------------------------------------------------------
// Provenance of the physical registers (docs/virtualization.md "Provenance").

Taint Hypervisor::read_taint(SoftOp::Kind k, uint32_t idx, uint64_t value) const {
    const PmuState& st = m_->pmu().state();
    auto metrics_taint = [&](uint64_t v) {
        Taint t = 0;
        for (unsigned f = 0; f < 8; ++f)
            if (pm_field(m_->pmu().semantics(), v, f)) t |= prov_.metrics[f];
        if (v && st.counter[fixed_slot(3)]) t |= prov_.counter[fixed_slot(3)];
        return t;
    };
    if (k == SoftOp::Kind::Rdpmc) {
        if ((idx >> 29) & 1u) return metrics_taint(value);
        if ((idx >> 30) & 1u) return (idx & 0xff) < kMaxFixedCounters ? prov_.counter[fixed_slot(idx & 0xff)] : 0;
        return (idx & 0xff) < kMaxGpCounters ? prov_.counter[idx & 0xff] : 0;
    }
    unsigned slot;
    if (is_counter_msr(idx, slot)) return prov_.counter[slot];
    if (idx >= msr::kPerfEvtSel0 && idx < msr::kPerfEvtSel0 + kMaxGpCounters) return prov_.evtsel[idx - msr::kPerfEvtSel0];
    if (idx == msr::kFixedCtrCtrl) {
        Taint t = 0;
        for (unsigned f = 0; f < kMaxFixedCounters; ++f)
            if ((value >> (4 * f)) & 0xf) t |= prov_.fixed_field[f];
        return t;
    }
    if (idx == msr::kGlobalCtrl) return prov_.global_ctrl;
    if (idx == msr::kGlobalStatus) {
        Taint t = 0;
        for (unsigned b = 0; b < 64; ++b)
            if ((value >> b) & 1u) t |= prov_.status[b];
        return t;
    }
    if (idx == msr::kPerfMetrics) return metrics_taint(value);
    return 0;
}

void Hypervisor::write_taint(uint32_t a, uint64_t old, uint64_t v, Taint t, uint64_t keep) {
    unsigned slot;
    if (is_counter_msr(a, slot)) {
        prov_.counter[slot] = v ? t : 0;
    } else if (a >= msr::kPerfEvtSel0 && a < msr::kPerfEvtSel0 + kMaxGpCounters) {
        prov_.evtsel[a - msr::kPerfEvtSel0] = (v & kEn) ? t : 0;
    } else if (a == msr::kFixedCtrCtrl) {
        for (unsigned f = 0; f < kMaxFixedCounters; ++f) {
            const uint64_t nf = (v >> (4 * f)) & 0xf, of = (old >> (4 * f)) & 0xf;
            if (nf == 0) prov_.fixed_field[f] = 0;
            else if (!(((keep >> (4 * f)) & 0xf) == 0xf && nf == of)) prov_.fixed_field[f] = t;  // RMW: fields left as found keep their owner
        }
    } else if (a == msr::kGlobalCtrl) {
        prov_.global_ctrl = v ? t : 0;
    } else if (a == msr::kGlobalStatusReset) {
        for (unsigned b = 0; b < 64; ++b)
            if ((v >> b) & 1u) prov_.status[b] = 0;
    } else if (a == msr::kGlobalStatusSet) {
        for (unsigned b = 0; b < 64; ++b)
            if ((v >> b) & 1u) prov_.status[b] = t;
    } else if (a == msr::kPerfMetrics) {
        // The fields are re-seeded relative to the FIXED_CTR3 in hardware (semantics.md).
        const uint64_t fc3 = m_->pmu().state().counter[fixed_slot(3)];
        for (unsigned f = 0; f < 8; ++f)
            prov_.metrics[f] = pm_field(m_->pmu().semantics(), v, f) ? (t | (fc3 ? prov_.counter[fixed_slot(3)] : 0)) : 0;
    }
}

Hypervisor::OpResult Hypervisor::hw(int actor, bool trusted, SoftOp::Kind k, uint32_t idx, uint64_t v, Taint t, bool charge,
                                   uint64_t keep) {
    OpResult r;
    AccessResult a;
    uint64_t cost = 0;
    switch (k) {
        case SoftOp::Kind::Rdmsr:
            a = m_->try_rdmsr(idx);
            cost = sc_.costs.msr_read;
            break;
        case SoftOp::Kind::Wrmsr: {
            uint64_t old = 0;
            if (idx == msr::kFixedCtrCtrl) old = m_->pmu().state().fixed_ctr_ctrl;
            a = m_->try_wrmsr(idx, v);
            if (a.ok) write_taint(idx, old, v, t, keep);
            if (a.ok && actor == 0 && idx == msr::kGlobalCtrl) {
                if (v == 0) host_window(false);
                else if (host_enabling_) host_window(true);
            }
            cost = sc_.costs.msr_write;
            break;
        }
        case SoftOp::Kind::Rdpmc:
            a = m_->try_rdpmc(idx, 0);
            cost = sc_.costs.rdpmc;
            break;
        case SoftOp::Kind::Marker: return r;
    }
    r.ok = a.ok;
    r.value = a.value;
    if (a.ok && k != SoftOp::Kind::Wrmsr) {
        r.taint = read_taint(k, idx, a.value);
        if (!trusted && (r.taint & ~taint_of(actor)))
            add_violation(ViolationKind::Flow, reg_name(k, idx), actor, r.taint & ~taint_of(actor), 0, a.value,
                          "read a value carrying another context's state");
    }
    trace();
    if (charge) elapse(cost);
    return r;
}

// ---------------------------------------------------------------------------------------------
// Time: every cycle belongs to a segment of the context schedule; the checkers look at what
// changed in each chunk the machine ran.

void Hypervisor::elapse(uint64_t cycles) { run_cycles(kvm_src_, owner_, tag_, cycles, false); }

void Hypervisor::run_cycles(unsigned source, int owner, int tag, uint64_t n, bool stop_on_pmi) {
    if (n == 0) return;
    cw_->append(source, n, owner, tag);
    m_->workload_changed();
    uint64_t remaining = n;
    while (remaining) {
        const uint64_t chunk = vcd_ && vcd_sample_ ? std::min(remaining, vcd_sample_) : remaining;
        const uint64_t a = m_->cycle();
        const PmuState before = m_->pmu().state();
        const RunResult r = m_->run(chunk, true);
        // Provenance and bleed (this needs the state before the chunk).
        const PmuState& after = m_->pmu().state();
        const Taint own = taint_of(owner);
        for (unsigned s = 0; s < kNumCounterSlots; ++s) {
            if (after.counter[s] == before.counter[s]) continue;
            prov_.counter[s] |= own;
            const Taint ctl = s < kMaxGpCounters ? prov_.evtsel[s] : prov_.fixed_field[s - kMaxGpCounters];
            if (ctl & ~own) {
                const std::string reg = s < kMaxGpCounters ? "PMC" + std::to_string(s) : "FIXED_CTR" + std::to_string(s - kMaxGpCounters);
                Violation v;
                v.cycle = a;
                v.kind = ViolationKind::Bleed;
                v.reg = reg;
                v.reader = taint_names(ctl & ~own);
                v.source = ctx_name(owner);
                v.expected = before.counter[s];
                v.actual = after.counter[s];
                v.step = tag_name(tag);
                v.detail = "counter programmed by " + taint_names(ctl) + " counted " + ctx_name(owner) + "'s cycles";
                log_.add(std::move(v));
            }
        }
        if (after.counter[fixed_slot(3)] != before.counter[fixed_slot(3)] && ((after.global_ctrl >> 48) & 1u))
            for (auto& t : prov_.metrics) t |= own;
        const uint64_t newly = after.global_status & ~before.global_status;
        for (unsigned b = 0; b < 64; ++b) {
            if (!((newly >> b) & 1u)) continue;
            Taint t = own;
            if (b < kMaxGpCounters) t |= prov_.counter[b];
            else if (b >= 32 && b < 32 + kMaxFixedCounters) t |= prov_.counter[fixed_slot(b - 32)];
            else if (b == status_bit::kPerfMetrics) {
                t |= prov_.counter[fixed_slot(3)];
                for (auto m : prov_.metrics) t |= m;
            }
            prov_.status[b] = t;
        }
        remaining -= r.cycles;
        trace();
        if (r.stopped_on_pmi) {
            route_pmis();
            if (stop_on_pmi && (guest_pmi_stop_ || host_pmi_pending_)) {
                cw_->truncate(m_->cycle());
                m_->workload_changed();
                return;
            }
        }
        if (r.cycles == 0 && !r.stopped_on_pmi) break;
    }
}

void Hypervisor::route_pmis() {
    const auto& pmis = m_->pmis();
    for (; pmis_seen_ < pmis.size(); ++pmis_seen_) {
        const PmiRecord& p = pmis[pmis_seen_];
        for (unsigned b = 0; b < 64; ++b) {
            if (!((p.sources >> b) & 1u)) continue;
            Taint ctl = 0;
            int legacy_guest = -1;
            if (b < kMaxGpCounters) {
                ctl = prov_.evtsel[b];
                if (!proto_.mediated())
                    for (size_t i = 0; i < vcpus_.size(); ++i)
                        for (unsigned s = 0; s < kNumCounterSlots; ++s)
                            if (vcpus_[i]->backing[s] == int(b)) legacy_guest = int(i);
            } else if (b >= 32 && b < 32 + kMaxFixedCounters) {
                ctl = prov_.fixed_field[b - 32];
            } else if (b == status_bit::kPerfMetrics) {
                ctl = prov_.fixed_field[3];
            }
            // Delivery: the LVTPC decides (reference §4.8); a legacy backing event's overflow goes
            // to host perf, whose callback (kvm_perf_overflow) forwards it to the vCPU (§4.11).
            int target = 0;
            if (lvtpc_guest_ >= 0) target = vcpus_[size_t(lvtpc_guest_)]->ctx;
            else if (legacy_guest >= 0) target = vcpus_[size_t(legacy_guest)]->ctx;
            if (ctl && !(ctl & taint_of(target))) {
                Violation v;
                v.cycle = p.cycle;
                v.kind = ViolationKind::PmiMisroute;
                v.reg = b == status_bit::kPerfMetrics ? "PERF_METRICS overflow" : (b < 32 ? "PMC" + std::to_string(b) : "FIXED_CTR" + std::to_string(b - 32)) + " overflow";
                v.reader = ctx_name(target);
                v.source = taint_names(ctl);
                v.expected = 0;
                v.actual = p.status;
                v.step = tag_name(tag_);
                v.detail = "PMI requested by " + taint_names(ctl) + " delivered to " + ctx_name(target) +
                           (lvtpc_guest_ >= 0 ? " (LVTPC: guest vector)" : " (LVTPC: NMI)");
                log_.add(std::move(v));
            }
            if (target == 0) {
                host_pmi_pending_ = true;
            } else {
                Vcpu& v = *vcpus_[size_t(target - 1)];
                if (legacy_guest >= 0 && lvtpc_guest_ < 0) {
                    for (unsigned s = 0; s < kNumCounterSlots; ++s)
                        if (v.backing[s] == int(b)) {
                            v.st.global_status |= 1ull << status_bit_of_slot(s);
                            v.st.global_status_t |= taint_of(v.ctx);
                        }
                }
                v.pending_pmi = true;  // KVM_REQ_PMI
                if (owner_ == v.ctx) guest_pmi_stop_ = true;  // the vCPU is running: it exits
            }
        }
    }
}

void Hypervisor::trace() {
    if (!vcd_) return;
    const uint64_t t = m_->cycle();
    vcd_->set_extra(vcd_sig_[0], uint64_t(owner_), t);
    vcd_->set_extra(vcd_sig_[1], uint64_t(tag_), t);
    vcd_->set_extra(vcd_sig_[2], uint64_t(lvtpc_guest_ + 1), t);
    vcd_->pmis(m_->pmu());
    vcd_->sample(m_->pmu());
}

// ---------------------------------------------------------------------------------------------
// Host side.

void Hypervisor::drain_host(OpQueue& q) {
    const int saved_owner = owner_;
    owner_ = 0;
    while (!q.empty()) {
        SoftOp op = std::move(q.front());
        q.pop_front();
        OpResult r;
        const uint64_t at = m_->cycle();  // the access happens here; its cost follows
        if (op.kind != SoftOp::Kind::Marker) {
            r = hw(0, false, op.kind, op.index, op.value, taint_of(0), true, op.keep);
            if (!r.ok)
                add_violation(ViolationKind::Clobber, reg_name(op.kind, op.index), 0, 0, 0, op.value,
                              "host perf access #GP (" + op.what + ")");
        }
        if (op.done) op.done(r.value, at);
    }
    owner_ = saved_owner;
}

void Hypervisor::host_window(bool open) {
    const uint64_t c = m_->cycle();
    if (open) {
        if (host_open_ == kForever) host_open_ = c;
    } else if (host_open_ != kForever) {
        if (c > host_open_) {
            host_windows_.emplace_back(host_open_, c);
            host_truth_ += count_all_events(*cw_, host_open_, c);
            host_counted_ += c - host_open_;
        }
        host_open_ = kForever;
    }
}

void Hypervisor::host_pmi_if_pending() {
    if (!host_pmi_pending_) return;
    host_pmi_pending_ = false;
    const int t = tag_;
    tag_ = tag_of("host PMI handler");
    host_perf_->pmi(host_ops_);
    drain_host(host_ops_);
    tag_ = t;
}

void Hypervisor::host_slice(uint64_t n) {
    const uint64_t until = std::min(end_, m_->cycle() + n);
    owner_ = 0;
    tag_ = tag_of("host");
    if (!sc_.host.perf.events.empty() || sc_.host.perf.topdown || !sc_.host.perf.sample_event.empty())
        if (!host_perf_->scheduled_in())
            add_violation(ViolationKind::Clobber, "host perf events", 0, 0, 1, 0,
                          "host events are still scheduled out while the host runs: its cycles go uncounted");
    while (m_->cycle() < until) {
        const uint64_t next = std::min(until, std::max(host_next_tick_, m_->cycle() + 1));
        run_cycles(host_src_, 0, tag_of("host"), next - m_->cycle(), true);
        host_pmi_if_pending();
        tag_ = tag_of("host");
        if (m_->cycle() >= host_next_tick_) {
            host_perf_->tick(host_ops_);
            drain_host(host_ops_);
            host_next_tick_ += sc_.host.perf.interval;
        }
    }
}

// Host truth: each event over the host perf windows that fall in [from, to).
void Hypervisor::check_host_reading(const AgentReading& r) {
    const auto& evs = host_perf_->events();
    auto windows_count = [&](EventMask mask, bool user, bool kernel, uint64_t from, uint64_t to) {
        uint64_t s = 0;
        auto add = [&](uint64_t a, uint64_t b) {
            a = std::max(a, from);
            b = std::min(b, to);
            if (a < b) s += count_events(*cw_, mask, user, kernel, a, b);
        };
        for (auto& w : host_windows_) add(w.first, w.second);
        if (host_open_ != kForever) add(host_open_, m_->cycle());
        return s;
    };
    for (size_t i = 0; i < evs.size(); ++i) {
        if (!evs[i].truth_known) continue;
        const uint64_t truth = windows_count(evs[i].truth, evs[i].user, evs[i].kernel, r.from[i], r.to[i]);
        host_event_truth_.resize(evs.size(), 0);
        host_event_truth_[i] += truth;
        if (truth != r.deltas[i])
            add_violation(ViolationKind::Clobber, evs[i].name, 0, prov_.counter[0] & ~taint_of(0), truth, r.deltas[i],
                          "host perf count differs from the host's events while its counters were enabled");
    }
    if (r.topdown) {
        const uint64_t slots = windows_count(bit(Event::Slots), true, true, r.td_from, r.td_to);
        if (slots != r.slots)
            add_violation(ViolationKind::Clobber, "FIXED_CTR3 (slots)", 0, prov_.counter[fixed_slot(3)] & ~taint_of(0),
                          slots, r.slots, "host topdown slots differ from the host's slots");
        if (slots) {
            const double fmax = double(m_->pmu().semantics().metrics_field_max());
            for (unsigned k = 0; k < m_->pmu().perf_metrics_fields(); ++k) {
                const uint64_t part = windows_count(kMetricFieldEvents[k], true, true, r.td_from, r.td_to);
                const double want = fmax * double(part) / double(slots);
                const uint64_t got = pm_field(m_->pmu().semantics(), r.metrics, k);
                // Host perf's own save/restore rounds the fields at each schedule-in (0.5 LSB each,
                // weighted by the slots saved); the check allows that and the tolerance.
                const double allowed = sc_.checks.perf_metrics_tolerance_lsb + 0.5 * double(r.td_restored_slots) / double(slots);
                if (std::fabs(double(got) - want) > allowed)
                    add_violation(ViolationKind::Clobber, std::string("PERF_METRICS.") + kMetricFieldNames[k], 0,
                                  prov_.metrics[k] & ~taint_of(0), uint64_t(std::llround(want)), got,
                                  "host topdown field off by more than the tolerance");
            }
        }
    }
    // Windows wholly before every later reading can be dropped.
    uint64_t keep_from = r.td_to;
    for (auto t : r.to) keep_from = std::min(keep_from, t);
    host_windows_.erase(std::remove_if(host_windows_.begin(), host_windows_.end(),
                                       [&](const std::pair<uint64_t, uint64_t>& w) { return w.second <= keep_from; }),
                        host_windows_.end());
}

// ---------------------------------------------------------------------------------------------
// Guest side.

void Hypervisor::enter(Vcpu& v) {
    owner_ = 0;
    entered_ = false;
    if (!v.started) {
        v.started = true;
        v.perf->start(v.ops);
        v.next_tick = v.spec.perf.interval ? v.spec.perf.interval : kForever;
    }
    for (const auto& name : proto_.steps(Path::Load)) run_step(v, name);
    if (!entered_) {
        // The protocol has no VM-entry step: the guest runs anyway, with whatever GLOBAL_CTRL holds.
        handover_to_guest(v);
    }
    ++v.sum.entries;
}

void Hypervisor::run_step(Vcpu& v, const std::string& name) {
    tag_ = tag_of(name);
    owner_ = 0;
    const uint64_t before = m_->cycle();
    // Bookkeeping cycles before each step; the VM transitions are atomic and cost their own.
    const bool transition = name == "vmentry" || name == "legacy_vmentry" || name.rfind("vmexit", 0) == 0 ||
                            name == "legacy_vmexit";
    if (!transition) elapse(sc_.costs.step);
    const StepInfo* s = proto_.step(name);
    if (s && s->custom) step_custom(v, *s);
    else if (s && s->mediated) step_mediated(v, name);
    else step_legacy(v, name);
    step_cycles_[name] += m_->cycle() - before;
}

void Hypervisor::handover_to_guest(Vcpu& v) {
    // Registers the guest can read without an exit (reference §4.7), at VM-entry.
    auto check = [&](const std::string& reg, Taint t, uint64_t value) {
        if (t & ~taint_of(v.ctx))
            add_violation(ViolationKind::Flow, reg, v.ctx, t & ~taint_of(v.ctx), 0, value,
                          "handed to the guest at VM-entry (readable without an exit)");
    };
    const PmuState& st = m_->pmu().state();
    for (unsigned i = 0; i < v.spec.vpmu.num_gp; ++i) {
        const bool readable = !v.icpt.intercepted(msr::kPmc0 + i) || !v.icpt.rdpmc_exiting;  // RDMSR or RDPMC
        if (readable) check("PMC" + std::to_string(i), prov_.counter[i], st.counter[i]);
    }
    for (unsigned i = 0; i < v.spec.vpmu.num_fixed; ++i)
        if (!v.icpt.intercepted(msr::kFixedCtr0 + i) || !v.icpt.rdpmc_exiting)
            check("FIXED_CTR" + std::to_string(i), prov_.counter[fixed_slot(i)], st.counter[fixed_slot(i)]);
    if (v.icpt.global_regs_passthrough) {
        check("GLOBAL_CTRL", prov_.global_ctrl, st.global_ctrl);
        check("GLOBAL_STATUS", read_taint(SoftOp::Kind::Rdmsr, msr::kGlobalStatus, st.global_status), st.global_status);
    }
    if (!v.icpt.intercepted(msr::kPerfMetrics)) {
        const uint64_t pm = m_->pmu().perf_metrics_value();
        check("PERF_METRICS", read_taint(SoftOp::Kind::Rdmsr, msr::kPerfMetrics, pm), pm);
    }
}

void Hypervisor::handover_to_host(Vcpu& v) {
    // Everything is within host perf's reach once KVM gives the PMU back.
    handed_over_ = true;
    const Taint host = taint_of(0);
    auto check = [&](const std::string& reg, Taint t, uint64_t value,
                     const std::string& detail = "left in hardware when the PMU is handed back to host perf") {
        if (t & ~host) add_violation(ViolationKind::Flow, reg, 0, t & ~host, 0, value, detail);
    };
    const PmuState& st = m_->pmu().state();
    const CpuConfig& c = m_->cpu();
    for (unsigned i = 0; i < c.num_gp; ++i) {
        check("PMC" + std::to_string(i), prov_.counter[i], st.counter[i]);
        check("PERFEVTSEL" + std::to_string(i), prov_.evtsel[i], st.evtsel[i]);
    }
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (c.has_fixed(i)) check("FIXED_CTR" + std::to_string(i), prov_.counter[fixed_slot(i)], st.counter[fixed_slot(i)]);
    check("FIXED_CTR_CTRL", read_taint(SoftOp::Kind::Rdmsr, msr::kFixedCtrCtrl, st.fixed_ctr_ctrl), st.fixed_ctr_ctrl);
    check("GLOBAL_CTRL", prov_.global_ctrl, st.global_ctrl);
    check("GLOBAL_STATUS", read_taint(SoftOp::Kind::Rdmsr, msr::kGlobalStatus, st.global_status), st.global_status);
    if (c.perf_metrics()) {
        // The hidden slot accumulators, whatever the register reads now: host perf reveals them as
        // soon as it writes FIXED_CTR3 (it restores FIXED_CTR3 before PERF_METRICS).
        Taint t = 0;
        for (auto m : prov_.metrics) t |= m;
        check("PERF_METRICS", t, m_->pmu().perf_metrics_value(),
              "slot accumulators of " + taint_names(t & ~host) +
                  " left in hardware (they read back once FIXED_CTR3 is written)");
    }
    (void)v;
}

Hypervisor::Exit Hypervisor::guest_run(Vcpu& v, bool final_read) {
    owner_ = v.ctx;
    tag_ = tag_of("guest " + v.spec.name);
    guest_pmi_stop_ = false;
    if (v.pending_pmi) {
        // Injected through the guest's virtual LVTPC (kvm_pmu_deliver_pmi).
        v.pending_pmi = false;
        // The handler interrupts whatever the guest's perf was doing; its ops go first (and its
        // follow-up ops are queued on v.ops by the read callbacks).
        OpQueue rest;
        rest.swap(v.ops);
        v.perf->pmi(v.ops);
        for (auto& op : rest) v.ops.push_back(std::move(op));
    }
    const uint64_t exit_at = cw_->local_time(v.source) + v.spec.run.draw(rng_);
    for (;;) {
        while (!v.ops.empty())
            if (!guest_op(v, v.ops.front())) return Exit::Msr;
        if (final_read || m_->cycle() >= end_) return Exit::End;
        const uint64_t L = cw_->local_time(v.source);
        const uint64_t target = std::min({exit_at, v.next_tick, L + (end_ - m_->cycle())});
        if (target > L) {
            run_cycles(v.source, v.ctx, tag_, target - L, true);
            if (guest_pmi_stop_) return Exit::Pmi;
            if (host_pmi_pending_) return Exit::Nmi;
        }
        const uint64_t now = cw_->local_time(v.source);
        if (now >= v.next_tick) {
            v.perf->tick(v.ops);
            v.next_tick += v.spec.perf.interval;
            continue;
        }
        if (now >= exit_at) {
            const double w = v.spec.w_timer + v.spec.w_external + v.spec.w_hlt;
            const double x = std::uniform_real_distribution<double>(0, w > 0 ? w : 1)(rng_);
            if (x < v.spec.w_timer || w <= 0) return Exit::Timer;
            if (x < v.spec.w_timer + v.spec.w_external) return Exit::External;
            return Exit::Hlt;
        }
        if (m_->cycle() >= end_) return Exit::End;
    }
}

bool Hypervisor::guest_op(Vcpu& v, SoftOp& front) {
    if (front.kind == SoftOp::Kind::Marker) {
        SoftOp op = std::move(front);
        v.ops.pop_front();
        if (op.done) op.done(0, m_->cycle());
        return true;
    }
    const bool exits = front.kind == SoftOp::Kind::Rdpmc ? v.icpt.rdpmc_exiting : v.icpt.intercepted(front.index);
    if (exits) return false;
    SoftOp op = std::move(front);
    v.ops.pop_front();
    // The reference PMU sees the same access at the same guest cycle.
    v.ref->advance_fast(cw_->local_time(v.source));
    const OpResult r = hw(v.ctx, false, op.kind, op.index, op.value, taint_of(v.ctx), false);
    if (op.kind == SoftOp::Kind::Wrmsr) {
        if (op.index == msr::kPerfMetrics) v.pm_restored = 0;
        const AccessResult ref = v.ref->wrmsr(op.index, op.value);
        if (r.ok != ref.ok)
            add_violation(ViolationKind::Clobber, reg_name(op.kind, op.index), v.ctx, 0, ref.ok, r.ok,
                          std::string("pass-through WRMSR ") + (r.ok ? "accepted" : "#GP") + " where the guest's PMU would " +
                              (ref.ok ? "accept it" : "#GP"));
    } else if (r.ok) {
        compare_guest_read(v, op, r.value, r.taint, false);
    } else {
        add_violation(ViolationKind::Clobber, reg_name(op.kind, op.index), v.ctx, 0, 0, 0, "pass-through read #GP");
    }
    if (op.done) op.done(r.value, m_->cycle());
    return true;
}

void Hypervisor::compare_guest_read(Vcpu& v, const SoftOp& op, uint64_t actual, Taint t, bool emulated) {
    // Same access on the reference PMU (already advanced to this guest cycle).
    const bool pm = (op.kind == SoftOp::Kind::Rdpmc && ((op.index >> 29) & 1u)) ||
                    (op.kind == SoftOp::Kind::Rdmsr && op.index == msr::kPerfMetrics);
    AccessResult ref = op.kind == SoftOp::Kind::Rdmsr ? v.ref->rdmsr(op.index) : v.ref->rdpmc(op.index, 0);
    if (!ref.ok) {
        add_violation(ViolationKind::Clobber, reg_name(op.kind, op.index), v.ctx, 0, 0, actual,
                      "the guest read a register its PMU does not have");
        return;
    }
    uint64_t want = ref.value, got = actual;
    if (op.kind == SoftOp::Kind::Rdmsr && op.index == msr::kGlobalStatus) {
        want &= guest_status_bits(v.spec.vpmu);
        got &= guest_status_bits(v.spec.vpmu);
    }
    bool bad = false;
    std::string detail;
    if (pm) {
        // The tolerance, plus the rounding of every 8-bit save/restore since the guest's last write
        // (0.5 LSB each, weighted by the slots it covered): the architectural limit of any protocol.
        const uint64_t fc3 = v.ref->counter(fixed_slot(3));
        const double allowed = sc_.checks.perf_metrics_tolerance_lsb + (fc3 ? 0.5 * double(v.pm_restored) / double(fc3) : 0.0);
        for (unsigned k = 0; k < v.ref->perf_metrics_fields(); ++k) {
            const double d = std::fabs(double(pm_field(v.ref->semantics(), got, k)) - double(pm_field(v.ref->semantics(), want, k)));
            if (d > allowed) {
                bad = true;
                detail += std::string(detail.empty() ? "" : ", ") + kMetricFieldNames[k] + " off by " +
                          std::to_string(int(d)) + " LSB";
            }
        }
    } else if (want != got) {
        bad = true;
        if (op.kind == SoftOp::Kind::Rdmsr && op.index == msr::kGlobalStatus)
            detail = (want & ~got) ? "guest overflow bit lost" : "spurious status bit";
        else
            detail = "guest value differs from the guest running alone";
    }
    if (bad) {
        const Taint others = (t | prov_.counter[fixed_slot(3)]) & ~taint_of(v.ctx);
        add_violation(ViolationKind::Clobber, reg_name(op.kind, op.index), v.ctx, others, want, got,
                      detail + (emulated ? " (emulated read)" : ""));
    }
}

void Hypervisor::emulate(Vcpu& v, SoftOp& front) {
    SoftOp op = std::move(front);
    v.ops.pop_front();
    KvmPmuState& s = v.st;
    const Taint g = taint_of(v.ctx);
    const VpmuConfig& vp = v.spec.vpmu;
    v.ref->advance_fast(cw_->local_time(v.source));
    if (op.kind == SoftOp::Kind::Wrmsr) v.ref->wrmsr(op.index, op.value);
    uint64_t val = 0;
    Taint t = g;
    bool gp = false;
    const uint32_t a = op.index;
    auto legacy_read = [&](unsigned slot, uint64_t sw, Taint swt) {
        if (!proto_.mediated() && v.backing[slot] >= 0) {
            const OpResult r = kvm_rdpmc(uint32_t(v.backing[slot]));
            t = r.taint;
            return r.value;
        }
        t = swt;
        return sw;
    };
    auto legacy_write = [&](unsigned slot, uint64_t value) {
        if (!proto_.mediated() && v.backing[slot] >= 0)
            kvm_wr(m_->cpu().fw_write() ? msr::kAPmc0 + uint32_t(v.backing[slot]) : msr::kPmc0 + uint32_t(v.backing[slot]), value, g);
    };
    if (op.kind == SoftOp::Kind::Rdpmc) {
        const unsigned i = a & 0xffff;
        if ((a >> 29) & 1u) {
            if (vp.perf_metrics && i == 0) val = s.perf_metrics, t = s.perf_metrics_t;
            else gp = true;
        } else if ((a >> 30) & 1u) {
            if (i < vp.num_fixed) val = legacy_read(fixed_slot(i), s.fixed[i], s.fixed_t[i]);
            else gp = true;
        } else if (i < vp.num_gp) {
            val = legacy_read(i, s.gp[i], s.gp_t[i]);
        } else {
            gp = true;
        }
    } else {
        const RegisterDesc* d = v.regs->find(a);
        if (!d) gp = true;
        else if (op.kind == SoftOp::Kind::Wrmsr && (d->access == Access::ReadOnly || (op.value & d->reserved))) gp = true;
        else if (op.kind == SoftOp::Kind::Rdmsr) {
            switch (d->kind) {
                case RegKind::Pmc:
                case RegKind::APmc: val = legacy_read(d->index, s.gp[d->index], s.gp_t[d->index]); break;
                case RegKind::FixedCtr: val = legacy_read(fixed_slot(d->index), s.fixed[d->index], s.fixed_t[d->index]); break;
                case RegKind::PerfEvtSel: val = s.eventsel[d->index]; break;
                case RegKind::FixedCtrCtrl: val = s.fixed_ctr_ctrl; break;
                case RegKind::GlobalCtrl: val = s.global_ctrl; break;
                case RegKind::GlobalStatus: val = s.global_status, t = s.global_status_t; break;
                case RegKind::PerfMetrics: val = s.perf_metrics, t = s.perf_metrics_t; break;
                case RegKind::PerfCapabilities: val = v.cpu.perf_capabilities; break;
                default: val = 0; break;
            }
        } else {
            const uint64_t x = op.value;
            switch (d->kind) {
                case RegKind::Pmc: {
                    uint64_t w = x & 0xffffffffull;
                    if (w & 0x80000000ull) w |= ~0xffffffffull;  // SDM 18.2.6: the legacy alias sign-extends bit 31
                    s.gp[d->index] = w & v.cpu.gp_mask();
                    s.gp_t[d->index] = s.gp[d->index] ? g : 0;
                    legacy_write(d->index, s.gp[d->index]);
                    break;
                }
                case RegKind::APmc:
                    s.gp[d->index] = x & v.cpu.gp_mask();
                    s.gp_t[d->index] = s.gp[d->index] ? g : 0;
                    legacy_write(d->index, s.gp[d->index]);
                    break;
                case RegKind::FixedCtr:
                    s.fixed[d->index] = x & v.cpu.fixed_mask();
                    s.fixed_t[d->index] = s.fixed[d->index] ? g : 0;
                    legacy_write(fixed_slot(d->index), s.fixed[d->index]);
                    break;
                case RegKind::PerfEvtSel:
                    s.eventsel[d->index] = s.eventsel_hw[d->index] = x;  // no event filter configured
                    v.legacy_dirty = true;
                    break;
                case RegKind::FixedCtrCtrl:
                    s.fixed_ctr_ctrl = s.fixed_ctr_ctrl_hw = x;
                    v.legacy_dirty = true;
                    break;
                case RegKind::GlobalCtrl:
                    s.global_ctrl = x;
                    v.vmcs.guest_global_ctrl = x;  // propagated to the VMCS (V6-21)
                    v.vmcs.guest_global_ctrl_t = x ? g : 0;
                    break;
                case RegKind::GlobalStatusReset: s.global_status &= ~x; break;
                case RegKind::GlobalStatusSet:
                    s.global_status |= x & guest_status_bits(vp);
                    s.global_status_t |= g;
                    break;
                case RegKind::PerfMetrics:
                    s.perf_metrics = x;
                    s.perf_metrics_t = x ? g : 0;
                    break;
                default: break;
            }
        }
    }
    if (gp) {
        // A #GP injected into the guest; the reference PMU must agree that the access is invalid.
        const AccessResult ref = op.kind == SoftOp::Kind::Rdpmc ? v.ref->rdpmc(a, 0) : AccessResult::gp("");
        if (op.kind == SoftOp::Kind::Rdpmc && ref.ok)
            add_violation(ViolationKind::Clobber, reg_name(op.kind, a), v.ctx, 0, ref.value, 0, "emulated RDPMC #GP");
    } else if (op.kind != SoftOp::Kind::Wrmsr) {
        if (t & ~g)
            add_violation(ViolationKind::Flow, reg_name(op.kind, a), v.ctx, t & ~g, 0, val,
                          "emulated read returned a value carrying another context's state");
        compare_guest_read(v, op, val, t, true);
    }
    if (op.done) op.done(val, m_->cycle());
}

void Hypervisor::exit_to_host(Vcpu& v, Exit why) {
    owner_ = 0;
    handed_over_ = false;
    for (const auto& name : proto_.steps(Path::Exit)) run_step(v, name);
    if (!handed_over_ && proto_.mediated()) handover_to_host(v);
    ++v.sum.exits[exit_name(why)];
    tag_ = tag_of("exit handling");
    owner_ = 0;
    const uint64_t before = m_->cycle();
    elapse(sc_.costs.exit_handling.draw(rng_));
    if (why == Exit::Msr) emulate(v, v.ops.front());
    host_pmi_if_pending();
    tag_ = tag_of("exit handling");
    if (m_->cycle() >= host_next_tick_ && host_perf_->scheduled_in()) {
        host_perf_->tick(host_ops_);
        drain_host(host_ops_);
        while (host_next_tick_ <= m_->cycle()) host_next_tick_ += sc_.host.perf.interval;
    }
    step_cycles_["exit handling"] += m_->cycle() - before;
}

// ---------------------------------------------------------------------------------------------

RunReport Hypervisor::run(const std::string& vcd_path, uint64_t vcd_sample) {
    std::unique_ptr<PmuTrace> vcd;
    if (!vcd_path.empty()) {
        std::ostringstream legend;
        legend << "ctx: 0 host";
        for (auto& v : vcpus_) legend << ", " << v->ctx << ' ' << v->spec.name;
        legend << "\nstep:";
        for (size_t i = 0; i < tags_.size(); ++i) legend << ' ' << i << '=' << tags_[i] << (i + 1 < tags_.size() ? "," : "");
        legend << "\nlvtpc: 0 NMI (host perf), n: vCPU n's mediated PMI vector";
        vcd = std::make_unique<PmuTrace>(vcd_path, m_->pmu(), vcd_select_, legend.str());
        vcd_sig_ = {vcd->add_extra("ctx", 8), vcd->add_extra("step", 16), vcd->add_extra("lvtpc", 8)};
        vcd->begin();
        vcd_ = vcd.get();
        vcd_sample_ = vcd_sample;
        trace();
    }
    // Host perf starts at cycle 0.
    owner_ = 0;
    tag_ = tag_of("host");
    host_enabling_ = true;
    host_perf_->start(host_ops_);
    drain_host(host_ops_);
    host_next_tick_ = sc_.host.perf.interval ? m_->cycle() + sc_.host.perf.interval : kForever;
    size_t next = 0;
    while (m_->cycle() < end_) {
        host_slice(std::max<uint64_t>(1, sc_.host.slice.draw(rng_)));
        if (m_->cycle() >= end_ || vcpus_.empty()) continue;
        Vcpu& v = *vcpus_[next];
        next = (next + 1) % vcpus_.size();
        for (;;) {
            enter(v);
            const Exit why = guest_run(v, false);
            exit_to_host(v, why);
            const bool again = why == Exit::Msr || why == Exit::Pmi || why == Exit::Nmi || why == Exit::External;
            if (!again || m_->cycle() >= end_) break;
        }
    }
    // Final readings: each guest reads its counters once more, then the host.
    for (auto& vp : vcpus_) {
        Vcpu& v = *vp;
        if (!v.started) continue;
        v.perf->tick(v.ops);
        for (;;) {
            enter(v);
            const Exit why = guest_run(v, true);
            exit_to_host(v, why);
            if (why == Exit::End) break;
        }
    }
    owner_ = 0;
    tag_ = tag_of("host");
    host_pmi_if_pending();
    if (host_perf_->scheduled_in()) {
        host_perf_->tick(host_ops_);
        drain_host(host_ops_);
    }
    host_window(false);
    RunReport rep;
    summarize(rep);
    if (vcd) {
        trace();
        vcd->close();
        vcd_ = nullptr;
    }
    return rep;
}

void Hypervisor::summarize(RunReport& rep) {
    rep.scenario = sc_.name;
    rep.cpu = m_->cpu().preset;
    rep.protocol = proto_.describe();
    rep.cycles = m_->cycle();
    rep.step_cycles = step_cycles_;
    for (auto& [k, c] : step_cycles_) rep.transition_cycles += c;
    rep.violations = log_;
    for (auto& seg : cw_->segments()) {
        if (!rep.timeline.empty() && rep.timeline.back().ctx == seg.owner && rep.timeline.back().end == seg.begin)
            rep.timeline.back().end = seg.end;
        else
            rep.timeline.push_back({seg.begin, seg.end, seg.owner});
    }
    auto topdown = [&](ContextSummary& cs, const PerfSoftware& p, const CpuConfig& cpu) {
        if (!p.config().topdown) return;
        tma::Model md;
        md.family = static_cast<tma::Family>(cpu.tma_family);
        md.slots_per_cycle = cpu.slots_per_cycle;
        md.level = p.uses_perf_metrics() && cpu.l2_metrics ? 2 : 1;
        md.method = p.uses_perf_metrics() ? tma::Method::PerfMetrics : tma::Method::GpEvents;
        md.pm_fields = p.uses_perf_metrics() ? std::min(cpu.l2_metrics ? 8u : 4u, m_->pmu().perf_metrics_fields()) : 0;
        if (p.uses_perf_metrics() && md.pm_fields < 8) md.level = 1;
        cs.truth_breakdown = truth_breakdown(cs.truth, md.level);
        cs.topdown_method = p.uses_perf_metrics() ? "perf_metrics" : "gp_events";
        tma::Inputs in;
        if (p.uses_perf_metrics()) {
            // Summed topdown-* counts over the run, as perf stat reports them.
            const double slots = double(p.td_slots);
            in.pm_fields = md.pm_fields;
            for (unsigned k = 0; k < 8; ++k) in.pm[k] = slots > 0 ? 255.0 * p.td_field_slots[k] / slots : 0;  // as 8-bit
            for (tma::Ev e : tma::required_events(md)) in.set(e, e == tma::Ev::Slots ? slots : 0);
        } else {
            const auto evs = tma::required_events(md);
            for (size_t i = 0; i < evs.size() && i < p.tma_totals.size(); ++i) in.set(evs[i], double(p.tma_totals[i]));
        }
        try {
            cs.reported = tma::compute(md, in);
            cs.has_topdown = true;
        } catch (const std::invalid_argument&) {
            cs.has_topdown = false;
        }
    };
    // Host: its events over the cycles its perf counted.
    ContextSummary host_sum;
    host_sum.name = "host";
    for (auto& s : cw_->segments())
        if (s.owner == 0) host_sum.cycles += s.end - s.begin;
    host_sum.counted_cycles = host_counted_;
    host_sum.truth = host_truth_;
    for (size_t i = 0; i < host_perf_->events().size(); ++i) {
        const auto& e = host_perf_->events()[i];
        host_sum.counts.push_back({e.name, {host_perf_->totals[i], i < host_event_truth_.size() ? host_event_truth_[i] : 0}});
    }
    topdown(host_sum, *host_perf_, m_->cpu());
    host_sum.samples = host_perf_->samples;
    host_sum.pmis = host_perf_->pmis;
    host_sum.spurious_pmis = host_perf_->spurious_pmis;
    rep.contexts.push_back(host_sum);
    for (auto& vp : vcpus_) {
        Vcpu& v = *vp;
        ContextSummary cs = v.sum;
        const uint64_t local = cw_->local_time(v.source);
        cs.cycles = cs.counted_cycles = local;
        cs.truth = count_all_events(cw_->source(v.source), 0, local);
        for (size_t i = 0; i < v.perf->events().size(); ++i) {
            const auto& e = v.perf->events()[i];
            cs.counts.push_back({e.name, {v.perf->totals[i],
                                          e.truth_known ? count_events(cw_->source(v.source), e.truth, e.user, e.kernel, 0, local) : 0}});
        }
        topdown(cs, *v.perf, v.cpu);
        cs.samples = v.perf->samples;
        cs.pmis = v.perf->pmis;
        cs.spurious_pmis = v.perf->spurious_pmis;
        rep.contexts.push_back(cs);
    }
}

RunReport run_scenario(const Scenario& s, const std::string& vcd, uint64_t vcd_sample,
                       const std::vector<std::string>& signals) {
    return run_scenario(s, s.make_protocol(), vcd, vcd_sample, signals);
}

RunReport run_scenario(const Scenario& s, const Protocol& p, const std::string& vcd, uint64_t vcd_sample,
                       const std::vector<std::string>& signals) {
    Hypervisor h(s, p);
    h.select_signals(signals);
    return h.run(vcd, vcd_sample);
}

}  // namespace pmusim

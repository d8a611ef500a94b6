// The run of one CPU in turns (run() on one CPU; sim/virt/host.h on several), and vCPUs leaving
// and arriving on a host with several CPUs.
#include <algorithm>

#include "sim/pmu_trace.h"
#include "sim/virt/hypervisor.h"

namespace pmusim {

uint64_t Hypervisor::cycle() const { return m_->cycle(); }

void Hypervisor::begin_run(const std::string& vcd_path, uint64_t vcd_sample) {
    if (!vcd_path.empty()) {
        std::string legend =
            "ctx, step and lvtpc are text (a space is written \\040):\n"
            "ctx: who owns the cycle: host or a guest's name\n"
            "step: what is running: host, exit handling, host PMI handler, guest NAME or a protocol step's name\n"
            "lvtpc: where a PMI goes: NMI (host perf) or a guest's name (its vCPU's mediated PMI vector)";
        if (!sc_.host.task.vcpu.empty()) legend += "\ntask: the host task whose perf context is switched in (NAME thread) or -";
        vcd_owned_ = std::make_unique<PmuTrace>(vcd_path, m_->pmu(), vcd_select_, legend);
        vcd_sig_ = {vcd_owned_->add_extra_string("ctx"), vcd_owned_->add_extra_string("step"),
                    vcd_owned_->add_extra_string("lvtpc")};
        // Host perf per task: which task's context is switched in here ("-": none).
        if (!sc_.host.task.vcpu.empty()) vcd_sig_.push_back(vcd_owned_->add_extra_string("task"));
        vcd_owned_->begin();
        vcd_ = vcd_owned_.get();
        vcd_sample_ = vcd_sample;
        trace();
    }
    // Host perf starts at cycle 0.
    e_->owner = 0;
    e_->tag = Engine::kHostTag;
    host_enabling_ = true;
    e_->host_perf->start(host_ops_);
    drain_host(host_ops_);
    host_next_tick_ = sc_.host.perf.interval ? m_->cycle() + sc_.host.perf.interval : kForever;
}

void Hypervisor::turn(Vcpu* v) {
    vmm_due();
    host_slice(std::max<uint64_t>(1, sc_.host.slice.draw(rng_)));
    preempt_if_due();
    if (v && m_->cycle() < end_) run_vcpu(*v);
    preempt_if_due();
}

// The host task of each preemption due runs now, on the host's workload (the vCPU it preempted
// exited with reason `preempt` and yielded the CPU).
void Hypervisor::preempt_if_due() {
    while (preempt_at() <= m_->cycle() && m_->cycle() < end_) host_slice(preempts_[next_preempt_++].second);
}

RunReport Hypervisor::finish_run() {
    final_readings();
    RunReport rep = summarize_run(*this);
    rep.cpu_index = place_.index;
    rep.ctx_names = e_->names;
    if (!rep.ctx_names.empty()) rep.ctx_names[0] = "host";
    for (auto& c : rep.contexts)
        for (auto& v : e_->vcpus)
            if (c.guest && c.name == v->spec.name) c.migrations = v->migrations;
    if (vcd_owned_) {
        trace();
        vcd_owned_->close();
        vcd_ = nullptr;
        vcd_owned_.reset();
    }
    return rep;
}

std::unique_ptr<Vcpu> Hypervisor::release(Vcpu& v) {
    auto& vs = e_->vcpus;
    const auto it = std::find_if(vs.begin(), vs.end(), [&](const std::unique_ptr<Vcpu>& p) { return p.get() == &v; });
    if (it == vs.end()) throw std::logic_error("release: " + v.spec.name + " is not on CPU " + std::to_string(place_.index));
    std::unique_ptr<Vcpu> out = std::move(*it);
    vs.erase(it);
    out->ready_at = m_->cycle();
    out->left_local = e_->cw->local_time(out->source);
    return out;
}

void Hypervisor::adopt(std::unique_ptr<Vcpu> v) {
    const int src = v->source_on.at(place_.index);
    if (src < 0) throw std::logic_error("adopt: " + v->spec.name + " may not run on CPU " + std::to_string(place_.index));
    v->source = unsigned(src);
    e_->cw->set_local_time(v->source, v->left_local);
    v->cpu = int(place_.index);
    ++v->migrations;
    e_->vcpus.push_back(std::move(v));
}

}  // namespace pmusim

#include "sim/perf/machine_ops.h"

namespace pmusim {

void run_ops(Machine& m, OpQueue& q) {
    while (!q.empty()) {
        SoftOp op = std::move(q.front());
        q.pop_front();
        uint64_t v = 0;
        switch (op.kind) {
            case SoftOp::Kind::Rdmsr: v = m.rdmsr(op.index); break;
            case SoftOp::Kind::Wrmsr: m.wrmsr(op.index, op.value); break;
            case SoftOp::Kind::Rdpmc: v = m.rdpmc(op.index); break;
            case SoftOp::Kind::Marker: break;
        }
        if (op.done) op.done(v, m.cycle());
    }
}

}  // namespace pmusim

#include "tma/tma_engine.h"

#include <algorithm>
#include <stdexcept>

namespace pmusim::tma {

const char* node_name(Node n) {
    static const char* names[kNumNodes] = {"Frontend_Bound",   "Fetch_Latency",     "Fetch_Bandwidth",
                                           "Bad_Speculation",  "Branch_Mispredicts", "Machine_Clears",
                                           "Backend_Bound",    "Memory_Bound",      "Core_Bound",
                                           "Retiring",         "Light_Operations",  "Heavy_Operations"};
    return names[ni(n)];
}

Node parent(Node n) { return static_cast<Node>(ni(n) / 3 * 3); }
bool is_level1(Node n) { return ni(n) % 3 == 0; }

Breakdown breakdown_spr(const PerfMetricsReading& r) {
    const auto& f = r.fields;
    const double sum = double(f[0]) + f[1] + f[2] + f[3];
    if (r.slots == 0) throw std::invalid_argument("TOPDOWN.SLOTS is 0: nothing to break down");
    if (sum == 0) throw std::invalid_argument("PERF_METRICS level-1 fields sum to 0");
    const double drop = double(r.uop_dropping) / double(r.slots);
    Breakdown b;
    b[ni(Node::FrontendBound)] = f[2] / sum - drop;
    b[ni(Node::BackendBound)] = f[3] / sum;
    b[ni(Node::Retiring)] = f[0] / sum;
    b[ni(Node::BadSpeculation)] =
        std::max(1.0 - (b[ni(Node::FrontendBound)] + b[ni(Node::BackendBound)] + b[ni(Node::Retiring)]), 0.0);
    b[ni(Node::FetchLatency)] = f[6] / sum - drop;
    b[ni(Node::BranchMispredicts)] = f[5] / sum;
    b[ni(Node::MemoryBound)] = f[7] / sum;
    b[ni(Node::HeavyOperations)] = f[4] / sum;
    auto sibling = [&](Node s, Node p, Node c) { b[ni(s)] = std::max(0.0, b[ni(p)] - b[ni(c)]); };
    sibling(Node::FetchBandwidth, Node::FrontendBound, Node::FetchLatency);
    sibling(Node::MachineClears, Node::BadSpeculation, Node::BranchMispredicts);
    sibling(Node::CoreBound, Node::BackendBound, Node::MemoryBound);
    sibling(Node::LightOperations, Node::Retiring, Node::HeavyOperations);
    return b;
}

std::array<bool, kNumNodes> flagged(const Breakdown& b) {
    std::array<bool, kNumNodes> t{};
    auto v = [&](Node n) { return b[ni(n)]; };
    t[ni(Node::FrontendBound)] = v(Node::FrontendBound) > 0.15;
    t[ni(Node::FetchLatency)] = v(Node::FetchLatency) > 0.10 && t[ni(Node::FrontendBound)];
    t[ni(Node::FetchBandwidth)] = v(Node::FetchBandwidth) > 0.20;
    t[ni(Node::BadSpeculation)] = v(Node::BadSpeculation) > 0.15;
    t[ni(Node::BranchMispredicts)] = v(Node::BranchMispredicts) > 0.10 && t[ni(Node::BadSpeculation)];
    t[ni(Node::MachineClears)] = v(Node::MachineClears) > 0.10 && t[ni(Node::BadSpeculation)];
    t[ni(Node::BackendBound)] = v(Node::BackendBound) > 0.20;
    t[ni(Node::MemoryBound)] = v(Node::MemoryBound) > 0.20 && t[ni(Node::BackendBound)];
    t[ni(Node::CoreBound)] = v(Node::CoreBound) > 0.10 && t[ni(Node::BackendBound)];
    t[ni(Node::HeavyOperations)] = v(Node::HeavyOperations) > 0.10;
    t[ni(Node::LightOperations)] = v(Node::LightOperations) > 0.60;
    t[ni(Node::Retiring)] = v(Node::Retiring) > 0.70 || t[ni(Node::HeavyOperations)];
    return t;
}

Node bottleneck(const Breakdown& b, double sib) {
    const auto t = flagged(b);
    std::vector<Node> l1;
    for (Node n : {Node::FrontendBound, Node::BadSpeculation, Node::BackendBound, Node::Retiring})
        if (t[ni(n)]) l1.push_back(n);
    if (l1.empty()) {  // nothing crosses a threshold: report the largest Level-1 node
        Node best = Node::FrontendBound;
        for (Node n : {Node::BadSpeculation, Node::BackendBound, Node::Retiring})
            if (b[ni(n)] > b[ni(best)]) best = n;
        return best;
    }
    const Node top = *std::max_element(l1.begin(), l1.end(), [&](Node x, Node y) { return b[ni(x)] < b[ni(y)]; });
    std::vector<Node> kids;
    for (unsigned k = 1; k <= 2; ++k)
        if (t[ni(top) + k]) kids.push_back(static_cast<Node>(ni(top) + k));
    if (kids.empty()) return top;
    std::sort(kids.begin(), kids.end(), [&](Node x, Node y) { return b[ni(x)] > b[ni(y)]; });
    if (kids.size() == 2 && b[ni(kids[0])] - b[ni(kids[1])] < sib) return top;  // ambiguous siblings
    return kids[0];
}

}  // namespace pmusim::tma

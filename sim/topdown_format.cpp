#include "sim/topdown_format.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "models/core/quote_value.h"
#include "sim/version.h"

namespace pmusim {

using tma::Node;

namespace {

const char* area(Node n) {
    while (tma::level(n) > 1) n = tma::parent(n);
    switch (n) {
        case Node::FrontendBound: return "FE";
        case Node::BadSpeculation: return "BAD";
        case Node::BackendBound: return "BE";
        default: return "RET";
    }
}

// perf's names of the PERF_METRICS fields, in field order (SDM Vol. 3B 21.3.9.3).
const char* const kTopdownEvents[8] = {"topdown-retiring",  "topdown-bad-spec",      "topdown-fe-bound",
                                       "topdown-be-bound",  "topdown-heavy-ops",     "topdown-br-mispredict",
                                       "topdown-fetch-lat", "topdown-mem-bound"};

std::string pct(double v) {
    if (std::isnan(v)) return "    nan";  // a division by zero in the formula, as perf computes it
    char b[32];
    std::snprintf(b, sizeof b, "%6.1f%%", 100.0 * v);
    return b;
}

std::string seconds(uint64_t cycles, double ghz) {  // at --freq (default 1 GHz: 1 cycle = 1 ns)
    char b[32];
    std::snprintf(b, sizeof b, "%14.9f", double(cycles) / (ghz * 1e9));
    return b;
}

// The nodes whose parents are flagged (toplev prints a child only below a flagged parent, plus
// everything at Level 1), and the whole tree when verbose.
// perf's "( +- x.xx% )" of a value over -r runs; empty without -r.
// Blank when 0, as perf's print_noise_pct.
std::string spread(const TopdownSpread* s, double pct_value) {
    if (!s) return "";
    if (pct_value == 0) return std::string(14, ' ');
    char b[32];
    std::snprintf(b, sizeof b, " ( +-%6.2f%% )", pct_value);
    return b;
}

void tree(std::ostream& os, const TopdownInterval& iv, const tma::Model& m, const TopdownSpread* sp) {
    const auto flag = tma::flagged(iv.reported);
    char line[256];
    std::snprintf(line, sizeof line, "  %-3s %-27s %8s%s %8s %8s   %s\n", "", "node", "reported", sp ? "    spread  " : "",
                  "truth", "error", "");
    os << line;
    for (Node n : tma::selected_nodes(m)) {
        const double rep = iv.reported[tma::ni(n)], tru = iv.truth[tma::ni(n)];
        std::string name = std::string(2 * (tma::level(n) - 1), ' ') + tma::node_name(n);
        std::string err = "      -";
        if (!std::isnan(rep) && !std::isnan(tru)) {
            char b[32];
            std::snprintf(b, sizeof b, "%+7.2f", 100.0 * (rep - tru));
            err = b;
        }
        std::string mark;
        if (n == iv.bottleneck) mark = "<== bottleneck";
        else if (!flag[tma::ni(n)]) mark = "<";  // below threshold (toplev -v)
        if (n == iv.truth_bottleneck && n != iv.bottleneck) mark += (mark.empty() ? "" : " ") + std::string("(true bottleneck)");
        std::snprintf(line, sizeof line, "  %-3s %-27s %8s%s %8s %8s   %s\n", area(n), name.c_str(), pct(rep).c_str(),
                      spread(sp, sp ? sp->nodes[tma::ni(n)] : 0).c_str(), pct(tru).c_str(), err.c_str(), mark.c_str());
        os << line;
    }
}

// Info metrics beside their truth (the same formula on the exact counts).
void info(std::ostream& os, const TopdownInterval& iv, const tma::Model& m, const TopdownSpread* sp) {
    if (m.metrics.empty()) return;
    char line[256];
    std::snprintf(line, sizeof line, "\n  %-31s %12s%s %12s %12s\n", "Info metric", "reported", sp ? "    spread  " : "",
                  "truth", "error");
    os << line;
    for (size_t k = 0; k < m.metrics.size(); ++k) {
        const double rep = iv.metrics[k], tru = iv.metrics_truth[k];
        std::snprintf(line, sizeof line, "  %-31s %12.6g%s %12.6g %12.3g\n", m.metrics[k].c_str(), rep,
                      spread(sp, sp ? sp->metrics[k] : 0).c_str(), tru, rep - tru);
        os << line;
    }
}

void table_begin(std::ostream& os, const TopdownReport& r, uint64_t count) {
    const auto& m = r.model;
    os << "\n pmusim topdown: " << r.workload << "\n   on " << r.cpu << " (" << tma::family_name(m.family) << " formulas, "
       << tma::method_name(m.method) << (m.nodes.empty() ? ", level " + std::to_string(m.level) : ", selected nodes")
       << ", " << m.slots_per_cycle << " slots/cycle)";
    if (r.multiplexed) os << ", multiplexed every " << r.mux_interval << " cycles";
    os << "\n   " << count << " interval" << (count == 1 ? "" : "s") << " over " << (r.summary.end - r.summary.begin)
       << " cycles; error = reported - truth, in % of slots\n";
    if (r.repeat)
        os << "   " << r.repeat->runs << " runs (the workload's seed + 0.." << r.repeat->runs - 1
           << "), pooled: nodes from the mean counts, spread = perf's ( +- ) of each run's value\n";
    if (count > 1) os << "\n            time    FE%   BAD%  BE%   RET%  | truth FE   BAD   BE    RET  | max|err| bottleneck\n";
    else os << "\n";
}

void table_interval(std::ostream& os, const TopdownReport& r, const TopdownInterval& iv, double ghz) {
    double maxerr = 0;
    for (Node n : tma::selected_nodes(r.model)) {
        const double e = iv.reported[tma::ni(n)] - iv.truth[tma::ni(n)];
        if (!std::isnan(e)) maxerr = std::max(maxerr, std::fabs(e));
    }
    auto v = [&](const tma::Breakdown& b, Node n) { return 100.0 * b[tma::ni(n)]; };
    char line[256];
    std::snprintf(line, sizeof line, "  %s %5.1f %5.1f %5.1f %5.1f | %5.1f %5.1f %5.1f %5.1f | %6.2f   %s%s\n",
                  seconds(iv.end, ghz).c_str(), v(iv.reported, Node::FrontendBound), v(iv.reported, Node::BadSpeculation),
                  v(iv.reported, Node::BackendBound), v(iv.reported, Node::Retiring), v(iv.truth, Node::FrontendBound),
                  v(iv.truth, Node::BadSpeculation), v(iv.truth, Node::BackendBound), v(iv.truth, Node::Retiring),
                  100.0 * maxerr, tma::node_name(iv.bottleneck), iv.bottleneck == iv.truth_bottleneck ? "" : " (truth differs)");
    os << line;
}

void table_end(std::ostream& os, const TopdownReport& r, uint64_t count) {
    if (count > 1) os << "\n  summary (counts summed over the intervals):\n";
    std::ostringstream t;
    const TopdownSpread* sp = r.repeat ? &*r.repeat : nullptr;
    tree(t, r.summary, r.model, sp);
    info(t, r.summary, r.model, sp);
    os << t.str() << "\n  bottleneck: " << tma::node_name(r.summary.bottleneck);
    if (r.summary.bottleneck != r.summary.truth_bottleneck)
        os << "   (the truth says " << tma::node_name(r.summary.truth_bottleneck) << ")";
    os << "\n\n";
}

// perf stat -x, -I: time,count,unit,event,run_time,pct_running,metric_value,metric_unit
void csv_interval(std::ostream& os, const TopdownInterval& iv, double ghz) {
    const std::string t = seconds(iv.end, ghz);
    for (auto& c : iv.reading.counts) {
        char b[64];
        std::snprintf(b, sizeof b, "%.2f", c.enabled ? 100.0 * double(c.running) / double(c.enabled) : 0.0);
        os << t << ',' << std::llround(c.scaled) << ",," << c.name << ',' << c.running << ',' << b << ",,\n";
    }
    if (iv.reading.topdown) {
        const auto& td = *iv.reading.topdown;
        const uint64_t en = iv.end - iv.begin;
        os << t << ',' << td.slots << ",,slots," << en << ",100.00,,\n";
        for (unsigned k = 0; k < td.fields; ++k) {
            char b[64];
            // 0 slots: 0/0, printed as perf computes it (nan).
            std::snprintf(b, sizeof b, "%.1f", td.slots ? 100.0 * td.field_slots[k] / double(td.slots) : std::nan(""));
            os << t << ',' << std::llround(td.field_slots[k]) << ",," << kTopdownEvents[k] << ',' << en << ",100.00," << b << ",%\n";
        }
    }
}

// Insertion-ordered: nodes come in tree (pre-)order, as toplev prints them, each naming its parent
// and toplev path so that the tree can be rebuilt; the other keys are inserted in sorted order.
using json = nlohmann::ordered_json;

json num(double v) { return std::isnan(v) ? json(nullptr) : json(v); }  // JSON has no NaN

json json_node(Node n, double rep, double tru, bool flagged) {
    json o;
    o["error"] = std::isnan(rep) || std::isnan(tru) ? json(nullptr) : json(rep - tru);
    o["flagged"] = flagged;
    o["level"] = tma::level(n);
    o["parent"] = tma::level(n) > 1 ? json(tma::node_name(tma::parent(n))) : json(nullptr);
    o["path"] = toplev_path(n);
    o["reported"] = num(rep);
    o["truth"] = num(tru);
    return o;
}

json json_interval(const TopdownReport& r, const TopdownInterval& iv, bool raw) {
    json nodes = json::object();
    const auto flag = tma::flagged(iv.reported);
    const bool with_spread = r.repeat && !raw;  // the summary of -r runs: each value's spread
    for (Node n : tma::selected_nodes(r.model)) {
        json& o = nodes[tma::node_name(n)] = json_node(n, iv.reported[tma::ni(n)], iv.truth[tma::ni(n)], flag[tma::ni(n)]);
        if (with_spread) o["variance"] = num(r.repeat->nodes[tma::ni(n)]);
    }
    json j;
    j["begin"] = iv.begin;
    j["bottleneck"] = tma::node_name(iv.bottleneck);
    if (raw)
        for (auto& c : iv.reading.counts)
            j["counts"].push_back({{"enabled", c.enabled}, {"event", c.name}, {"raw", c.raw}, {"running", c.running},
                                   {"scaled", c.scaled}, {"truth", c.truth_known ? json(c.truth) : json(nullptr)}});
    j["end"] = iv.end;
    if (raw)
        for (auto& [name, value] : iv.retire_latencies) j["retire_latencies"][name] = value;
    if (raw && iv.reading.topdown) {
        const auto& td = *iv.reading.topdown;
        j["fields"] = std::vector<double>(td.field.begin(), td.field.begin() + td.fields);
    }
    j["metrics"] = json::object();
    for (size_t k = 0; k < r.model.metrics.size(); ++k) {
        json& o = j["metrics"][r.model.metrics[k]] = {{"error", num(iv.metrics[k] - iv.metrics_truth[k])},
                                                      {"reported", num(iv.metrics[k])}, {"truth", num(iv.metrics_truth[k])}};
        if (with_spread) o["variance"] = num(r.repeat->metrics[k]);
    }
    j["nodes"] = nodes;
    if (raw && iv.reading.topdown) {
        if (!r.repeat) j["perf_metrics"] = iv.reading.topdown->metrics;  // a mean of runs has no register value
        j["slots"] = iv.reading.topdown->slots;
    }
    j["truth_bottleneck"] = tma::node_name(iv.truth_bottleneck);
    return j;
}

// `j` dumped as the value of a key at `depth` of an indent-2 document (any name: bad UTF-8
// becomes U+FFFD).
std::string nested(const json& j, unsigned depth) {
    const std::string text = j.dump(2, ' ', false, json::error_handler_t::replace), pad(2 * depth, ' ');
    std::string out;
    for (size_t b = 0; b < text.size();) {
        const size_t e = std::min(text.find('\n', b), text.size());
        if (b) out += pad;
        out.append(text, b, e - b);
        if (e < text.size()) out += '\n';
        b = e + 1;
    }
    return out;
}

// The document's keys in nlohmann's (sorted) order: cpu events family | intervals | level ... workload.
void json_begin(std::ostream& os, const TopdownReport& r) {
    os << "{\n  \"cpu\": " << nested(r.cpu, 1) << ",\n  \"events\": " << nested(r.events, 1) << ",\n  \"family\": "
       << nested(tma::family_name(r.model.family), 1) << ",\n  \"intervals\": [";
}

void json_end(std::ostream& os, const TopdownReport& r, double wall, bool any) {
    os << (any ? "\n  ]" : "]") << ",\n  \"level\": " << r.model.level << ",\n  \"method\": "
       << nested(tma::method_name(r.model.method), 1) << ",\n  \"multiplexed\": " << (r.multiplexed ? "true" : "false")
       << ",\n  \"mux_interval\": " << (r.multiplexed ? nested(r.mux_interval, 1) : "null")
       << ",\n  \"pmusim_version\": " << nested(version(), 1) << ",\n  \"runs\": " << (r.repeat ? r.repeat->runs : 1)
       << ",\n  \"slots_per_cycle\": " << nested(r.model.slots_per_cycle, 1) << ",\n  \"summary\": "
       << nested(json_interval(r, r.summary, false), 1) << ",\n  \"wall_seconds\": " << nested(wall, 1)
       << ",\n  \"workload\": " << nested(r.workload, 1) << "\n}\n";
}

}  // namespace

TopdownWriter::TopdownWriter(std::ostream& os, std::string format, ToplevCsvOptions toplev)
    : os_(os), format_(std::move(format)), options_(std::move(toplev)) {
    if (format_ != "table" && format_ != "csv" && format_ != "json" && format_ != "toplev")
        throw std::invalid_argument("format: expected table, csv, toplev or json, got " + quote_value(format_));
}

void TopdownWriter::begin(const TopdownReport& r, uint64_t intervals) {
    count_ = intervals;
    written_ = 0;
    if (format_ == "table") table_begin(os_, r, intervals);
    else if (format_ == "json") json_begin(os_, r);
    else if (format_ == "toplev") (toplev_ = std::make_unique<ToplevCsvWriter>(os_, options_))->begin(r);
}

void TopdownWriter::interval(const TopdownReport& r, const TopdownInterval& iv) {
    if (format_ == "table" && count_ > 1) table_interval(os_, r, iv, options_.ghz);
    else if (format_ == "csv") csv_interval(os_, iv, options_.ghz);
    else if (format_ == "toplev") toplev_->interval(r, iv);
    else if (format_ == "json") os_ << (written_ ? ",\n    " : "\n    ") << nested(json_interval(r, iv, true), 2);
    ++written_;
}

void TopdownWriter::end(const TopdownReport& r, double wall_seconds) {
    if (format_ == "table") table_end(os_, r, count_);
    else if (format_ == "json") json_end(os_, r, wall_seconds, written_ > 0);
    else if (format_ == "toplev") toplev_->end(r);
}

void TopdownWriter::write(const TopdownReport& r, double wall_seconds) {
    begin(r, r.intervals.size());
    for (auto& iv : r.intervals) interval(r, iv);
    end(r, wall_seconds);
}

namespace {
std::string written(const TopdownReport& r, const char* format, double wall) {
    std::ostringstream os;
    TopdownWriter(os, format).write(r, wall);
    return os.str();
}
}  // namespace

std::vector<CountReading> topdown_count_rows(const TopdownInterval& iv) {
    std::vector<CountReading> counts = iv.reading.counts;
    if (iv.reading.topdown) {  // the slots group: FIXED_CTR3 and the fields as perf's topdown-* counts
        const TopdownReading& td = *iv.reading.topdown;
        auto add = [&](const char* name, double v) {
            CountReading c;
            c.name = name;
            c.scaled = v;
            c.running = c.enabled = iv.end - iv.begin;
            counts.push_back(c);
        };
        add("slots", double(td.slots));
        for (unsigned k = 0; k < td.fields; ++k) add(kTopdownEvents[k], td.field_slots[k]);
    }
    return counts;
}

std::string topdown_perf_rows(const TopdownReport& r, const PerfOutputOptions& o, bool intervals) {
    std::string out;
    const uint64_t start = r.summary.begin;
    for (auto& iv : r.intervals) {
        const std::optional<uint64_t> at = intervals ? std::optional<uint64_t>(iv.end - start) : std::nullopt;
        // -r: the counts' means with perf's variance field
        if (r.repeat) out += perf_stat_rows(r.repeat->counts.mean, o, at, &r.repeat->counts.noise_pct);
        else out += perf_stat_rows(topdown_count_rows(iv), o, at);
        // every node computed, as perf names its TMA metrics ("%  tma_backend_bound")
        for (Node n : tma::selected_nodes(r.model)) {
            out += perf_metric_row(100.0 * iv.reported[tma::ni(n)], "%  " + perf_metric_name(tma::node_name(n)), o, at);
        }
    }
    return out;
}

std::string topdown_table(const TopdownReport& r) { return written(r, "table", 0); }
std::string topdown_csv(const TopdownReport& r) { return written(r, "csv", 0); }
std::string topdown_json(const TopdownReport& r, double wall) { return written(r, "json", wall); }

}  // namespace pmusim

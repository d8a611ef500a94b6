#include "sim/topdown_format_toplev.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "sim/topdown.h"
#include "sim/version.h"
#include "tma/tma_tables.h"

namespace pmusim {

std::string toplev_path(tma::Node n) {
    std::string p = tma::node_name(n);
    for (; tma::level(n) > 1; n = tma::parent(n)) p = std::string(tma::node_name(tma::parent(n))) + "." + p;
    return p;
}

std::string toplev_path(const std::string& name) {
    for (const tma::NodeRow& r : tma::node_table())
        if (name == r.name) return toplev_path(r.node);
    return name;
}

std::string perf_metric_name(const std::string& node) {
    std::string m = "tma_";
    for (char c : node) m += char(std::tolower(static_cast<unsigned char>(c)));
    return m;
}

namespace {

// Values as toplev's percentages, but in the shortest form that reads back as the same double
// (toplev rounds to 0.1), so that a CSV reader gets the JSON's numbers times 100; NaN (a formula's
// 0/0) as "nan", which Python's float() and pandas read.
std::string number(double v) {
    if (std::isnan(v)) return "nan";
    char b[40];
    const auto r = std::to_chars(b, b + sizeof b, v);
    return std::string(b, r.ptr);
}

const tma::MetricRow* metric_row(const std::string& name) {
    for (const tma::MetricRow& r : tma::metric_table())
        if (name == r.name) return &r;
    return nullptr;
}

// toplev's Multiplex column: the share of the interval the events were on a counter. pmusim gives
// every row of an interval the lowest share of its events (the formulas read them all).
double multiplex(const TopdownInterval& iv) {
    double least = 100.0;
    for (auto& c : iv.reading.counts)
        if (c.enabled) least = std::min(least, 100.0 * double(c.running) / double(c.enabled));
    return least;
}

}  // namespace

// csv.writer's QUOTE_MINIMAL: a field holding the separator, a quote or a line break is quoted.
std::string ToplevCsvWriter::field(const std::string& s) const {
    if (s.find(o_.sep) == std::string::npos && s.find_first_of("\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// tl_output.py OutputCSV's header: the "Area" column holds the node's path.
void ToplevCsvWriter::begin(const TopdownReport& r) {
    os_ << "# pmusim " << version() << " on " << r.cpu << " [" << tma::family_name(r.model.family) << " formulas, "
        << tma::method_name(r.model.method) << "]\n";
    const char* const cols[] = {"CPUs", "Area", "Value", "Unit", "Description", "Sample", "Stddev", "Multiplex",
                                "Bottleneck", "Idle", "Truth", "Error"};
    std::string line = o_.timestamps ? "Timestamp" : "";
    for (const char* c : cols) line += (line.empty() ? "" : o_.sep) + std::string(c);
    os_ << line << "\n";
}

void ToplevCsvWriter::row(const std::string& ts, const std::string& name, double value, const std::string& unit,
                          const std::string& desc, double mux, bool bottleneck, double truth, double stddev) {
    const std::string& s = o_.sep;
    char m[32], sd[32];
    std::snprintf(m, sizeof m, "%.1f", mux);
    std::snprintf(sd, sizeof sd, "%.1f", stddev);  // tl_uval.py format_uncertainty
    // One CPU: toplev's name of core 0, which both plotting scripts recognise as the CPU column.
    os_ << (o_.timestamps ? ts + s : "") << "C0" << s << field(name) << s << number(value) << s << field(unit) << s
        << field(described_.insert(name).second ? desc : "") << s /* Sample */ << s << sd << s << m << s
        << (bottleneck ? "<==" : "") << s /* Idle */ << s << number(truth) << s << number(value - truth) << "\n";
}

void ToplevCsvWriter::interval(const TopdownReport& r, const TopdownInterval& iv) {
    if (!started_) start_ = iv.begin, started_ = true;
    char ts[48];
    std::snprintf(ts, sizeof ts, "%.9f", double(iv.end - start_) / (o_.ghz * 1e9));
    const double mux = multiplex(iv);
    const auto flag = tma::flagged(iv.reported);
    const bool computed = !std::isnan(iv.reported[tma::ni(tma::Node::FrontendBound)]);
    // -r: the standard deviation of the mean in the value's unit, as toplev derives it from perf's
    // variance field (toplev.py: the percentage times the value); 0 for one run.
    auto stddev = [&](double value, double spread_pct) {
        return r.repeat && !std::isnan(spread_pct) ? std::fabs(value) * spread_pct / 100.0 : 0.0;
    };
    // Every node each interval (toplev -v), below-threshold ones with toplev's " <" on the unit.
    for (tma::Node n : tma::selected_nodes(r.model)) {
        const unsigned k = tma::ni(n);
        row(ts, toplev_path(n), 100.0 * iv.reported[k], flag[k] ? "% Slots" : "% Slots <", tma::node_row(n).description,
            mux, computed && n == iv.bottleneck, 100.0 * iv.truth[k], stddev(100.0 * iv.reported[k], r.repeat ? r.repeat->nodes[k] : 0));
    }
    for (size_t k = 0; k < r.model.metrics.size(); ++k) {
        const tma::MetricRow* mr = metric_row(r.model.metrics[k]);
        row(ts, r.model.metrics[k], iv.metrics[k], "Metric", mr ? mr->description : "", mux, false,
            k < iv.metrics_truth.size() ? iv.metrics_truth[k] : std::nan(""),
            stddev(iv.metrics[k], r.repeat ? r.repeat->metrics[k] : 0));
    }
}

// toplev repeats its version line at the end (print_footer_all).
void ToplevCsvWriter::end(const TopdownReport& r) {
    os_ << "# pmusim " << version() << " on " << r.cpu << " [" << tma::family_name(r.model.family) << " formulas, "
        << tma::method_name(r.model.method) << "]\n";
}

}  // namespace pmusim

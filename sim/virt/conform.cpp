#include "sim/virt/conform.h"

#include <iomanip>
#include <map>
#include <sstream>

#include "sim/virt/run_format.h"

namespace pmusim {

const std::vector<KnownDifference>& known_differences() {
    static const std::vector<KnownDifference> table = {
        {"legacy_unscheduled_counts",
         "legacy vPMU: each guest counter is a pinned host perf event; when the host's events hold every hardware "
         "counter perf cannot schedule it, the event stays in error and the guest counter neither counts nor "
         "overflows until the guest writes it again",
         "arch/x86/kvm/pmu.c pmc_reprogram_counter (attr.pinned, exclude_host); kernel/events/core.c "
         "(a pinned event that cannot be scheduled is put in error state)",
         [](const ProgramRecord& r, bool mediated) { return !mediated && r.unscheduled; }},
        {"msrs_to_save_absent",
         "KVM_GET_MSRS of an MSR that KVM advertises in msrs_to_save but this vCPU lacks reads 0 (and a KVM_SET_MSRS "
         "of 0 succeeds), so that a VMM can save and restore one list on every vCPU; the guest's own RDMSR #GPs",
         "arch/x86/kvm/x86.c kvm_do_msr_access (host-initiated accesses to advertised MSRs)",
         [](const ProgramRecord& r, bool) {
             return r.label.rfind("vmm:", 0) == 0 && r.ref_gp && !r.seen.gp && r.seen.value == 0;
         }},
    };
    return table;
}

ConformReport conform(const RunReport& r, bool mediated) {
    ConformReport c;
    c.scenario = r.scenario;
    c.cpu = r.cpu;
    c.protocol = r.protocol;
    c.accesses = r.programs.accesses;
    c.unrecorded = r.programs.accesses - std::min<uint64_t>(r.programs.accesses, r.programs.records.size());
    c.violations = r.violations.total();
    c.other_violations = c.violations - r.violations.count(ViolationKind::Clobber);
    for (auto& rec : r.programs.records) {
        ConformRow row;
        row.rec = &rec;
        row.expectation_failed = !rec.failure.empty();
        const bool same = rec.seen.gp == rec.ref_gp && (rec.seen.gp || rec.seen.value == rec.ref_value);
        if (!same) {
            row.verdict = ConformRow::Verdict::Unexplained;
            for (auto& k : known_differences())
                if (k.explains(rec, mediated)) {
                    row.verdict = ConformRow::Verdict::Explained;
                    row.explanation = k.name;
                    break;
                }
        }
        c.same += row.verdict == ConformRow::Verdict::BareMetal;
        c.explained += row.verdict == ConformRow::Verdict::Explained;
        c.unexplained += row.verdict == ConformRow::Verdict::Unexplained;
        // An expectation that fails where KVM's documented behaviour explains the difference is
        // that behaviour, not a failure.
        c.failed += row.expectation_failed && row.verdict != ConformRow::Verdict::Explained;
        c.rows.push_back(row);
    }
    return c;
}

namespace {
std::string section_of(const ProgramRecord& r) {
    const auto colon = r.label.find(':');
    if (colon != std::string::npos) return r.label.substr(0, colon);
    return r.where.empty() ? "-" : r.where;
}

std::string result_text(bool gp, uint64_t v, AccessKind k) {
    if (gp) return "#GP";
    if (k == AccessKind::Wrmsr) return "ok";
    return hex_string(v);
}

const char* verdict_name(const ConformRow& row) {
    switch (row.verdict) {
        case ConformRow::Verdict::BareMetal: return row.expectation_failed ? "EXPECTATION" : "bare metal";
        case ConformRow::Verdict::Explained: return "KVM";
        case ConformRow::Verdict::Unexplained: return "UNEXPLAINED";
    }
    return "?";
}

// Per section: accesses, as bare metal, explained, unexplained, failed expectations.
void section_table(std::ostream& os, const ConformReport& c, bool md) {
    std::map<std::string, std::array<uint64_t, 5>> by;
    std::vector<std::string> order;
    for (auto& row : c.rows) {
        const std::string s = section_of(*row.rec);
        if (!by.count(s)) order.push_back(s);
        auto& n = by[s];
        ++n[0];
        ++n[1 + int(row.verdict)];
        n[4] += row.expectation_failed;
    }
    if (md) os << "| section | accesses | bare metal | KVM (explained) | unexplained | failed expectations |\n|---|---|---|---|---|---|\n";
    else os << std::left << std::setw(16) << "section" << std::right << std::setw(10) << "accesses" << std::setw(12) << "bare metal"
            << std::setw(6) << "KVM" << std::setw(13) << "unexplained" << std::setw(8) << "failed" << "\n";
    for (auto& s : order) {
        const auto& n = by[s];
        if (md) os << "| " << s << " | " << n[0] << " | " << n[1] << " | " << n[2] << " | " << n[3] << " | " << n[4] << " |\n";
        else os << std::left << std::setw(16) << s << std::right << std::setw(10) << n[0] << std::setw(12) << n[1] << std::setw(6)
                << n[2] << std::setw(13) << n[3] << std::setw(8) << n[4] << "\n";
    }
    os << "\n";
}
}  // namespace

std::string format_conform(const ConformReport& c, bool all, bool md) {
    std::ostringstream os;
    os << (md ? "**" : "") << "conformance of " << c.scenario << " on " << c.cpu << ", protocol " << c.protocol
       << (md ? "**" : "") << "\n\n";
    section_table(os, c, md);
    bool header = false;
    for (auto& row : c.rows) {
        if (!all && row.verdict == ConformRow::Verdict::BareMetal && !row.expectation_failed) continue;
        const ProgramRecord& r = *row.rec;
        if (!header && md) os << "| verdict | guest | cycle | access | guest saw | bare metal | exited | expectation | note |\n"
                                 "|---|---|---|---|---|---|---|---|---|\n";
        header = true;
        std::string access = std::string(access_kind_name(r.kind)) + " " + r.reg;
        if (r.kind == AccessKind::Wrmsr) {
            access += " <- " + hex_string(r.written);
        }
        const std::string note = row.explanation.empty() ? r.failure : row.explanation + (r.failure.empty() ? "" : "; " + r.failure);
        if (md)
            os << "| " << verdict_name(row) << " | " << r.guest_name << " | " << r.cycle << " | " << access << " | "
               << result_text(r.seen.gp, r.seen.value, r.kind) << " | " << result_text(r.ref_gp, r.ref_value, r.kind) << " | "
               << (r.seen.exited ? "yes" : "no") << " | " << r.expect << " | " << note << " |\n";
        else
            os << std::left << std::setw(12) << verdict_name(row) << " " << r.guest_name << " cycle " << r.cycle << "  " << access
               << ": " << result_text(r.seen.gp, r.seen.value, r.kind) << " (bare metal "
               << result_text(r.ref_gp, r.ref_value, r.kind) << (r.seen.exited ? ", exited" : "") << ")  [" << r.label << "]"
               << (note.empty() ? "" : "\n             " + note) << "\n";
    }
    if (header) os << "\n";
    for (auto& k : known_differences()) {
        bool used = false;
        for (auto& row : c.rows) used |= row.explanation == k.name;
        if (used) os << (md ? "- `" : "  ") << k.name << (md ? "`: " : ": ") << k.what << " (" << k.source << ")\n";
    }
    os << c.accesses << " accesses: " << c.same << " as on bare metal, " << c.explained << " explained by KVM's documented "
       << "behaviour, " << c.unexplained << " unexplained; " << c.failed << " failed expectations";
    if (c.unrecorded) os << "; " << c.unrecorded << " not recorded (raise checks.max_program_records)";
    os << "; " << c.violations << " violations (" << c.other_violations << " other than clobber)\n";
    os << (c.ok() ? "conforms\n" : "DOES NOT CONFORM\n");
    return os.str();
}

}  // namespace pmusim

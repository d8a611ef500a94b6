// Guest programs from Python (docs/virtualization.md "Guest programs"): a guest's program is a
// generator (or any iterable) of actions; each access's outcome is sent back into the generator,
// so an experiment can branch on what the guest saw. Runs release the GIL; the runner takes it
// back for each action, and a Python exception raised by a program leaves the run and is raised
// again, unchanged, to the caller.
#include "program_bindings.h"

#include <pybind11/stl.h>

#include "models/virt/emulated_instr.h"
#include "sim/virt/program_reader.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

namespace {

uint64_t u64_of(const py::handle& v, const std::string& what) {
    if (!py::isinstance<py::int_>(v) || py::isinstance<py::bool_>(v))
        throw std::invalid_argument(what + ": expected an int, got " + std::string(py::repr(v)));
    // Negative values are two's complement (-1000: a counter 1000 below overflow).
    int overflow = 0;
    const long long s = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
    if (overflow == 0) return uint64_t(s);
    if (overflow > 0) {
        const unsigned long long u = PyLong_AsUnsignedLongLong(v.ptr());
        if (!PyErr_Occurred()) return u;
        PyErr_Clear();
    }
    throw std::invalid_argument(what + ": out of 64-bit range: " + std::string(py::repr(v)));
}

}  // namespace

uint32_t msr_index(const py::handle& v, const std::string& what) {
    if (py::isinstance<py::str>(v)) {
        uint32_t a = 0;
        if (!msr_address_of(v.cast<std::string>(), a)) throw std::invalid_argument(what + ": no PMU MSR named " + std::string(py::repr(v)));
        return a;
    }
    const uint64_t a = u64_of(v, what);
    if (a > 0xffffffffu) throw std::invalid_argument(what + ": an MSR address or ECX has 32 bits");
    return uint32_t(a);
}

namespace {

bool is_pair(const py::handle& h) {
    return py::isinstance<py::sequence>(h) && !py::isinstance<py::str>(h) && py::len(h) == 2;
}

Expectation expectation_of(const py::dict& d, const std::string& what) {
    Expectation e;
    for (auto kv : d) {
        const std::string k = py::str(kv.first);
        if (k != "equals" && k != "range" && k != "bits_set" && k != "bits_clear" && k != "gp" && k != "byte_sum")
            throw std::invalid_argument(what + ".expect: unknown key '" + k +
                                        "' (known: equals, range, bits_set, bits_clear, byte_sum, gp)");
    }
    if (d.contains("equals") && !d["equals"].is_none()) {
        e.value = Expectation::Value::Equals;
        e.lo = u64_of(d["equals"], what + ".expect.equals");
    }
    if (d.contains("range") && !d["range"].is_none()) {
        if (!is_pair(d["range"])) throw std::invalid_argument(what + ".expect.range: expected (min, max)");
        auto r = py::reinterpret_borrow<py::sequence>(d["range"]);
        e.value = Expectation::Value::Range;
        e.lo = u64_of(r[0], what + ".expect.range");
        e.hi = u64_of(r[1], what + ".expect.range");
        if (e.hi < e.lo) throw std::invalid_argument(what + ".expect.range: max is below min");
    }
    if (d.contains("bits_set") && !d["bits_set"].is_none()) e.set = u64_of(d["bits_set"], what + ".expect.bits_set");
    if (d.contains("bits_clear") && !d["bits_clear"].is_none()) e.clear = u64_of(d["bits_clear"], what + ".expect.bits_clear");
    if (d.contains("byte_sum") && !d["byte_sum"].is_none()) {
        // (bytes, (min, max)): the sum of the lowest bytes, as for PERF_METRICS' fields.
        const std::string at = what + ".expect.byte_sum";
        if (!is_pair(d["byte_sum"]) || !is_pair(py::reinterpret_borrow<py::sequence>(d["byte_sum"])[1]))
            throw std::invalid_argument(at + ": expected (bytes, (min, max))");
        auto bs = py::reinterpret_borrow<py::sequence>(d["byte_sum"]);
        const uint64_t n = u64_of(bs[0], at);
        if (n < 1 || n > 8) throw std::invalid_argument(at + ": bytes must be 1 to 8");
        e.sum_bytes = unsigned(n);
        auto rg = py::reinterpret_borrow<py::sequence>(bs[1]);
        e.sum_lo = u64_of(rg[0], at);
        e.sum_hi = u64_of(rg[1], at);
    }
    if (d.contains("gp") && !d["gp"].is_none())
        e.fault = d["gp"].cast<bool>() ? Expectation::Fault::Gp : Expectation::Fault::None;
    return e;
}

// One action as pmusim.guest builds it: {"op": "rdmsr"|"wrmsr"|"rdpmc"|"run", ...}.
GuestAction action_of(const py::handle& obj, const std::string& what) {
    if (!py::isinstance<py::dict>(obj))
        throw std::invalid_argument(what + ": expected an action dict (pmusim.guest.rdmsr, wrmsr, rdpmc, run), got " +
                                    std::string(py::repr(obj)));
    auto d = py::reinterpret_borrow<py::dict>(obj);
    if (!d.contains("op")) throw std::invalid_argument(what + ": action without 'op': " + std::string(py::repr(obj)));
    const std::string op = py::str(d["op"]);
    GuestAction a;
    a.where = what;
    if (d.contains("label") && !d["label"].is_none()) a.label = py::str(d["label"]);
    if (op == "run") {
        a.kind = GuestAction::Kind::Run;
        a.cycles = d.contains("cycles") ? u64_of(d["cycles"], what + ".cycles") : 0;
        if (a.cycles == 0) throw std::invalid_argument(what + ".cycles: a run takes at least 1 cycle");
        return a;
    }
    if (op == "emulate") {
        a.kind = GuestAction::Kind::Emulate;
        if (!d.contains("instruction")) throw std::invalid_argument(what + ": emulate without 'instruction'");
        a.index = emulated_instruction_index(py::str(d["instruction"]));
        return a;
    }
    a.kind = GuestAction::Kind::Access;
    if (op == "rdmsr") a.access = AccessKind::Rdmsr;
    else if (op == "wrmsr") a.access = AccessKind::Wrmsr;
    else if (op == "rdpmc") a.access = AccessKind::Rdpmc;
    else if (op == "loop") throw std::invalid_argument(what + ": a loop runs inside pmusim.guest.program([...])");
    else throw std::invalid_argument(what + ".op: expected rdmsr, wrmsr, rdpmc, run or emulate, got '" + op + "'");
    if (!d.contains("index")) throw std::invalid_argument(what + ": " + op + " without 'index'");
    a.index = op == "rdpmc" ? uint32_t(u64_of(d["index"], what + ".index")) : msr_index(d["index"], what + ".index");
    if (op == "rdpmc" && u64_of(d["index"], what + ".index") > 0xffffffffu)
        throw std::invalid_argument(what + ".index: ECX has 32 bits");
    if (op == "wrmsr") {
        if (!d.contains("value")) throw std::invalid_argument(what + ": wrmsr without 'value'");
        a.value = u64_of(d["value"], what + ".value");
    }
    if (d.contains("expect") && !d["expect"].is_none()) {
        if (!py::isinstance<py::dict>(d["expect"])) throw std::invalid_argument(what + ".expect: expected a dict");
        a.expect = expectation_of(py::reinterpret_borrow<py::dict>(d["expect"]), what);
    }
    return a;
}

class PyProgramRunner : public GuestProgramRunner {
public:
    PyProgramRunner(py::object it, std::string guest, ProgramSources& src) : it_(std::move(it)), guest_(std::move(guest)), src_(src) {}
    ~PyProgramRunner() override {
        py::gil_scoped_acquire gil;
        it_ = py::object();
        sent_ = py::object();
    }

    GuestAction next() override {
        py::gil_scoped_acquire gil;
        const std::string what = "guest program " + guest_ + " action " + std::to_string(n_++);
        py::object obj;
        try {
            if (py::hasattr(it_, "send") && started_) obj = it_.attr("send")(sent_);
            else obj = py::module_::import("builtins").attr("next")(it_);
        } catch (py::error_already_set& e) {
            if (e.matches(PyExc_StopIteration)) return {};
            src_.error = py::reinterpret_borrow<py::object>(e.value());
            throw ProgramRaised();
        }
        started_ = true;
        sent_ = py::none();
        return action_of(obj, what);
    }

    void outcome(const GuestOutcome& o) override {
        py::gil_scoped_acquire gil;
        py::dict d;
        d["value"] = o.value;
        d["gp"] = o.gp;
        d["exited"] = o.exited;
        d["cycle"] = o.cycle;
        d["guest_cycle"] = o.local;
        sent_ = d;
    }

private:
    py::object it_, sent_ = py::none();
    bool started_ = false;
    uint64_t n_ = 0;
    std::string guest_;
    ProgramSources& src_;
};

}  // namespace

ProgramSources::~ProgramSources() {
    py::gil_scoped_acquire gil;
    error = py::object();
    sources.clear();
}

void ProgramSources::attach(Scenario& s, const py::dict& programs) {
    for (auto kv : programs) {
        const std::string name = py::str(kv.first);
        GuestSpec* g = nullptr;
        for (auto& x : s.guests)
            if (x.name == name) g = &x;
        if (!g) {
            std::string all;
            for (auto& x : s.guests) all += " " + x.name;
            throw std::invalid_argument("programs: no guest named '" + name + "' (guests:" + all + ")");
        }
        // A callable is called (a generator function: one fresh generator per run); anything
        // else must be iterable (pmusim.guest.program() turns a list with loops into one).
        py::object src = py::reinterpret_borrow<py::object>(kv.second);
        if (!PyCallable_Check(src.ptr()) && !py::hasattr(src, "__iter__"))
            throw std::invalid_argument("programs['" + name + "']: expected a generator function or an iterable of actions");
        sources.push_back(src);
        py::object* held = &sources.back();
        g->runner = [held, name, this]() -> std::unique_ptr<GuestProgramRunner> {
            py::gil_scoped_acquire gil;
            py::object it;
            try {
                py::object x = PyCallable_Check(held->ptr()) ? (*held)() : *held;
                it = py::module_::import("builtins").attr("iter")(x);
            } catch (py::error_already_set& e) {
                error = py::reinterpret_borrow<py::object>(e.value());
                throw ProgramRaised();
            }
            return std::make_unique<PyProgramRunner>(it, name, *this);
        };
    }
}

void ProgramSources::raise_if_failed() {
    if (!error) return;
    py::object e = error;
    error = py::object();
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(e.ptr())), e.ptr());
    throw py::error_already_set();
}

}  // namespace pmusim::py_bindings

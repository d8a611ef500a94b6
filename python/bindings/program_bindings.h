// Guest programs written in Python, attached to a scenario's guests for one run.
#pragma once
#include <pybind11/pybind11.h>

#include <deque>
#include <stdexcept>
#include <string>

#include "sim/virt/scenario.h"

namespace pmusim::py_bindings {

// An MSR address from a Python int or an SDM name (ValueError naming `what` otherwise).
uint32_t msr_index(const pybind11::handle& v, const std::string& what);

// Thrown through the engine when a Python program raised; ProgramSources holds the exception.
struct ProgramRaised : std::runtime_error {
    ProgramRaised() : std::runtime_error("a guest program raised") {}
};

// The Python objects behind a run's guest programs. Create and destroy it with the GIL held; it
// must outlive the run (the scenario's runners point into it).
struct ProgramSources {
    ~ProgramSources();
    // {guest name: generator function | iterable of actions}; ValueError for an unknown guest.
    void attach(Scenario& s, const pybind11::dict& programs);
    // After a run that threw ProgramRaised: raises the program's exception again.
    void raise_if_failed();

    std::deque<pybind11::object> sources;  // deque: runners keep pointers to its elements
    pybind11::object error;
};

}  // namespace pmusim::py_bindings

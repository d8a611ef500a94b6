// Where the workload and scenario libraries are found: beside the installed program or Python
// package (share/pmusim), inside a pip-installed package, or in the source tree for a build tree.
#pragma once
#include <string>
#include <vector>

namespace pmusim {

// The file this code was loaded from: the pmusim executable, a test binary, or the Python extension
// module (dladdr; /proc/self/exe for an executable).
struct OwnLocation {
    std::string dir;
    bool program = true;  // an executable (else a shared object: the Python extension)
};
OwnLocation own_location();

// The places searched for library `sub` ("workloads" or "scenarios"), in order: the source tree
// when the code runs from a build output directory of this checkout; else share/pmusim/`sub`
// reached from an installed bin/ directory (a program), or `dir`/data/`sub` (the package that
// `pip install` builds) then share/pmusim/`sub` reached from the installed package (the extension).
std::vector<std::string> library_candidates(const OwnLocation& own, const std::string& sub);

// A library directory: the environment variable `env` when set (std::invalid_argument when it names
// no directory), else the first existing candidate above; std::invalid_argument naming every place
// searched when there is none.
std::string library_dir(const char* env, const std::string& sub);

// The .yaml files of a library directory, sorted by name, with each file's top-level
// `description` on one line ("" when it has none or cannot be read): `pmusim list`.
struct LibraryEntry {
    std::string name, description;
};
std::vector<LibraryEntry> library_entries(const std::string& dir);

}  // namespace pmusim

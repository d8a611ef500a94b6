#include "sim/library_paths.h"

#include <dlfcn.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>  // program_invocation_name
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

// Set by CMakeLists.txt for this file only: the checkout and the build output directories (used only
// by code that runs from those directories), and the relative paths from the installed bin and
// Python package directories to share/pmusim (so an installed prefix can move as a whole).
#ifndef PMUSIM_SOURCE_DIR
#define PMUSIM_SOURCE_DIR ""
#endif
#ifndef PMUSIM_BUILD_DIR
#define PMUSIM_BUILD_DIR ""
#endif
#ifndef PMUSIM_PYTHON_BUILD_DIR
#define PMUSIM_PYTHON_BUILD_DIR ""
#endif
#ifndef PMUSIM_BIN_TO_DATA
#define PMUSIM_BIN_TO_DATA "../share/pmusim"
#endif
#ifndef PMUSIM_PYTHON_TO_DATA
#define PMUSIM_PYTHON_TO_DATA "../../../../share/pmusim"
#endif

namespace pmusim {
namespace fs = std::filesystem;

namespace {

bool same_dir(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec);
}

}  // namespace

OwnLocation own_location() {
    Dl_info info{};
    OwnLocation own;
    std::string file;
    // For the main program glibc reports argv[0], which may be relative or a name found on PATH.
    if (dladdr(reinterpret_cast<void*>(&own_location), &info) && info.dli_fname &&
        std::strcmp(info.dli_fname, program_invocation_name) != 0) {
        file = info.dli_fname;
        own.program = false;
    }
    std::error_code ec;
    if (own.program) file = fs::read_symlink("/proc/self/exe", ec).string();
    if (!file.empty()) own.dir = fs::weakly_canonical(fs::absolute(file, ec), ec).parent_path().string();
    return own;
}

std::vector<std::string> library_candidates(const OwnLocation& own, const std::string& sub) {
    const fs::path dir(own.dir);
    for (const char* b : {PMUSIM_BUILD_DIR, PMUSIM_PYTHON_BUILD_DIR})
        if (*b && same_dir(dir, b)) return {(fs::path(PMUSIM_SOURCE_DIR) / sub).string()};
    if (own.program) return {(dir / PMUSIM_BIN_TO_DATA / sub).lexically_normal().string()};
    return {(dir / "data" / sub).lexically_normal().string(),
            (dir / PMUSIM_PYTHON_TO_DATA / sub).lexically_normal().string()};
}

std::string library_dir(const char* env, const std::string& sub) {
    std::error_code ec;
    if (const char* e = std::getenv(env)) {
        if (!fs::is_directory(e, ec)) throw std::invalid_argument(std::string(env) + "=" + e + ": not a directory");
        return e;
    }
    const auto candidates = library_candidates(own_location(), sub);
    for (auto& c : candidates)
        if (fs::is_directory(c, ec)) return c;
    std::string where;
    for (auto& c : candidates) where += (where.empty() ? "" : ", ") + c;
    throw std::invalid_argument("the " + sub + " library is not installed (looked in " + where + "); set " + env +
                                " to its directory");
}

std::vector<LibraryEntry> library_entries(const std::string& dir) {
    std::vector<LibraryEntry> v;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().extension() != ".yaml") continue;
        LibraryEntry le{e.path().stem().string(), ""};
        try {
            const YAML::Node d = YAML::LoadFile(e.path().string())["description"];
            std::istringstream words(d.IsScalar() ? d.Scalar() : "");
            for (std::string w; words >> w;) le.description += (le.description.empty() ? "" : " ") + w;
        } catch (const YAML::Exception&) {
            // A broken file is listed without a description; loading it reports the error.
        }
        v.push_back(std::move(le));
    }
    std::sort(v.begin(), v.end(), [](const LibraryEntry& a, const LibraryEntry& b) { return a.name < b.name; });
    return v;
}

}  // namespace pmusim

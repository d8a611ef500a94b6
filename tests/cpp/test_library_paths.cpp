// Where the workload and scenario libraries are found (docs/install.md): the source tree only for
// code running from this build; an installed program finds share/pmusim beside its bin/, an
// installed extension finds its package's data/ or share/pmusim from the site directory; and a
// missing library is an error naming every place searched.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "sim/library_paths.h"
#include "sim/version.h"

using namespace pmusim;
namespace fs = std::filesystem;

TEST(LibraryPaths, TheTestBinaryRunsFromTheBuildTreeAndReadsTheSourceTree) {
    const OwnLocation own = own_location();
    EXPECT_TRUE(own.program);
    const auto c = library_candidates(own, "workloads");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_TRUE(fs::exists(fs::path(c[0]) / "mixed_app.yaml")) << c[0];
}

TEST(LibraryPaths, AnInstalledProgramLooksBesideItsBinDirectoryOnly) {
    const auto c = library_candidates({"/opt/p/bin", true}, "scenarios");
    EXPECT_EQ(c, std::vector<std::string>{"/opt/p/share/pmusim/scenarios"});
}

TEST(LibraryPaths, AnInstalledExtensionLooksInItsPackageThenInShareFromTheSiteDirectory) {
    // Debian's layouts for /usr and /usr/local have the same depth, so one relative path serves both.
    for (const std::string site : {"/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/dist-packages"}) {
        const std::string prefix = site.substr(0, site.find("/lib/"));
        const auto c = library_candidates({site + "/pmusim", false}, "workloads");
        EXPECT_EQ(c, (std::vector<std::string>{site + "/pmusim/data/workloads", prefix + "/share/pmusim/workloads"}));
    }
}

TEST(LibraryPaths, TheEnvironmentVariableWinsAndMustNameADirectory) {
    const std::string dir = fs::temp_directory_path().string();
    ::setenv("PMUSIM_TEST_LIBRARY", dir.c_str(), 1);
    EXPECT_EQ(library_dir("PMUSIM_TEST_LIBRARY", "workloads"), dir);
    ::setenv("PMUSIM_TEST_LIBRARY", "/no/such/dir", 1);
    try {
        library_dir("PMUSIM_TEST_LIBRARY", "workloads");
        ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "PMUSIM_TEST_LIBRARY=/no/such/dir: not a directory");
    }
    ::unsetenv("PMUSIM_TEST_LIBRARY");
}

TEST(LibraryPaths, EntriesCarryTheFilesDescriptionOnOneLine) {
    const fs::path dir = fs::temp_directory_path() / "pmusim_library_entries_test";
    fs::create_directories(dir);
    std::ofstream(dir / "b.yaml") << "name: b\ndescription: >\n  two\n  lines\n";
    std::ofstream(dir / "a.yaml") << "name: a\n";
    std::ofstream(dir / "broken.yaml") << "description: [unclosed\n";
    std::ofstream(dir / "notes.txt") << "not a library file\n";
    const auto e = library_entries(dir.string());
    fs::remove_all(dir);
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0].name, "a");
    EXPECT_EQ(e[0].description, "");
    EXPECT_EQ(e[1].name, "b");
    EXPECT_EQ(e[1].description, "two lines");
    EXPECT_EQ(e[2].name, "broken");
}

TEST(Version, IsTheProjectVersion) {
    const std::string v = version();
    EXPECT_EQ(v.find_first_not_of("0123456789."), std::string::npos) << v;
    EXPECT_EQ(std::count(v.begin(), v.end(), '.'), 2) << v;
}

// --help polish: examples under each command's help (and so in its man page), and defaults shown
// only where they mean something.
#pragma once
#include <CLI/CLI.hpp>

namespace pmusim {

void add_help_examples(CLI::App& app);
// Drops the captured default of list options ("[]") and of options whose description states the
// default in words ("0" for "default: one pass of the workload"), in `app` and every subcommand.
void tidy_help_defaults(CLI::App& app);

}  // namespace pmusim

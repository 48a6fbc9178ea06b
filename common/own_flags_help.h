#ifndef INDICATORS_COMMON_OWN_FLAGS_HELP_H_
#define INDICATORS_COMMON_OWN_FLAGS_HELP_H_

// Shared by every program of the project (server, admin, client, benchmark
// tools); depends on Abseil's flags only.

#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace indicators {

// Makes `--help` (and `--helpshort`) list the flags defined in `main_file`
// (pass `__FILE__` from the file that defines them): Abseil's default looks
// for a file named after the program and, finding none, prints "No flags
// matched". Call it before `absl::ParseCommandLine`.
inline void ListOwnFlagsInHelp(const char* main_file) {
  static const char* file = main_file;
  absl::FlagsUsageConfig usage;
  // Abseil gives the file names without a leading '/'.
  usage.contains_help_flags = [](absl::string_view name) {
    return !name.empty() && absl::EndsWith(file, name);
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
}

}  // namespace indicators

#endif  // INDICATORS_COMMON_OWN_FLAGS_HELP_H_

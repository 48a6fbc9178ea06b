#include "tests/testing/served_database.h"

#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace indicators::testing {

absl::Status MigrateAndImport(const std::string& admin_binary,
                              const std::string& conninfo,
                              const std::string& dir) {
  const std::string database = "--database=" + conninfo;
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{admin_binary, database, "migrate"},
        std::vector<std::string>{admin_binary, database, "import", dir}}) {
    std::string output;
    if (RunCommand(command, &output) != 0) {
      return absl::InternalError(
          absl::StrCat("indicators-admin ", command[2], " failed: ", output));
    }
  }
  return absl::OkStatus();
}

std::string StartServerProcess(const std::vector<std::string>& argv,
                               std::unique_ptr<Subprocess>* process) {
  *process = std::make_unique<Subprocess>(argv);
  std::string line;
  std::smatch match;
  if (!(*process)->ReadLine(&line, absl::Seconds(30)) ||
      !std::regex_search(
          line, match, std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);"))) {
    return "";
  }
  return match[1];
}

}  // namespace indicators::testing

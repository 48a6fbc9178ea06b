#include "server/core/file_io.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace indicators {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return std::move(out).str();
}

}  // namespace indicators

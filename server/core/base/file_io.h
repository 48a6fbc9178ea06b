#ifndef INDICATORS_SERVER_CORE_BASE_FILE_IO_H_
#define INDICATORS_SERVER_CORE_BASE_FILE_IO_H_

#include <string>

#include "absl/status/statusor.h"

namespace indicators {

// Returns the whole content of the file at `path`, as bytes. NOT_FOUND if it
// cannot be opened, DATA_LOSS if reading fails part way.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Replaces the file at `path` with `content` whole: writes `path`.tmp, then
// renames it over `path`, so a reader sees the old file or the new one.
// PERMISSION_DENIED if the file cannot be created, DATA_LOSS if writing or
// renaming fails.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& content);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_FILE_IO_H_

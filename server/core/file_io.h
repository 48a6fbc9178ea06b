#ifndef INDICATORS_SERVER_CORE_FILE_IO_H_
#define INDICATORS_SERVER_CORE_FILE_IO_H_

#include <string>

#include "absl/status/statusor.h"

namespace indicators {

// Returns the whole content of the file at `path`, as bytes. NOT_FOUND if it
// cannot be opened, DATA_LOSS if reading fails part way.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_FILE_IO_H_

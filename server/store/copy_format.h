#ifndef INDICATORS_SERVER_STORE_COPY_FORMAT_H_
#define INDICATORS_SERVER_STORE_COPY_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace indicators::store {

// PostgreSQL's COPY text format (one row a line, fields separated by tabs,
// backslash escapes, `\N` for NULL), as `pqxx::stream_from` reads it.

// Splits one COPY line into `fields` (replacing them), undoing the escapes;
// a NULL becomes an empty field. INVALID_ARGUMENT for a malformed escape.
absl::Status DecodeCopyLine(absl::string_view line,
                            std::vector<std::string>* fields);

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_COPY_FORMAT_H_
